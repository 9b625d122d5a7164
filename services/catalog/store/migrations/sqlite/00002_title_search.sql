-- Title equality (filter `title = "…"`, which the store asks as title_fold
-- and then title) served by an index on the case-folded title. SQLite's
-- LIKE uses an index only for a pattern without a leading wildcard, so
-- `title : "…"` (contains) still scans the works here; on PostgreSQL this
-- version is a trigram index that serves both (docs/catalog.md, "Title
-- search").

-- +goose Up
CREATE INDEX works_by_title ON works (title_fold);

-- +goose Down
DROP INDEX works_by_title;
