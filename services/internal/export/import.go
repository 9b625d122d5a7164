package export

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/stemma-registry/stemma/services/internal/storage"
)

// target is one service's store being restored, in one transaction.
type target struct {
	db      *storage.DB
	tx      *sql.Tx
	columns map[string]map[string]string // table -> column -> database type
	stmts   map[string]*sql.Stmt         // table and column list -> insert
	cleared map[string]bool
	known   []string // the tables this stemma's schema has
}

// begin opens the restore's transaction and, inside it, makes sure the
// store holds no registry. Checked before the transaction, a registry
// written between the check and the first insert would be cleared or mixed
// with the export's rows. Inside it, on SQLite the count fixes the
// transaction's snapshot, and a write committed after it makes the
// restore's first write fail; on PostgreSQL the lock keeps writers out of
// the anchor table until the restore commits.
func (t *target) begin(ctx context.Context, s service) error {
	tx, err := t.db.Writer().BeginTx(ctx, nil)
	if err != nil {
		return t.db.Classify(err)
	}
	t.tx = tx
	if t.db.Engine == storage.Postgres {
		if _, err := tx.ExecContext(ctx, "LOCK TABLE "+quote(s.anchor)+" IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			return t.db.Classify(err)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(s.anchor)).Scan(&n); err != nil {
		return t.db.Classify(err)
	}
	if n > 0 {
		return fmt.Errorf("%d rows in %s: %w", n, s.anchor, ErrNotEmpty)
	}
	t.known, err = tableNames(ctx, tx, t.db.Engine)
	return err
}

// Import restores an export into the stores o names, which must hold no
// registry (a freshly migrated store). Every service's rows go in one
// transaction per service, committed only once the whole export has been
// read and its trailer's counts match: a truncated or corrupt export
// restores nothing. It returns the trailer.
func Import(ctx context.Context, o Options, r io.Reader) (_ *Trailer, err error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	dec.UseNumber()
	var h Header
	if err := dec.Decode(&h); err != nil || h.StemmaExport == 0 {
		return nil, fmt.Errorf("not a Stemma export: the first line must be its header (%v)", err)
	}
	if h.StemmaExport != Format {
		return nil, fmt.Errorf("export format %d; this stemma reads format %d", h.StemmaExport, Format)
	}
	versions := map[string]int64{}
	for _, s := range h.Services {
		versions[s.Name] = s.SchemaVersion
	}
	targets := map[string]*target{}
	defer func() {
		for _, t := range targets {
			if t.tx != nil {
				_ = t.tx.Rollback()
			}
			t.db.Close()
		}
	}()
	for _, s := range services {
		db, err := o.open(ctx, s)
		if err != nil {
			return nil, err
		}
		t := &target{db: db, columns: map[string]map[string]string{}, stmts: map[string]*sql.Stmt{}, cleared: map[string]bool{}}
		targets[s.name] = t
		cur, _, err := db.Version(ctx, s.migrations)
		if err != nil {
			return nil, err
		}
		if want, ok := versions[s.name]; !ok || want != cur {
			return nil, fmt.Errorf("%s: the export's schema is version %d, this stemma's %d: restore with the stemma that made the export, then upgrade",
				s.name, want, cur)
		}
		if err := t.begin(ctx, s); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
	}

	got := map[string]int64{}
	var trailer *Trailer
	for {
		var line json.RawMessage
		if err := dec.Decode(&line); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("line %d: %w", sum(got)+2, err)
		}
		if trailer != nil {
			return nil, errors.New("lines after the export's trailer")
		}
		if bytes.Contains(line, []byte(`"stemma_export_rows"`)) {
			trailer = &Trailer{}
			if err := json.Unmarshal(line, trailer); err != nil {
				return nil, fmt.Errorf("trailer: %w", err)
			}
			continue
		}
		var row Row
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&row); err != nil {
			return nil, fmt.Errorf("line %d: %w", sum(got)+2, err)
		}
		t, ok := targets[row.Service]
		if !ok {
			return nil, fmt.Errorf("line %d: unknown service %q", sum(got)+2, row.Service)
		}
		if err := t.insert(ctx, row.Table, row.Row); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", row.Service, row.Table, err)
		}
		got[row.Service+"."+row.Table]++
	}
	if trailer == nil {
		return nil, errors.New("the export has no trailer: it was cut short; nothing restored")
	}
	for k, n := range trailer.Rows {
		if got[k] != n {
			return nil, fmt.Errorf("%s: %d rows read, the trailer counts %d; nothing restored", k, got[k], n)
		}
	}
	for _, s := range services {
		t := targets[s.name]
		if err := t.finish(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	for _, s := range services {
		t := targets[s.name]
		err := t.tx.Commit()
		t.tx = nil
		if err != nil {
			return nil, fmt.Errorf("%s: commit: %w", s.name, err)
		}
	}
	return trailer, nil
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// insert adds one row to table, after clearing the rows a fresh store's
// migrations put there (the graph epoch's one row), the first time.
func (t *target) insert(ctx context.Context, table string, row map[string]any) error {
	cols, ok := t.columns[table]
	if !ok {
		// Only the tables an export is made of: an export is a file anyone
		// may have edited, and the migration tool's bookkeeping or SQLite's
		// own tables are not the registry's.
		if !slices.Contains(t.known, table) {
			return fmt.Errorf("table %q is not one of this stemma's tables (%s)", table, strings.Join(t.known, ", "))
		}
		var err error
		if cols, err = t.columnTypes(ctx, table); err != nil {
			return err
		}
		t.columns[table] = cols
	}
	if !t.cleared[table] {
		if _, err := t.tx.ExecContext(ctx, "DELETE FROM "+quote(table)); err != nil {
			return err
		}
		t.cleared[table] = true
	}
	names := slices.Sorted(maps.Keys(row))
	key := table + "(" + strings.Join(names, ",") + ")"
	stmt, ok := t.stmts[key]
	if !ok {
		quoted := make([]string, len(names))
		params := make([]string, len(names))
		for i, n := range names {
			if _, known := cols[n]; !known {
				return fmt.Errorf("column %q is not in this stemma's schema", n)
			}
			quoted[i], params[i] = quote(n), fmt.Sprintf("$%d", i+1)
		}
		q := "INSERT INTO " + quote(table) + " (" + strings.Join(quoted, ", ") + ")"
		if t.db.Engine == storage.Postgres {
			// Identity columns keep their exported values (ids of order).
			q += " OVERRIDING SYSTEM VALUE"
		}
		var err error
		if stmt, err = t.tx.PrepareContext(ctx, q+" VALUES ("+strings.Join(params, ", ")+")"); err != nil {
			return err
		}
		t.stmts[key] = stmt
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = sqlValue(row[n], cols[n])
	}
	_, err := stmt.ExecContext(ctx, args...)
	return err
}

// columnTypes returns the table's columns and their database types.
func (t *target) columnTypes(ctx context.Context, table string) (map[string]string, error) {
	rows, err := t.tx.QueryContext(ctx, "SELECT * FROM "+quote(table)+" WHERE 1 = 0")
	if err != nil {
		return nil, fmt.Errorf("no such table in this stemma's schema: %w", err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, ct := range types {
		out[ct.Name()] = strings.ToUpper(ct.DatabaseTypeName())
	}
	return out, nil
}

// sqlValue turns a JSON value into what the column takes: integers as
// integers, and booleans for PostgreSQL's BOOLEAN columns, which SQLite
// keeps as 0 and 1.
func sqlValue(v any, dbType string) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	i, err := n.Int64()
	if err != nil {
		f, _ := n.Float64()
		return f
	}
	if strings.HasPrefix(dbType, "BOOL") {
		return i != 0
	}
	return i
}

// finish moves PostgreSQL's identity sequences past the restored rows, so
// that new rows get new values. SQLite's AUTOINCREMENT follows explicit
// inserts by itself.
func (t *target) finish(ctx context.Context) error {
	for _, s := range t.stmts {
		_ = s.Close()
	}
	if t.db.Engine != storage.Postgres {
		return nil
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES'`)
	if err != nil {
		return err
	}
	var ids [][2]string
	for rows.Next() {
		var tbl, col string
		if err := rows.Scan(&tbl, &col); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, [2]string{tbl, col})
	}
	if err := errors.Join(rows.Close(), rows.Err()); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := t.tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence($1, $2), max("+quote(id[1])+")) FROM "+quote(id[0])+
			" HAVING max("+quote(id[1])+") IS NOT NULL", quote(id[0]), id[1]); err != nil {
			return fmt.Errorf("sequence of %s.%s: %w", id[0], id[1], err)
		}
	}
	return nil
}
