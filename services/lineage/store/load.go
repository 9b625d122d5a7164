package store

import (
	"context"
	"database/sql"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5"

	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// Row is one derivation to load in bulk; its licence check is the one at
// index Check of the load's checks (many derivations share one), and its
// own Check field is not read.
type Row struct {
	Derivation *graph.Derivation
	Check      int
}

// Load inserts derivations in bulk, in one transaction, and bumps the
// epoch once: for importing a graph whose acyclicity and works were
// established elsewhere (a migration from another registry, the
// benchmark's synthetic commons). It checks nothing (no cycle check, no
// liens, no request ids); a duplicate id or edge fails the whole load. On
// PostgreSQL the rows go through COPY.
func (s *SQL) Load(ctx context.Context, checks []graph.Check, rows iter.Seq[Row]) (int64, error) {
	digests := make([]string, len(checks))
	bodies := make([][]any, len(checks))
	for i, c := range checks {
		body, digest, err := encodeCheck(c)
		if err != nil {
			return 0, err
		}
		digests[i], bodies[i] = digest, []any{digest, string(body)}
	}
	values := func(r Row) ([]any, error) {
		if r.Check < 0 || r.Check >= len(checks) {
			return nil, fmt.Errorf("store: load: derivation %s names check %d of %d", r.Derivation.ID, r.Check, len(checks))
		}
		d := r.Derivation
		return []any{d.ID, d.Derivative, d.Source, int16(d.Relation), int16(d.Use), d.Note, d.Portion, d.SourceLicence,
			d.DerivativeLicence, int16(checks[r.Check].Verdict), d.Conflict, digests[r.Check], d.Recorder,
			storage.Micros(d.CreateTime)}, nil
	}
	if s.db.Engine == storage.Postgres {
		return s.copyLoad(ctx, bodies, rows, values)
	}
	var n int64
	err := s.graphTx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, b := range bodies {
			if _, err := tx.ExecContext(ctx, `INSERT INTO licence_checks (digest, body) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING`, b...); err != nil {
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO derivations (`+loadColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for r := range rows {
			v, err := values(r)
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, v...); err != nil {
				return err
			}
			n++
		}
		return bumpEpoch(ctx, tx)
	})
	return n, err
}

const loadColumns = `id, derivative, source, relation, licence_use, note, portion, source_licence,
	derivative_licence, verdict, conflict, check_digest, recorder, create_time`

var loadColumnList = []string{"id", "derivative", "source", "relation", "licence_use", "note", "portion", "source_licence",
	"derivative_licence", "verdict", "conflict", "check_digest", "recorder", "create_time"}

func (s *SQL) copyLoad(ctx context.Context, bodies [][]any, rows iter.Seq[Row], values func(Row) ([]any, error)) (int64, error) {
	var n int64
	err := s.db.PgxConn(ctx, func(c *pgx.Conn) error {
		return pgx.BeginTxFunc(ctx, c, pgx.TxOptions{}, func(tx pgx.Tx) error {
			// Checks first, through a staging table: COPY cannot skip the
			// ones already stored.
			if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE load_checks (digest TEXT, body TEXT) ON COMMIT DROP`); err != nil {
				return err
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"load_checks"}, []string{"digest", "body"}, pgx.CopyFromRows(bodies)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO licence_checks (digest, body) SELECT DISTINCT digest, body FROM load_checks
				ON CONFLICT (digest) DO NOTHING`); err != nil {
				return err
			}
			rebuild, err := dropIndexesIfEmpty(ctx, tx)
			if err != nil {
				return err
			}
			next, stop := iter.Pull(rows)
			defer stop()
			src := &rowSource{next: next, values: values}
			if n, err = tx.CopyFrom(ctx, pgx.Identifier{"derivations"}, loadColumnList, src); err != nil {
				return fmt.Errorf("store: copy derivations: %w", err)
			}
			for _, ddl := range rebuild {
				if _, err := tx.Exec(ctx, ddl); err != nil {
					return fmt.Errorf("store: rebuild index after the load: %s: %w", ddl, err)
				}
			}
			_, err = tx.Exec(ctx, `UPDATE graph_epoch SET epoch = epoch + 1 WHERE id = 1`)
			return err
		})
	})
	return n, err
}

// dropIndexesIfEmpty drops the derivations' secondary indexes and unique
// constraints when the table is empty, and returns the statements that
// make them again. Building an index by sorting millions of rows is far
// faster than inserting them one by one into three B-trees at random
// places. The definitions are read from PostgreSQL's catalogue, so the
// migrations remain their only source. The load's transaction holds the
// table exclusively until it commits.
func dropIndexesIfEmpty(ctx context.Context, tx pgx.Tx) ([]string, error) {
	var empty bool
	if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM derivations)`).Scan(&empty); err != nil || !empty {
		return nil, err
	}
	type object struct{ name, def string }
	collect := func(query string) ([]object, error) {
		rows, err := tx.Query(ctx, query)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, func(r pgx.CollectableRow) (object, error) {
			var o object
			err := r.Scan(&o.name, &o.def)
			return o, err
		})
	}
	constraints, err := collect(`SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'derivations'::regclass AND contype = 'u' ORDER BY conname`)
	if err != nil {
		return nil, err
	}
	indexes, err := collect(`SELECT i.indexname, i.indexdef FROM pg_indexes i
		WHERE i.schemaname = current_schema() AND i.tablename = 'derivations'
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = 'derivations'::regclass AND c.conname = i.indexname)
		ORDER BY i.indexname`)
	if err != nil {
		return nil, err
	}
	rebuild := []string{`SET LOCAL maintenance_work_mem = '512MB'`}
	for _, c := range constraints {
		if _, err := tx.Exec(ctx, `ALTER TABLE derivations DROP CONSTRAINT `+pgx.Identifier{c.name}.Sanitize()); err != nil {
			return nil, err
		}
		rebuild = append(rebuild, `ALTER TABLE derivations ADD CONSTRAINT `+pgx.Identifier{c.name}.Sanitize()+" "+c.def)
	}
	for _, i := range indexes {
		if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{i.name}.Sanitize()); err != nil {
			return nil, err
		}
		rebuild = append(rebuild, i.def)
	}
	return rebuild, nil
}

// rowSource adapts an iterator of rows to pgx's CopyFromSource.
type rowSource struct {
	next   func() (Row, bool)
	values func(Row) ([]any, error)
	cur    []any
	err    error
}

func (r *rowSource) Next() bool {
	row, ok := r.next()
	if !ok {
		return false
	}
	r.cur, r.err = r.values(row)
	return r.err == nil
}

func (r *rowSource) Values() ([]any, error) { return r.cur, r.err }

func (r *rowSource) Err() error { return r.err }
