-- The similarity index of works' ISCC codes (docs/iscc.md, "Finding
-- near-duplicates"): every Content- and Data-Code unit of a work's codes,
-- cut into four 16-bit bands, one row per band. key is the unit's kind,
-- the band's number and its value in one integer (similarity.Keys); code
-- is the unit's 64 bits (as a signed integer), so that a candidate's
-- distance is checked from an index-only scan, without reading the work.
-- migrations/sqlite/00004_iscc_bands.sql is the same table.

-- +goose Up
CREATE TABLE work_iscc_bands (
    key      BIGINT NOT NULL,
    code     BIGINT NOT NULL,
    work_seq BIGINT NOT NULL,
    PRIMARY KEY (key, code, work_seq)
);

-- +goose Down
DROP TABLE work_iscc_bands;
