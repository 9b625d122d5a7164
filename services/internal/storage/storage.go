// Package storage opens a service's database, SQLite (pure Go, the embedded
// default) or PostgreSQL (pgx), applies its migrations, and runs
// transactions with the retries each engine needs.
//
// Services write one dialect of SQL for both engines: numbered parameters
// ($1, $2: PostgreSQL's native form, which SQLite also reads), standard
// upserts (ON CONFLICT), RETURNING and recursive CTEs, timestamps as
// integer microseconds since the Unix epoch. Only their migrations differ
// per engine. The PostgreSQL SQL keeps to what the Postgres-compatible
// distributed databases also run: no advisory locks in request paths and
// SERIALIZABLE transactions retried on serialization failure.
package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// Engine names a database engine. Migrations live in a folder of the same
// name.
type Engine string

// The engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Options says which database to open.
type Options struct {
	// DatabaseURL selects PostgreSQL; empty selects SQLite.
	DatabaseURL string
	// DataDir holds the SQLite files, one per service.
	DataDir string
	// Service names the SQLite file (<service>.db) and, unless Schema is
	// set, the PostgreSQL schema.
	Service string
	// Schema overrides the PostgreSQL schema (tests use one per test).
	Schema string
	// Migrations holds the goose migrations in a folder named
	// "migrations", with one folder per engine ("sqlite", "postgres") of
	// matching version numbers: a package's //go:embed migrations as it is.
	Migrations fs.FS
	// MaxConns bounds the connection pool (PostgreSQL) or the read pool
	// (SQLite, which has one writer). Zero means a default.
	MaxConns int
	Logger   *slog.Logger
	// NoMigrate opens the database as it is, creating and altering
	// nothing, so that the serving role needs no DDL rights; a schema
	// behind the migrations is refused, naming `stemma migrate`.
	NoMigrate bool
	// ReadURLs are PostgreSQL read replicas (streaming standbys of
	// DatabaseURL) that take reads off the primary: see Routed.
	ReadURLs []string
	// MaxReplicaLag is how far behind the primary a replica may be and
	// still serve reads (zero: DefaultMaxReplicaLag).
	MaxReplicaLag time.Duration
	// ReplicaPoll is how often each replica's health and replay position
	// are refreshed (zero: 100 ms).
	ReplicaPoll time.Duration
	// Metrics, when set, receives the read routing's metrics.
	Metrics prometheus.Registerer
	// ReadOwnWrites makes every read see every write made through this
	// DB, whether or not its request carries a token: each write then
	// keeps all reads on the primary until a replica replays it. For
	// tests that read what they wrote without tokens; a service relies on
	// its requests' tokens instead.
	ReadOwnWrites bool
}

// DB is an open, migrated service database.
type DB struct {
	Engine Engine
	Schema string // PostgreSQL only
	read   *sql.DB
	write  *sql.DB
	log    *slog.Logger
	// replicas routes reads when read replicas are configured; nil
	// otherwise.
	replicas *router
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Open opens the database and migrates it to the newest schema.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Service == "" {
		return nil, errors.New("storage: no service name")
	}
	var (
		db  *DB
		err error
	)
	if o.DatabaseURL == "" {
		if len(o.ReadURLs) > 0 {
			return nil, errors.New("storage: read replicas need a PostgreSQL database URL")
		}
		db, err = openSQLite(o)
	} else {
		db, err = openPostgres(ctx, o)
	}
	if err != nil {
		return nil, err
	}
	if o.NoMigrate {
		err = db.checkVersion(ctx, o.Migrations)
	} else {
		err = db.migrate(ctx, o.Migrations)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	if db.replicas != nil {
		// No replica serves reads before it has the schema as migrated.
		lsn, err := db.replicas.position(ctx)
		if err != nil {
			db.Close()
			return nil, apierr.UnavailableErr("database", err)
		}
		db.replicas.raiseFloor(lsn)
	}
	return db, nil
}

func openSQLite(o Options) (*DB, error) {
	if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("storage: data directory: %w", err)
	}
	path := filepath.Join(o.DataDir, o.Service+".db")
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)"
	// One writer, taking the write lock at BEGIN: a deferred transaction
	// that upgrades from reading to writing can fail with SQLITE_BUSY at
	// once, whatever the busy timeout.
	write, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	// Reads map the database file into memory (up to 1 GiB of it) instead
	// of copying each page they read from the operating system's cache
	// into SQLite's: an index seek costs a memory read, not a system call
	// (docs/performance.md, "Similarity search").
	read, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=mmap_size(1073741824)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	n := o.MaxConns
	if n <= 0 {
		n = 4
	}
	read.SetMaxOpenConns(n)
	return &DB{Engine: SQLite, read: read, write: write, log: o.Logger}, nil
}

func openPostgres(ctx context.Context, o Options) (*DB, error) {
	schema := o.Schema
	if schema == "" {
		schema = o.Service
	}
	if !schemaName.MatchString(schema) {
		return nil, fmt.Errorf("storage: schema %q: want lower-case letters, digits and underscores", schema)
	}
	cfg, err := pgx.ParseConfig(o.DatabaseURL)
	if err != nil {
		// pgx redacts the password in its parse errors.
		return nil, fmt.Errorf("storage: database URL: %w", err)
	}
	if !o.NoMigrate {
		if err := createSchema(ctx, cfg, schema); err != nil {
			return nil, err
		}
	}
	cfg.RuntimeParams["search_path"] = schema
	pool := stdlib.OpenDB(*cfg)
	n := o.MaxConns
	if n <= 0 {
		n = 16
	}
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, apierr.UnavailableErr("database", err)
	}
	db := &DB{Engine: Postgres, Schema: schema, read: pool, write: pool, log: o.Logger}
	if len(o.ReadURLs) > 0 {
		if db.replicas, err = openReplicas(pool, o, schema, n); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return db, nil
}

// createSchema creates the schema before any pooled connection uses it as
// its search path.
func createSchema(ctx context.Context, cfg *pgx.ConnConfig, schema string) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return apierr.UnavailableErr("database", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize())
	if isUniqueViolation(err) {
		// Two replicas created it at once; it exists.
		err = nil
	}
	if err != nil {
		return fmt.Errorf("storage: create schema %s: %w", schema, err)
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	var err error
	if db.replicas != nil {
		err = db.replicas.close()
	}
	err = errors.Join(err, db.read.Close())
	if db.write != db.read {
		err = errors.Join(err, db.write.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return apierr.UnavailableErr("database", err)
	}
	return nil
}

// PlanForValues returns args so that PostgreSQL plans the statement for
// these values each time it runs, instead of settling, after five runs, on
// a generic plan for any values. Filters need it: whether an index beats
// walking the table in order depends on how rare the value is (a generic
// plan for a title search walks every work). SQLite's args are unchanged.
func (db *DB) PlanForValues(args []any) []any {
	if db.Engine != Postgres {
		return args
	}
	// pgx reads a leading QueryExecMode as an option: Exec sends the
	// statement unnamed, which PostgreSQL plans with the values bound.
	return append([]any{pgx.QueryExecModeExec}, args...)
}

// Reader returns the primary's pool for queries outside a transaction;
// reads that a replica may serve use Routed.
func (db *DB) Reader() *sql.DB { return db.read }

// Writer returns the pool transactions that write run on.
func (db *DB) Writer() *sql.DB { return db.write }

// maxAttempts bounds the retries of a transaction that lost a race.
const maxAttempts = 12

// Tx runs fn in a read-write transaction, committing if it returns nil.
// A transaction that loses a race with another (PostgreSQL serialization
// failure or deadlock, SQLite busy), or whose connection broke before its
// commit, is retried from the start with jittered backoff, so fn must have
// no effects outside the transaction.
// PostgreSQL transactions are SERIALIZABLE, and run on the primary; with
// read replicas, the request's consistency tracker is then given the
// primary's WAL position.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	opts := &sql.TxOptions{}
	if db.Engine == Postgres {
		opts.Isolation = sql.LevelSerializable
	}
	err := db.run(ctx, db.write, nil, opts, fn)
	if err == nil {
		db.observeWrite(ctx)
	}
	return err
}

// ReadTx runs fn in a read-only transaction: a consistent snapshot for
// reads that take several queries. With read replicas it runs where
// Routed would send a read, and again on the primary if the replica fails.
func (db *DB) ReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.Engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	} else {
		// modernc's driver refuses the read-only flag; SQLite's deferred
		// transactions on the read pool are snapshots in WAL mode anyway.
		opts.ReadOnly = false
	}
	return db.run(ctx, db.read, db.pick, opts, fn)
}

// run runs fn in a transaction on pool, or, when pick is set, on the
// replica it returns, if any; a replica that fails hands the transaction
// to pool.
func (db *DB) run(ctx context.Context, pool *sql.DB, pick func(context.Context) *replica, opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	backoff := 2 * time.Millisecond
	for attempt := 1; ; attempt++ {
		on, rep := pool, (*replica)(nil)
		if pick != nil {
			if rep = pick(ctx); rep != nil {
				on = rep.pool
			}
		}
		atCommit, err := db.once(ctx, on, opts, fn)
		if rep != nil && db.replicas.failed(ctx, rep, err) {
			pick = nil
			attempt--
			continue
		}
		// A connection that broke before the commit was sent took its
		// transaction with it, so it may run again on another; one that
		// broke during the commit leaves the outcome unknown.
		again := db.retryable(err) || (err != nil && !atCommit && brokenConnection(err))
		if err == nil || !again || attempt == maxAttempts {
			return db.Classify(err)
		}
		sleep := backoff/2 + rand.N(backoff)
		select {
		case <-ctx.Done():
			return db.Classify(ctx.Err())
		case <-time.After(sleep):
		}
		// Up to a second apart: eight writers on one row of a loaded
		// machine could otherwise lose every attempt within 200 ms steps.
		if backoff < time.Second {
			backoff *= 2
		}
	}
}

// once runs fn in one transaction; atCommit tells whether err came from
// the commit.
func (db *DB) once(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(tx *sql.Tx) error) (atCommit bool, err error) {
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return false, err
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

func (db *DB) retryable(err error) bool {
	if _, isDomain := apierr.As(err); isDomain {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	var sqlErr *sqlite.Error
	if errors.As(err, &sqlErr) {
		code := sqlErr.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}

// Classify turns a database error into what callers should see: domain
// errors and nil pass through; a lost connection or an unreachable server
// becomes UNAVAILABLE, and a transaction that kept losing races ABORTED,
// both of which clients may retry.
func (db *DB) Classify(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apierr.As(err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if isConnectionError(err) {
		return apierr.UnavailableErr("database", err)
	}
	if db.retryable(err) {
		// Every retry lost to concurrent transactions (Tx gives up after
		// maxAttempts): nothing is broken, and the caller may try again.
		return &apierr.Error{Kind: apierr.Aborted, Reason: "CONCURRENT_UPDATE",
			Message: "the request lost a race with concurrent writes; retry it", Err: err}
	}
	return err
}

func isConnectionError(err error) bool {
	if errors.Is(err, sql.ErrConnDone) || brokenConnection(err) {
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P0x: the server is shutting
		// down or restarting; 53: insufficient resources.
		c := pgErr.Code
		return len(c) == 5 && (c[:2] == "08" || c[:4] == "57P0" || c[:2] == "53")
	}
	var netErr interface{ Timeout() bool }
	return errors.As(err, &netErr)
}

// brokenConnection reports whether err says that the connection went away
// while the server may still be there: ErrBadConn (database/sql's word,
// inside a transaction, for a connection the driver found closed), the
// end of the stream or a reset (the backend killed, or the server
// restarted, while a statement ran), or 57P01 (the backend terminated).
func brokenConnection(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "57P01"
}

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool { return isUniqueViolation(err) }

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqlErr *sqlite.Error
	if errors.As(err, &sqlErr) {
		return sqlErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqlErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// PgxConn runs fn on a raw pgx connection taken from the pool, for what
// database/sql cannot do (COPY). PostgreSQL only.
func (db *DB) PgxConn(ctx context.Context, fn func(*pgx.Conn) error) error {
	if db.Engine != Postgres {
		return errors.New("storage: PgxConn on " + string(db.Engine))
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return db.Classify(err)
	}
	err = conn.Raw(func(dc any) error {
		return fn(dc.(*stdlib.Conn).Conn())
	})
	conn.Close()
	if err == nil {
		db.observeWrite(ctx)
	}
	return db.Classify(err)
}

// Micros converts a time to the integer microseconds the stores keep.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// FromMicros converts stored microseconds back to a UTC time.
func FromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// isMissingTable reports whether err says a table does not exist: a
// database nothing was ever migrated into.
func isMissingTable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "42P01"
	}
	return strings.Contains(err.Error(), "no such table")
}
