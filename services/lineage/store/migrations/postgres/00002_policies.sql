-- +goose Up
-- Licence policies (docs/policy.md): the latest document of each, and
-- every revision of it. Policies are few and small; they live beside the
-- derivations because the lineage part evaluates them.
CREATE TABLE policies (
    id          TEXT COLLATE "C" PRIMARY KEY,
    owner       TEXT   NOT NULL,
    document    TEXT   NOT NULL,
    revision    BIGINT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL
);

CREATE TABLE policy_revisions (
    policy_id   TEXT COLLATE "C" NOT NULL,
    revision    BIGINT NOT NULL,
    document    TEXT   NOT NULL,
    author      TEXT   NOT NULL,
    create_time BIGINT NOT NULL,
    PRIMARY KEY (policy_id, revision)
);

-- +goose Down
DROP TABLE policy_revisions;
DROP TABLE policies;
