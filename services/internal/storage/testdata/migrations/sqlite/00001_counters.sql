-- +goose Up
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
-- +goose Down
DROP TABLE counters;
