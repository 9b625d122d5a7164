-- The ids of works an admin force-deleted while liens held them: the
-- derivations those liens stood for outlive the work in the lineage store,
-- and a new work with the id would inherit them. Such an id is never given
-- again. migrations/postgres/00003_retired_works.sql is the same table.

-- +goose Up
CREATE TABLE retired_works (
    id        TEXT    PRIMARY KEY,
    retire_us INTEGER NOT NULL
);

-- +goose Down
DROP TABLE retired_works;
