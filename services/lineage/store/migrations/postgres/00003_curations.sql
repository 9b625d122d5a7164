-- +goose Up
-- Licence curations (docs/curations.md): claims that a work or a package's
-- versions are under another licence than the one declared, and every
-- step of their review. Accepted ones are read by every SBOM import and
-- policy evaluation, so the state is indexed.
CREATE TABLE curations (
    id              TEXT COLLATE "C" PRIMARY KEY,
    purl            TEXT    NOT NULL,
    versions        TEXT    NOT NULL,
    work            TEXT    NOT NULL,
    licence         TEXT    NOT NULL,
    evidence_url    TEXT    NOT NULL,
    evidence_digest TEXT    NOT NULL,
    evidence_note   TEXT    NOT NULL,
    proposer        TEXT    NOT NULL,
    state           BIGINT NOT NULL,
    reviewer        TEXT    NOT NULL,
    create_time     BIGINT NOT NULL,
    update_time     BIGINT NOT NULL
);

CREATE INDEX curations_state ON curations (state, id);

CREATE TABLE curation_events (
    curation_id TEXT COLLATE "C" NOT NULL,
    seq         BIGINT NOT NULL,
    state       BIGINT NOT NULL,
    actor       TEXT    NOT NULL,
    note        TEXT    NOT NULL,
    time        BIGINT NOT NULL,
    PRIMARY KEY (curation_id, seq)
);

-- +goose Down
DROP TABLE curation_events;
DROP TABLE curations;
