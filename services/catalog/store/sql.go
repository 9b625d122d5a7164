package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/storage"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the migrations, as storage.Open wants them.
func Migrations() fs.FS { return migrations }

// Service names the catalog's database: its SQLite file and its
// PostgreSQL schema.
const Service = "catalog"

// SQL is the Store over SQLite or PostgreSQL.
type SQL struct {
	db  *storage.DB
	now func() time.Time
}

var _ Store = (*SQL)(nil)

// New returns the store over an open, migrated database.
func New(db *storage.DB) *SQL {
	return &SQL{db: db, now: time.Now}
}

// TitleIndexMissing reports whether the database lacks the index its
// engine can give title filters: on PostgreSQL the trigram index, which
// migration 2 leaves out where pg_trgm cannot be had. SQLite's migration
// always makes its index.
func (s *SQL) TitleIndexMissing(ctx context.Context) (bool, error) {
	if s.db.Engine != storage.Postgres {
		return false, nil
	}
	var missing bool
	err := s.db.Reader().QueryRowContext(ctx, "SELECT to_regclass('works_by_title') IS NULL").Scan(&missing)
	return missing, s.db.Classify(err)
}

// clock returns the time a write records, at the microseconds the store
// keeps.
func (s *SQL) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// queryer is what reads run on: the routed reads (storage.Routed) or a
// transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// workColumns are the columns scanWork reads, in its order.
const workColumns = "w.seq, w.id, w.kind, w.title, w.description, w.version, w.licence, w.licence_status, w.lists, w.owner, w.generation, w.create_us, w.update_us, w.licence_effective_us, w.licence_pending_us"

// lists is the JSON form of a work's lists, in the lists column. With the
// licence ids, a work's row says which terms it has, so that they can be
// deleted by their key.
type lists struct {
	Creators    []work.Creator    `json:"c,omitempty"`
	SourceURIs  []string          `json:"s,omitempty"`
	Identifiers []work.Identifier `json:"i,omitempty"`
	Digests     []string          `json:"d,omitempty"`
	LicenceIDs  []string          `json:"l,omitempty"`
	ISCCCodes   []string          `json:"ic,omitempty"`

	Declared []work.DeclaredLicence `json:"dl,omitempty"`
}

func encodeLists(w *work.Work) (string, error) {
	b, err := json.Marshal(lists{w.Creators, w.SourceURIs, w.Identifiers, w.Digests, w.Licence.IDs, w.ISCCCodes, w.DeclaredLicences})
	if err != nil {
		return "", fmt.Errorf("encode the lists of works/%s: %w", w.ID, err)
	}
	return string(b), nil
}

type scanner interface{ Scan(dest ...any) error }

func scanWork(r scanner) (*work.Work, error) {
	var (
		w                   work.Work
		kind, status        int
		listsJSON           string
		createUs, updateUs  int64
		effectiveUs, pendUs int64
	)
	if err := r.Scan(&w.Seq, &w.ID, &kind, &w.Title, &w.Description, &w.Version, &w.Licence.Expression,
		&status, &listsJSON, &w.Owner, &w.Generation, &createUs, &updateUs, &effectiveUs, &pendUs); err != nil {
		return nil, err
	}
	var l lists
	if err := json.Unmarshal([]byte(listsJSON), &l); err != nil {
		return nil, fmt.Errorf("decode the lists of works/%s: %w", w.ID, err)
	}
	w.Kind, w.Licence.Status = work.Kind(kind), work.LicenceStatus(status)
	w.Creators, w.SourceURIs, w.Identifiers, w.Digests, w.Licence.IDs = l.Creators, l.SourceURIs, l.Identifiers, l.Digests, l.LicenceIDs
	w.DeclaredLicences, w.ISCCCodes = l.Declared, l.ISCCCodes
	w.CreateTime, w.UpdateTime = storage.FromMicros(createUs), storage.FromMicros(updateUs)
	w.Licence.Effective, w.LicencePending = fromMicrosOrZero(effectiveUs), fromMicrosOrZero(pendUs)
	return &w, nil
}

// fromMicrosOrZero reads a time column where 0 means none.
func fromMicrosOrZero(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return storage.FromMicros(us)
}

// microsOrZero writes a time column where 0 means none.
func microsOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return storage.Micros(t)
}

// queryWorks runs a query whose columns are workColumns.
func queryWorks(ctx context.Context, q queryer, query string, args ...any) ([]*work.Work, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*work.Work
	for rows.Next() {
		w, err := scanWork(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// paramsPerStatement bounds the parameters of one multi-row statement.
// SQLite resolves each "$N" by a linear search of the statement's
// parameters, so its statements stay small; PostgreSQL takes up to 65535.
func (s *SQL) paramsPerStatement() int {
	if s.db.Engine == storage.SQLite {
		return 240
	}
	return 30000
}

// placeholders returns "$from, $from+1, …" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// multiRow returns a multi-row INSERT of n rows of len(cols) values.
func multiRow(table string, cols []string, n int, suffix string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + placeholders(i*len(cols)+1, len(cols)) + ")")
	}
	return b.String() + suffix
}

// insertRows inserts rows with multi-row INSERTs, one statement prepared
// for every full chunk of rows and one for the rest. each, if not nil,
// reads what a statement with a RETURNING suffix returns.
func (s *SQL) insertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any, suffix string, each func(*sql.Rows) error) error {
	per := max(1, s.paramsPerStatement()/len(cols))
	var stmt *sql.Stmt
	defer func() {
		if stmt != nil {
			stmt.Close()
		}
	}()
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(chunk)*len(cols))
		for _, r := range chunk {
			args = append(args, r...)
		}
		var st *sql.Stmt
		if len(chunk) == per {
			if stmt == nil {
				var err error
				if stmt, err = tx.PrepareContext(ctx, multiRow(table, cols, per, suffix)); err != nil {
					return fmt.Errorf("insert into %s: %w", table, err)
				}
			}
			st = stmt
		} else {
			var err error
			if st, err = tx.PrepareContext(ctx, multiRow(table, cols, len(chunk), suffix)); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
			defer st.Close()
		}
		if err := runInsert(ctx, st, args, each); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

func runInsert(ctx context.Context, st *sql.Stmt, args []any, each func(*sql.Rows) error) error {
	if each == nil {
		_, err := st.ExecContext(ctx, args...)
		return err
	}
	rs, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		if err := each(rs); err != nil {
			return err
		}
	}
	return rs.Err()
}

// chunks calls fn with successive slices of at most n ids.
func chunks(ids []string, n int, fn func([]string) error) error {
	for start := 0; start < len(ids); start += n {
		if err := fn(ids[start:min(start+n, len(ids))]); err != nil {
			return err
		}
	}
	return nil
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
