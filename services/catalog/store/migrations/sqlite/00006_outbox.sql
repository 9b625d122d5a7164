-- The outbox of the catalog's events (docs/events.md): a row per licence
-- change, written in the transaction that changes the licence, so that an
-- event exists exactly when its change does. The lineage service relays
-- them into its event log by id. seq comes from the one-row counter
-- outbox_seq, bumped in the same transaction: numbers are then given in
-- commit order, and a reader paging by seq never passes a row that is yet
-- to commit. migrations/postgres/00006_outbox.sql is the same.

-- +goose Up
CREATE TABLE outbox (
    seq       INTEGER PRIMARY KEY,
    id        TEXT    NOT NULL UNIQUE,
    work      TEXT    NOT NULL,
    body      TEXT    NOT NULL,
    record_us INTEGER NOT NULL
);

CREATE TABLE outbox_seq (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO outbox_seq (id, seq) VALUES (1, 0);

-- +goose Down
DROP TABLE outbox_seq;
DROP TABLE outbox;
