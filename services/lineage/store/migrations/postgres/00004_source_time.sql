-- When a derivative took its source's material (docs/lineage.md,
-- "Licences in time"): the source is judged by its licence in force then.
-- 0 means the derivation's create_time, which is what a derivation recorded
-- before this column, or loaded in bulk, took. migrations/sqlite/00004 is
-- the same column.

-- +goose Up
ALTER TABLE derivations ADD COLUMN source_time BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE derivations DROP COLUMN source_time;
