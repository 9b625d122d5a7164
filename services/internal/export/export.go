// Package export writes a whole Stemma registry as JSON lines and restores
// it into an empty instance, on SQLite and PostgreSQL alike, and backs up
// SQLite stores while they serve.
//
// An export is the rows of every table of every service's store: works
// with their owners, times, generations, licence history (actors, effective
// and record times), liens and request ids; derivations with the licences
// and verdicts recorded when they were made, the licence checks and the
// graph epoch. Row for row, so that a restored instance answers every
// query exactly as the original, and so that the format follows the
// migrations without a second description of the schema to keep in step.
// The two engines' schemas have the same tables and columns, which is what
// lets an export from one be restored into the other.
//
// The first line is a Header ({"stemma_export": 1, ...}), the last a
// Trailer that counts the rows, and every line between is a Row. Rows are
// in a fixed order (service, table, then every column), so that two
// exports of the same registry are the same file but for the header's
// time.
package export

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	catalogstore "github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/internal/storage"
	lineagestore "github.com/stemma-registry/stemma/services/lineage/store"
)

// Format is the version of the export format this package writes.
const Format = 1

// Header is the first line of an export.
type Header struct {
	// StemmaExport is the format version; its presence is what tells an
	// export from any other JSON document.
	StemmaExport int       `json:"stemma_export"`
	CreateTime   time.Time `json:"create_time"`
	// Engine is the store the export was read from.
	Engine   storage.Engine  `json:"engine"`
	Services []ServiceHeader `json:"services"`
}

// ServiceHeader describes one service's part of an export.
type ServiceHeader struct {
	Name string `json:"name"`
	// SchemaVersion is the migration version of the store; a restore needs
	// the same version.
	SchemaVersion int64 `json:"schema_version"`
}

// Row is one row of one table.
type Row struct {
	Service string         `json:"service"`
	Table   string         `json:"table"`
	Row     map[string]any `json:"row"`
}

// Options says which stores to read or write: PostgreSQL when DatabaseURL
// is set, else the SQLite files under DataDir.
type Options struct {
	DatabaseURL string
	DataDir     string
	Logger      *slog.Logger
}

// service is one service's store.
type service struct {
	name       string
	migrations fs.FS
	// anchor is the table that is empty exactly when the store holds no
	// registry (a fresh store may have seeded rows elsewhere: the epoch).
	anchor string
}

// services lists the stores an export holds, lineage first: on a live
// instance each service is read in a snapshot of its own, and reading the
// derivations before the works means every work a derivation names is in
// the export (a work with derivations cannot be deleted).
var services = []service{
	{lineagestore.Service, lineagestore.Migrations(), "derivations"},
	{catalogstore.Service, catalogstore.Migrations(), "works"},
}

func (o Options) open(ctx context.Context, s service) (*storage.DB, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, err := storage.Open(ctx, storage.Options{DatabaseURL: o.DatabaseURL, DataDir: o.DataDir, Service: s.name,
		Migrations: s.migrations, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open the %s store: %w", s.name, err)
	}
	return db, nil
}

// IsExport reports whether line, the first line of a file, is the header
// of a Stemma export.
func IsExport(line []byte) bool {
	var h struct {
		StemmaExport *int `json:"stemma_export"`
	}
	return json.Unmarshal(line, &h) == nil && h.StemmaExport != nil
}

// Trailer is the last line of an export: what it holds, so that a restore
// can tell a whole export from a truncated one.
type Trailer struct {
	// Rows counts the rows of each table, by "service.table".
	Rows map[string]int64 `json:"stemma_export_rows"`
}

// Export writes the registry in the stores o names to w: the header, every
// row, the trailer. Each service is read in one read-only transaction of
// its own, so the export of a serving instance is consistent per service.
func Export(ctx context.Context, o Options, w io.Writer) (*Trailer, error) {
	dbs := make([]*storage.DB, 0, len(services))
	defer func() {
		for _, db := range dbs {
			db.Close()
		}
	}()
	h := Header{StemmaExport: Format, CreateTime: time.Now().UTC()}
	for _, s := range services {
		db, err := o.open(ctx, s)
		if err != nil {
			return nil, err
		}
		dbs = append(dbs, db)
		v, _, err := db.Version(ctx, s.migrations)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", s.name, err)
		}
		h.Engine = db.Engine
		h.Services = append(h.Services, ServiceHeader{Name: s.name, SchemaVersion: v})
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(h); err != nil {
		return nil, err
	}
	tr := &Trailer{Rows: map[string]int64{}}
	for i, s := range services {
		if err := exportService(ctx, dbs[i], s.name, enc, tr); err != nil {
			return nil, fmt.Errorf("export %s: %w", s.name, err)
		}
	}
	if err := enc.Encode(tr); err != nil {
		return nil, err
	}
	return tr, bw.Flush()
}

// exportService writes the service's rows, read in one snapshot. Not
// storage's ReadTx: it retries, and rows already written cannot be taken
// back.
func exportService(ctx context.Context, db *storage.DB, name string, enc *json.Encoder, tr *Trailer) error {
	opts := &sql.TxOptions{}
	if db.Engine == storage.Postgres {
		// modernc's SQLite refuses the read-only flag; its deferred
		// transactions are snapshots in WAL mode anyway.
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := db.Reader().BeginTx(ctx, opts)
	if err != nil {
		return db.Classify(err)
	}
	defer tx.Rollback()
	tables, err := tableNames(ctx, tx, db.Engine)
	if err != nil {
		return err
	}
	for _, t := range tables {
		key := name + "." + t
		tr.Rows[key] = 0
		rows, err := tx.QueryContext(ctx, "SELECT * FROM "+quote(t)+" ORDER BY "+allColumns(ctx, tx, t))
		if err != nil {
			return fmt.Errorf("read %s: %w", t, err)
		}
		cols, err := rows.Columns()
		for err == nil && rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err = rows.Scan(ptrs...); err != nil {
				break
			}
			row := make(map[string]any, len(cols))
			for i, c := range cols {
				row[c] = jsonValue(vals[i])
			}
			err = enc.Encode(Row{Service: name, Table: t, Row: row})
			tr.Rows[key]++
		}
		err = errors.Join(err, rows.Close(), rows.Err())
		if err != nil {
			return fmt.Errorf("read %s: %w", t, err)
		}
	}
	return nil
}

// allColumns returns "1, 2, ..., n" for table t: ordering by every column
// makes the export of a registry the same file however its rows are laid
// out on disk.
func allColumns(ctx context.Context, tx *sql.Tx, t string) string {
	rows, err := tx.QueryContext(ctx, "SELECT * FROM "+quote(t)+" WHERE 1 = 0")
	if err != nil {
		return "1"
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	n := make([]string, max(len(cols), 1))
	for i := range n {
		n[i] = fmt.Sprint(i + 1)
	}
	return strings.Join(n, ", ")
}

// jsonValue turns what the drivers scan into what JSON keeps exactly:
// integers stay integers (timestamps are microseconds, well inside
// float64's exact range but written as integers anyway), text stays text.
func jsonValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// processState names the tables that hold the running processes' state,
// not the registry's: which replica holds a lease (the event relay,
// webhook delivery). A restored registry starts with none held.
var processState = map[string]bool{"leases": true}

// tableNames lists the service's tables, without the migration tool's or
// the processes' own.
func tableNames(ctx context.Context, tx *sql.Tx, engine storage.Engine) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if engine == storage.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(n, "goose_") && !processState[n] {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, rows.Err()
}

func quote(name string) string { return pgx.Identifier{name}.Sanitize() }

// ErrNotEmpty is returned by Import when the target already holds a
// registry.
var ErrNotEmpty = errors.New("the target already holds a registry; restore into an empty instance")
