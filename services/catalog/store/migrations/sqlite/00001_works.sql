-- The catalog's schema (SQLite). migrations/postgres/00001_works.sql is the
-- same schema in PostgreSQL's types; the two keep the same version numbers (an
-- export names its schema version, and restores into either engine).

-- +goose Up
-- seq orders works oldest first (page tokens carry it) and, never reused
-- (AUTOINCREMENT), tells a work from an earlier one that had its id.
CREATE TABLE works (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT    NOT NULL UNIQUE,
    kind           INTEGER NOT NULL,
    title          TEXT    NOT NULL,
    title_fold     TEXT    NOT NULL, -- lower-cased title, for `title : "word"`
    description    TEXT    NOT NULL,
    version        TEXT    NOT NULL,
    licence        TEXT    NOT NULL,
    licence_status INTEGER NOT NULL,
    lists          TEXT    NOT NULL, -- creators, source URIs, identifiers, digests, licence ids as JSON
    owner          TEXT    NOT NULL,
    generation     INTEGER NOT NULL,
    create_us      INTEGER NOT NULL,
    update_us      INTEGER NOT NULL
);
CREATE INDEX works_by_kind ON works (kind, seq);
CREATE INDEX works_by_owner ON works (owner, seq);

-- Everything a work is found by that it may hold several of: creator
-- names (field 1), identifiers (2), digests (3), the licence ids its
-- expression names (4; the empty id for no licence: the licence filter
-- goes through them too). One table, so that a bulk load writes one more
-- table rather than four, and one index: the store deletes a work's terms
-- by their whole key, recomputed from the work's row, so that no second
-- index by work slows every insert.
CREATE TABLE work_terms (
    field    INTEGER NOT NULL,
    term     TEXT    NOT NULL,
    work_seq INTEGER NOT NULL,
    PRIMARY KEY (field, term, work_seq)
) WITHOUT ROWID;

CREATE TABLE licence_changes (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    work_seq         INTEGER NOT NULL,
    licence          TEXT    NOT NULL,
    previous_licence TEXT    NOT NULL,
    effective_us     INTEGER NOT NULL,
    record_us        INTEGER NOT NULL,
    actor            TEXT    NOT NULL,
    note             TEXT    NOT NULL
);
CREATE INDEX licence_changes_by_work ON licence_changes (work_seq, seq);

CREATE TABLE liens (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    work_seq  INTEGER NOT NULL,
    lien_id   TEXT    NOT NULL,
    origin    TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    creator   TEXT    NOT NULL,
    create_us INTEGER NOT NULL,
    UNIQUE (work_seq, lien_id)
);

-- Create requests by request_id, per principal (AIP-155): a retry finds
-- the work the first attempt made.
CREATE TABLE requests (
    principal   TEXT    NOT NULL,
    request_id  TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    work_seq    INTEGER NOT NULL,
    PRIMARY KEY (principal, request_id)
);
CREATE INDEX requests_by_work ON requests (work_seq);

-- +goose Down
DROP TABLE requests;
DROP TABLE liens;
DROP TABLE licence_changes;
DROP TABLE work_terms;
DROP TABLE works;
