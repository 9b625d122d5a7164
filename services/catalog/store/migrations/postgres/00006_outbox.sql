-- The outbox of the catalog's events: see
-- migrations/sqlite/00006_outbox.sql, the same tables.

-- +goose Up
CREATE TABLE outbox (
    seq       BIGINT PRIMARY KEY,
    id        TEXT COLLATE "C" NOT NULL UNIQUE,
    work      TEXT   NOT NULL,
    body      TEXT   NOT NULL,
    record_us BIGINT NOT NULL
);

CREATE TABLE outbox_seq (
    id  BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO outbox_seq (id, seq) VALUES (1, 0);

-- +goose Down
DROP TABLE outbox_seq;
DROP TABLE outbox;
