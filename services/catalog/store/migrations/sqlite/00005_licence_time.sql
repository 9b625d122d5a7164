-- Licence changes take effect at their effective time, past or future
-- (docs/catalog.md, "Licences in time"). migrations/postgres/00005 is the
-- same change in PostgreSQL's types.
--
-- works.licence stays the licence in force as of the work's last write;
-- licence_effective_us is when it took effect (0: the licence the work was
-- registered with, in force from the start), licence_pending_us the
-- effective time of the next change still to come (0: none), which reads
-- settle and the catalog's promoter writes into the row when it is due.
-- A history entry keeps the licence's status and ids, so that a change
-- coming due needs no licences service; initial_entry marks the entry a
-- work's registration implies, which holds before every dated change.

-- +goose Up
ALTER TABLE works ADD COLUMN licence_effective_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE works ADD COLUMN licence_pending_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE licence_changes ADD COLUMN initial_entry INTEGER NOT NULL DEFAULT 0;
ALTER TABLE licence_changes ADD COLUMN licence_status INTEGER NOT NULL DEFAULT 0;
ALTER TABLE licence_changes ADD COLUMN licence_ids TEXT NOT NULL DEFAULT '[]';
-- Entries recorded before: the first of each work is its registration's;
-- the status and ids follow from the expression for a single identifier
-- (a compound one recorded before keeps no ids, which only the licence_id
-- filter of a work whose current licence it becomes again would miss).
UPDATE licence_changes SET initial_entry = 1 WHERE seq IN (SELECT MIN(seq) FROM licence_changes GROUP BY work_seq);
UPDATE licence_changes SET
    licence_status = CASE WHEN licence = '' THEN 1 WHEN licence LIKE '%Ref-%' THEN 3 ELSE 2 END,
    licence_ids = CASE WHEN licence <> '' AND licence NOT LIKE '% %' THEN '["' || licence || '"]' ELSE '[]' END;
UPDATE works SET licence_effective_us = COALESCE((SELECT c.effective_us FROM licence_changes c
    WHERE c.work_seq = works.seq AND c.initial_entry = 0 ORDER BY c.seq DESC LIMIT 1), 0);
CREATE INDEX works_licence_pending ON works (licence_pending_us) WHERE licence_pending_us > 0;

-- +goose Down
DROP INDEX works_licence_pending;
ALTER TABLE licence_changes DROP COLUMN licence_ids;
ALTER TABLE licence_changes DROP COLUMN licence_status;
ALTER TABLE licence_changes DROP COLUMN initial_entry;
ALTER TABLE works DROP COLUMN licence_pending_us;
ALTER TABLE works DROP COLUMN licence_effective_us;
