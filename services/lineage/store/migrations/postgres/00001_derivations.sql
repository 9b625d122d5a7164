-- +goose Up
-- Licence checks are stored once per distinct check: at scale millions of
-- derivations share a few hundred verdicts, and keeping them out of the
-- edge rows keeps those narrow for graph walks.
CREATE TABLE licence_checks (
    digest TEXT PRIMARY KEY,
    body   TEXT NOT NULL
);

-- Ids are ASCII (AIP-122), so they compare byte by byte ("C"): the walks
-- make thousands of index comparisons, and a locale's collation costs
-- several times more for the same order.
CREATE TABLE derivations (
    seq                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                 TEXT COLLATE "C" NOT NULL UNIQUE,
    derivative         TEXT COLLATE "C" NOT NULL,
    source             TEXT COLLATE "C" NOT NULL,
    relation           SMALLINT NOT NULL,
    licence_use        SMALLINT NOT NULL,
    note               TEXT     NOT NULL,
    portion            TEXT     NOT NULL,
    source_licence     TEXT     NOT NULL,
    derivative_licence TEXT     NOT NULL,
    verdict            SMALLINT NOT NULL,
    conflict           BOOLEAN  NOT NULL,
    check_digest       TEXT     NOT NULL,
    recorder           TEXT     NOT NULL,
    create_time        BIGINT   NOT NULL
);
-- Walks up (derivative -> source) and down (source -> derivative) each read
-- one of these. They carry the derivation's id too, so that a walk, which
-- returns the edges with their ids, never visits the table: an index-only
-- scan, where fetching the ids from the heap costs a random read per edge.
CREATE UNIQUE INDEX derivations_up ON derivations (derivative, source, relation) INCLUDE (id);
CREATE INDEX derivations_down ON derivations (source, derivative, relation) INCLUDE (id);

CREATE TABLE requests (
    principal     TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    derivation_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (principal, request_id)
);
CREATE INDEX requests_derivation ON requests (derivation_id);

-- The graph epoch: every transaction that adds or removes an edge bumps it.
CREATE TABLE graph_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO graph_epoch (id, epoch) VALUES (1, 0);

-- +goose Down
DROP TABLE graph_epoch;
DROP TABLE requests;
DROP TABLE derivations;
DROP TABLE licence_checks;
