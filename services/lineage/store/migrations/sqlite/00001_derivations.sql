-- +goose Up
-- Licence checks are stored once per distinct check: at scale millions of
-- derivations share a few hundred verdicts, and keeping them out of the
-- edge rows keeps those narrow for graph walks.
CREATE TABLE licence_checks (
    digest TEXT PRIMARY KEY,
    body   TEXT NOT NULL
);

CREATE TABLE derivations (
    seq                INTEGER PRIMARY KEY,
    id                 TEXT    NOT NULL UNIQUE,
    derivative         TEXT    NOT NULL,
    source             TEXT    NOT NULL,
    relation           INTEGER NOT NULL,
    licence_use        INTEGER NOT NULL,
    note               TEXT    NOT NULL,
    portion            TEXT    NOT NULL,
    source_licence     TEXT    NOT NULL,
    derivative_licence TEXT    NOT NULL,
    verdict            INTEGER NOT NULL,
    conflict           INTEGER NOT NULL,
    check_digest       TEXT    NOT NULL,
    recorder           TEXT    NOT NULL,
    create_time        INTEGER NOT NULL
);
-- Walks up (derivative -> source) and down (source -> derivative) each read
-- one of these, without touching the table.
CREATE UNIQUE INDEX derivations_up ON derivations (derivative, source, relation);
CREATE INDEX derivations_down ON derivations (source, derivative, relation);

CREATE TABLE requests (
    principal     TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    derivation_id TEXT NOT NULL,
    PRIMARY KEY (principal, request_id)
);
CREATE INDEX requests_derivation ON requests (derivation_id);

-- The graph epoch: every transaction that adds or removes an edge bumps it.
CREATE TABLE graph_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch INTEGER NOT NULL
);
INSERT INTO graph_epoch (id, epoch) VALUES (1, 0);

-- +goose Down
DROP TABLE graph_epoch;
DROP TABLE requests;
DROP TABLE derivations;
DROP TABLE licence_checks;
