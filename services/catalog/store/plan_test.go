package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/filter"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
)

// Every filter ListWorks offers, but a bare licence (which ListWorks pairs
// with licence_id conditions) and negations, has an index that serves it
// on PostgreSQL. Sequential scans are priced out, so that the plan shows
// whether an index can serve the query at all, whatever the planner would
// choose for a table of this size.
func TestFiltersAreServedByIndexes(t *testing.T) {
	db := storagetest.OpenPostgres(t, Service, Migrations())
	ctx := context.Background()
	// Rows enough for the planner's statistics to mean something.
	for _, stmt := range []string{
		`INSERT INTO works (seq, id, kind, title, title_fold, description, version, licence, licence_status, lists, owner, generation, create_us, update_us)
		 SELECT g * 1024, 'w' || g, CASE g % 500 WHEN 0 THEN 1 ELSE 3 END, 'Package ' || g, 'package ' || g, '', '', 'MIT', 0, '{}', 'owner' || (g % 50), 1, 0, 0
		   FROM generate_series(1, 20000) g`,
		`INSERT INTO work_terms (field, term, work_seq) SELECT g % 5, 'term ' || g, g * 1024 FROM generate_series(1, 20000) g`,
		`ANALYZE`,
	} {
		if _, err := db.Writer().ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		filter string
		index  string // one index that serves it
	}{
		{`kind = SOFTWARE`, "works_by_kind"},
		{`owner = "alice"`, "works_by_owner"},
		{`title : "Package-7"`, "works_by_title"},
		{`title = "Package 7"`, "works_by_title"},
		{`creator = "Ada Lovelace"`, "work_terms_pkey"},
		{`licence_id = "MIT"`, "work_terms_pkey"},
		{`identifier = "purl:pkg:npm/left-pad@1.3.0"`, "work_terms_pkey"},
	} {
		text := c.filter
		f, err := filter.Parse(text, FilterSchema)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		stmt, args, err := listStatement(f, Page{Size: 10})
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		var plan []string
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, "EXPLAIN "+stmt, db.PlanForValues(args)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					return err
				}
				plan = append(plan, line)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		p := strings.Join(plan, "\n")
		if !strings.Contains(p, " "+c.index+" ") || strings.Contains(p, "Seq Scan on works") {
			t.Errorf("filter %s is not served by %s:\n%s", text, c.index, p)
		}
	}
}
