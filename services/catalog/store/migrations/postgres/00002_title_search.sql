-- Title search (filter `title : "…"`, contains, case-folded) served by a
-- trigram index, where the server has pg_trgm (PostgreSQL's contrib, in
-- every Debian and official image) and lets this role create it; pg_trgm
-- is a trusted extension, so owning the database is enough. Without it
-- title filters scan the works, as `title :` does on SQLite, whose version
-- 2 serves only equality: SQLite serves smaller registries (docs/catalog.md,
-- "Title search"). The extension goes into public, not the service's schema, so
-- that dropping one schema never drops it from under another; where it is
-- already installed elsewhere, the index uses it from there.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    ops name;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
        -- Not installed on the server, not allowed, or created at this
        -- moment by another service's migration (then it is found below).
        RAISE NOTICE 'pg_trgm: %', SQLERRM;
    END;
    SELECT n.nspname INTO ops FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace
     WHERE c.opcname = 'gin_trgm_ops' AND c.opcmethod = (SELECT oid FROM pg_am WHERE amname = 'gin');
    IF ops IS NOT NULL THEN
        EXECUTE format('CREATE INDEX works_by_title ON works USING gin (title_fold %I.gin_trgm_ops)', ops);
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX IF EXISTS works_by_title;
