-- The event log (docs/events.md): every change that may change a verdict,
-- in one sequence. Derivation events are written in the transaction that
-- changes the graph; catalog and curation events are relayed or written
-- likewise, once per event id. seq comes from the one-row counter
-- event_seq, bumped in the writing transaction, so numbers are given in
-- commit order without gaps and a reader resuming after a sequence misses
-- nothing. migrations/postgres/00005_events.sql is the same.

-- +goose Up
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    kind        INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    create_time INTEGER NOT NULL
);

CREATE TABLE event_seq (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO event_seq (id, seq) VALUES (1, 0);

-- How far the relay has read another service's outbox.
CREATE TABLE relay_cursors (
    source   TEXT    PRIMARY KEY,
    position INTEGER NOT NULL
);

-- Leases: the replica that holds one runs the job it names (the relay,
-- webhook delivery) until it expires.
CREATE TABLE leases (
    name      TEXT    PRIMARY KEY,
    holder    TEXT    NOT NULL,
    expire_us INTEGER NOT NULL
);

CREATE TABLE subscriptions (
    id              TEXT    PRIMARY KEY,
    owner           TEXT    NOT NULL,
    work            TEXT    NOT NULL,
    scope           INTEGER NOT NULL,
    kinds           INTEGER NOT NULL,
    webhook_url     TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    create_time     INTEGER NOT NULL,
    cursor          INTEGER NOT NULL,
    failures        INTEGER NOT NULL,
    next_attempt_us INTEGER NOT NULL
);
CREATE INDEX subscriptions_by_owner ON subscriptions (owner, id);

CREATE TABLE deliveries (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    event_seq    INTEGER NOT NULL,
    attempt      INTEGER NOT NULL,
    state        INTEGER NOT NULL,
    http_status  INTEGER NOT NULL,
    error        TEXT    NOT NULL,
    time         INTEGER NOT NULL
);
CREATE INDEX deliveries_by_subscription ON deliveries (subscription, seq);

-- +goose Down
DROP TABLE deliveries;
DROP TABLE subscriptions;
DROP TABLE leases;
DROP TABLE relay_cursors;
DROP TABLE event_seq;
DROP TABLE events;
