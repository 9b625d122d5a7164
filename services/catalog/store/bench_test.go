package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/filter"
	"github.com/stemma-registry/stemma/services/internal/loadgen"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// Each iteration creates bulkBatches batches of bulkBatchSize works, as
// BatchCreateWorks would at the largest batch the default config allows.
const bulkBatches, bulkBatchSize = 100, 1000

// benchBatch returns a batch of typical works: one creator, one purl, one
// digest, a licence, a short description.
func benchBatch(n int) []store.NewWork {
	out := make([]store.NewWork, bulkBatchSize)
	for i := range out {
		k := n*bulkBatchSize + i
		w := &work.Work{
			Kind:        work.Software,
			Title:       fmt.Sprintf("package-%d", k),
			Description: "A package registered by the bulk benchmark.",
			Creators:    []work.Creator{{Name: fmt.Sprintf("Maintainer %d", k%5000), Role: "author"}},
			Identifiers: []work.Identifier{{Type: work.PURL, Value: fmt.Sprintf("pkg:npm/package-%d@1.0.0", k)}},
			Digests:     []string{fmt.Sprintf("sha256:%064x", k)},
			Version:     "1.0.0",
			Licence:     work.Licence{Expression: "MIT", IDs: []string{"MIT"}, Status: work.LicenceKnown},
		}
		out[i] = store.NewWork{Work: w}
	}
	return out
}

// BenchmarkBulkCreatePostgres measures BatchCreate into PostgreSQL (COPY
// of the works and their side tables, in one transaction per batch) in
// works per second, and in the same run a raw pgx COPY of the same work
// rows into an unindexed scratch table with the works table's columns:
// the ratio is what the store's indexes, side tables, history and
// transaction cost against the fastest load PostgreSQL offers. Batches and
// raw copies alternate, so that both see the same machine. It runs with
// one stream of batches and with two at once (one per core of the
// machine the figures in docs/performance.md come from), the raw COPY
// with as many connections. indexed-works-ratio is a third copy of the same
// rows, into a table with the works table's indexes: what indexing the
// works rows alone costs, apart from the side tables and the transaction.
func BenchmarkBulkCreatePostgres(b *testing.B) {
	for _, streams := range []int{1, 2} {
		b.Run(fmt.Sprintf("streams=%d", streams), func(b *testing.B) { benchBulk(b, streams) })
	}
}

func benchBulk(b *testing.B, streams int) {
	db := storagetest.OpenPostgres(b, store.Service, store.Migrations())
	s := store.New(db)
	ctx := context.Background()
	scratch := pgx.Identifier{db.Schema, "raw_copy"}
	// The works table's own indexes without its side tables: what the
	// works rows alone cost once indexed, to split the ratio's gap.
	indexed := pgx.Identifier{db.Schema, "indexed_copy"}
	conns := make([]*pgx.Conn, streams)
	for i := range conns {
		c, err := pgx.Connect(ctx, testenv.PostgresURL(b))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close(ctx)
		conns[i] = c
	}
	works := pgx.Identifier{db.Schema, "works"}.Sanitize()
	for _, ddl := range []string{
		"CREATE TABLE " + scratch.Sanitize() + " (LIKE " + works + ")",
		"CREATE TABLE " + indexed.Sanitize() + " (LIKE " + works + " INCLUDING INDEXES)",
	} {
		if _, err := conns[0].Exec(ctx, ddl); err != nil {
			b.Fatal(err)
		}
	}
	batches := make([][]store.NewWork, bulkBatches)
	for i := range batches {
		batches[i] = benchBatch(i)
	}
	var (
		storeTime, rawTime, indexedTime time.Duration
		seq                             atomic.Int64
	)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Each round runs one batch per stream at once, then one raw copy
		// per stream at once.
		for start := 0; start < len(batches); start += streams {
			round := batches[start:min(start+streams, len(batches))]
			made := make([][]*work.Work, len(round))
			t0 := time.Now()
			parallel(b, len(round), func(j int) (err error) {
				made[j], err = s.Create(ctx, "bench", round[j])
				return err
			})
			storeTime += time.Since(t0)
			rows := make([][][]any, len(round))
			for j := range round {
				rows[j] = rawRows(b, made[j], &seq)
			}
			t0 = time.Now()
			parallel(b, len(round), func(j int) error {
				_, err := conns[j].CopyFrom(ctx, scratch, worksColumns, pgx.CopyFromRows(rows[j]))
				return err
			})
			rawTime += time.Since(t0)
			t0 = time.Now()
			parallel(b, len(round), func(j int) error {
				_, err := conns[j].CopyFrom(ctx, indexed, worksColumns, pgx.CopyFromRows(rows[j]))
				return err
			})
			indexedTime += time.Since(t0)
		}
	}
	b.StopTimer()
	n := float64(b.N * bulkBatches * bulkBatchSize)
	storeRate, rawRate := n/storeTime.Seconds(), n/rawTime.Seconds()
	b.ReportMetric(storeRate, "works/s")
	b.ReportMetric(rawRate, "raw-copy-rows/s")
	b.ReportMetric(storeRate/rawRate, "ratio")
	b.ReportMetric(n/indexedTime.Seconds()/rawRate, "indexed-works-ratio")
}

// worksColumns are the columns of the works table.
var worksColumns = []string{"seq", "id", "kind", "title", "title_fold", "description", "version", "licence",
	"licence_status", "lists", "owner", "generation", "create_us", "update_us"}

// rawRows returns the rows the store wrote into works for the works made.
func rawRows(b *testing.B, made []*work.Work, seq *atomic.Int64) [][]any {
	rows := make([][]any, len(made))
	for j, w := range made {
		lists, err := json.Marshal(map[string]any{"c": w.Creators, "i": w.Identifiers, "d": w.Digests, "l": w.Licence.IDs})
		if err != nil {
			b.Fatal(err)
		}
		rows[j] = []any{seq.Add(1), w.ID, int16(w.Kind), w.Title, strings.ToLower(w.Title), w.Description, w.Version,
			w.Licence.Expression, int16(w.Licence.Status), string(lists),
			w.Owner, w.Generation, storage.Micros(w.CreateTime), storage.Micros(w.UpdateTime)}
	}
	return rows
}

// parallel runs fn(0) … fn(n-1) at once and fails on any error.
func parallel(b *testing.B, n int, fn func(int) error) {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for j := 0; j < n; j++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[j] = fn(j)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBulkCreateSQLite measures BatchCreate into SQLite (multi-row
// INSERTs in one transaction per batch), the embedded default.
func BenchmarkBulkCreateSQLite(b *testing.B) {
	s := store.New(storagetest.OpenSQLite(b, store.Service, store.Migrations()))
	ctx := context.Background()
	batches := make([][]store.NewWork, 10)
	for i := range batches {
		batches[i] = benchBatch(i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, batch := range batches {
			if _, err := s.Create(ctx, "bench", batch); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(batches)*bulkBatchSize)/b.Elapsed().Seconds(), "works/s")
}

// BenchmarkTitleSearchPostgres measures a page of `title : "…"` (contains)
// for a title one work in 200,000 has, served by the trigram index, against
// an `identifier = …` page for the same work (served by the terms index)
// and against the same title search once the trigram index is dropped, all
// on the same data in the same run. Queries alternate; each figure is a
// median.
func BenchmarkTitleSearchPostgres(b *testing.B) {
	const works, rounds, scans = 200_000, 300, 15
	db := storagetest.OpenPostgres(b, store.Service, store.Migrations())
	s := store.New(db)
	ctx := context.Background()
	for i := range works / bulkBatchSize {
		if _, err := s.Create(ctx, "bench", benchBatch(i)); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.Writer().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	parse := func(text string) filter.Expr {
		f, err := filter.Parse(text, store.FilterSchema)
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	// package-123457 is the only title that holds "package-123457".
	title, identifier := parse(`title : "Package-123457"`), parse(`identifier = "purl:pkg:npm/package-123457@1.0.0"`)
	page := func(f filter.Expr) time.Duration {
		t0 := time.Now()
		ws, _, err := s.List(ctx, f, store.Page{Size: 50})
		took := time.Since(t0)
		if err != nil || len(ws) != 1 {
			b.Fatalf("List = %d works, %v; want 1", len(ws), err)
		}
		return took
	}
	var byTitle, byIdentifier, byScan []time.Duration
	b.ResetTimer()
	for range b.N {
		for range rounds {
			byTitle = append(byTitle, page(title))
			byIdentifier = append(byIdentifier, page(identifier))
		}
	}
	b.StopTimer()
	if _, err := db.Writer().ExecContext(ctx, "DROP INDEX works_by_title"); err != nil {
		b.Fatal(err)
	}
	for range scans {
		byScan = append(byScan, page(title))
	}
	t, id, scan := loadgen.Median(byTitle), loadgen.Median(byIdentifier), loadgen.Median(byScan)
	b.ReportMetric(float64(t.Microseconds()), "title-µs")
	b.ReportMetric(float64(id.Microseconds()), "identifier-µs")
	b.ReportMetric(float64(scan.Microseconds()), "title-scan-µs")
	b.ReportMetric(float64(t)/float64(id), "title/identifier")
	b.ReportMetric(float64(scan)/float64(t), "scan/title")
}
