-- The similarity index of works' ISCC codes (docs/iscc.md, "Finding
-- near-duplicates"): every Content- and Data-Code unit of a work's codes,
-- cut into four 16-bit bands, one row per band. key is the unit's kind,
-- the band's number and its value in one integer (similarity.Keys); code
-- is the unit's 64 bits (as a signed integer), so that a candidate's
-- distance is checked from the index alone, without reading the work.
-- As work_terms, one index, the primary key, and rows deleted by their
-- whole key, recomputed from the work's codes.
-- migrations/postgres/00004_iscc_bands.sql is the same table.

-- +goose Up
CREATE TABLE work_iscc_bands (
    key      INTEGER NOT NULL,
    code     INTEGER NOT NULL,
    work_seq INTEGER NOT NULL,
    PRIMARY KEY (key, code, work_seq)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE work_iscc_bands;
