package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrate brings the schema to the newest version. On PostgreSQL a lock
// table (not an advisory lock, which CockroachDB lacks) keeps replicas that
// start together from migrating at once.
func (db *DB) migrate(ctx context.Context, migrations fs.FS) error {
	p, err := db.provider(migrations)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return db.Classify(fmt.Errorf("storage: migrate: %w", err))
	}
	for _, r := range results {
		db.log.Info("migration applied", "engine", db.Engine, "schema", db.Schema, "version", r.Source.Version, "duration", r.Duration)
	}
	return nil
}

// checkVersion refuses a schema older than the migrations, which a
// process that may not migrate cannot serve.
// It only reads goose's version table: goose's own GetDBVersion takes the
// migration lock, which is a write.
func (db *DB) checkVersion(ctx context.Context, migrations fs.FS) error {
	p, err := db.provider(migrations)
	if err != nil {
		return err
	}
	var newest int64
	if sources := p.ListSources(); len(sources) > 0 {
		newest = sources[len(sources)-1].Version
	}
	var current sql.NullInt64
	err = db.read.QueryRowContext(ctx, "SELECT max(version_id) FROM goose_db_version WHERE is_applied").Scan(&current)
	if err != nil && !isMissingTable(err) {
		return db.Classify(fmt.Errorf("storage: schema version: %w", err))
	}
	if current.Int64 < newest {
		return fmt.Errorf("storage: the %s schema is at version %d, this binary needs %d: run `stemma migrate` (or serve with --migrate) as a role that may alter it", db.label(), current.Int64, newest)
	}
	return nil
}

func (db *DB) label() string {
	if db.Engine == Postgres {
		return "PostgreSQL " + db.Schema
	}
	return "SQLite"
}

func (db *DB) provider(migrations fs.FS) (*goose.Provider, error) {
	if migrations == nil {
		return nil, errors.New("storage: no migrations")
	}
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Engine))
	if err != nil {
		return nil, fmt.Errorf("storage: migrations for %s: %w", db.Engine, err)
	}
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresTableLocker(
			lock.WithTableLockTimeout(200*time.Millisecond, 1500),
		)
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithLocker(locker))
	}
	return goose.NewProvider(dialect, db.write, sub, opts...)
}

// Version returns the schema version the database is at and the newest
// version the migrations know.
func (db *DB) Version(ctx context.Context, migrations fs.FS) (current, newest int64, err error) {
	p, err := db.provider(migrations)
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, db.Classify(err)
	}
	sources := p.ListSources()
	if len(sources) > 0 {
		newest = sources[len(sources)-1].Version
	}
	return current, newest, nil
}
