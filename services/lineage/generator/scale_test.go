package generator_test

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	catalogstore "github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
	"github.com/stemma-registry/stemma/services/internal/loadgen"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/lineage/generator"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/internal/lineagetest"
	"github.com/stemma-registry/stemma/services/lineage/lineageservice"
	lineagestore "github.com/stemma-registry/stemma/services/lineage/store"
)

var scale = flag.String("scale", "small", "commons to benchmark: small (every test run) or full (make bench: 1,000,000 works, 3,000,000 derivations)")

// instance runs the licences, catalog and lineage services on the
// database, with the in-process cache or none.
func instance(t *testing.T, dbURL string, cached bool) *grpc.ClientConn {
	cfg := apptest.Config(t, config.PartLicences, config.PartCatalog, config.PartLineage)
	cfg.DatabaseURL = dbURL
	if !cached {
		cfg.CacheEntries = 0
	}
	inst := apptest.Start(t, cfg)
	conn, err := grpc.NewClient(inst.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// p50s runs the functions in turn, runs rounds after two to warm up, and
// returns the median duration of each. Interleaving them makes the ways
// being compared see the same machine: a shared one slows and speeds up
// under them.
func p50s(t *testing.T, runs int, fns ...func() error) []time.Duration {
	t.Helper()
	ds := make([][]time.Duration, len(fns))
	for round := range runs + 2 {
		for i, fn := range fns {
			start := time.Now()
			if err := fn(); err != nil {
				t.Fatal(err)
			}
			if round >= 2 {
				ds[i] = append(ds[i], time.Since(start))
			}
		}
	}
	out := make([]time.Duration, len(fns))
	for i, d := range ds {
		out[i] = loadgen.Median(d)
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// TestScale loads a synthetic commons into PostgreSQL through the bulk
// paths and measures the lineage queries on it. Every test run loads the
// small commons; `make bench` the full one (-scale=full), and reports the
// figures docs/performance.md quotes.
func TestScale(t *testing.T) {
	cfg := generator.Small()
	runs := 30
	if *scale == "full" {
		cfg, runs = generator.Full(), 50
	}
	dbURL := lineagetest.Database(t)
	ctx := context.Background()
	report := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		t.Log(line)
		if *scale == "full" {
			fmt.Println("lineage scale: " + line)
		}
	}

	start := time.Now()
	c := generator.Generate(cfg)
	report("generated %d works, %d derivations in %v; target %s has %d ancestors within depth %d",
		len(c.Works), len(c.Edges), time.Since(start).Round(time.Millisecond), generator.WorkID(c.Target), c.Ancestors, cfg.TargetDepth)

	cold := instance(t, dbURL, false) // migrates both schemas
	catDB, err := storage.Open(ctx, storage.Options{DatabaseURL: dbURL, Service: catalogstore.Service, Migrations: catalogstore.Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	defer catDB.Close()
	linDB, err := storage.Open(ctx, storage.Options{DatabaseURL: dbURL, Service: lineagestore.Service, Migrations: lineagestore.Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	defer linDB.Close()

	start = time.Now()
	if err := generator.LoadWorks(ctx, catalogstore.New(catDB), c, 20_000); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	report("loaded %d works into the catalog in %v: %.0f works/s", len(c.Works), took.Round(time.Millisecond), float64(len(c.Works))/took.Seconds())

	store := lineagestore.New(linDB)
	checker := lineageservice.NewChecker(licencesv1.NewLicenceServiceClient(cold), 1000)
	start = time.Now()
	n, err := generator.LoadDerivations(ctx, store, c, checker)
	if err != nil {
		t.Fatal(err)
	}
	took = time.Since(start)
	loadRate := float64(n) / took.Seconds()
	report("loaded %d derivations in %v: %.0f edges/s", n, took.Round(time.Millisecond), loadRate)
	start = time.Now()
	if _, err := linDB.Writer().ExecContext(ctx, "VACUUM ANALYZE derivations"); err != nil {
		t.Fatal(err)
	}
	if _, err := catDB.Writer().ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	report("VACUUM ANALYZE after the load: %v", time.Since(start).Round(time.Millisecond))

	target := "works/" + generator.WorkID(c.Target)
	w := graph.Walk{Root: generator.WorkID(c.Target), Direction: graph.Up, MaxDepth: cfg.TargetDepth}
	bare := func() error {
		// The plainest recursive query for the same answer: every ancestor
		// with its smallest depth.
		rows, err := linDB.Reader().QueryContext(ctx, `WITH RECURSIVE walk (node, depth) AS (
				SELECT d.source, 1 FROM derivations d WHERE d.derivative = $1
			UNION
				SELECT d.source, w.depth + 1 FROM walk w JOIN derivations d ON d.derivative = w.node WHERE w.depth < $2
			)
			SELECT node, MIN(depth) FROM walk GROUP BY node`, w.Root, w.MaxDepth)
		if err != nil {
			return err
		}
		defer rows.Close()
		found := 0
		for rows.Next() {
			found++
		}
		if found != c.Ancestors {
			return fmt.Errorf("bare SQL found %d ancestors; want %d", found, c.Ancestors)
		}
		return rows.Err()
	}
	storeCall := func() error {
		edges, err := store.Walk(ctx, w)
		if err != nil {
			return err
		}
		if got := graph.NewClosure(w, edges).Relatives(); got != c.Ancestors {
			return fmt.Errorf("store found %d ancestors; want %d", got, c.Ancestors)
		}
		return nil
	}
	ancestors := func(conn *grpc.ClientConn, pageSize int32) func() error {
		client := lineagev1.NewLineageServiceClient(conn)
		return func() error {
			resp, err := client.ListAncestors(ctx, &lineagev1.ListAncestorsRequest{Work: target, PageSize: pageSize, MaxDepth: int32(cfg.TargetDepth)})
			if err != nil {
				return err
			}
			if int(resp.GetTotalSize()) != c.Ancestors || len(resp.GetAncestors()) != min(int(pageSize), c.Ancestors) {
				return fmt.Errorf("ListAncestors: %d of %d; want %d of %d", len(resp.GetAncestors()), resp.GetTotalSize(), pageSize, c.Ancestors)
			}
			return nil
		}
	}
	warm := instance(t, dbURL, true)
	m := p50s(t, runs, bare, storeCall, ancestors(cold, 50), ancestors(warm, 50), ancestors(cold, 1000), ancestors(warm, 1000))
	rpcCold, rpcCached := m[2], m[3]
	report("ancestors of %s (%d): bare recursive SQL p50 %s; store call p50 %s (%.2fx the SQL)", target, c.Ancestors, ms(m[0]), ms(m[1]), float64(m[1])/float64(m[0]))
	report("ancestors RPC, first page (50): cold p50 %s (%.2fx the SQL); cached p50 %s", ms(rpcCold), float64(rpcCold)/float64(m[0]), ms(rpcCached))
	report("ancestors RPC, all in one page (1000): cold p50 %s (%.2fx the SQL); cached p50 %s", ms(m[4]), float64(m[4])/float64(m[0]), ms(m[5]))

	// What an attribution must read from the catalog whatever is cached:
	// every ancestor (an audit reads the derivatives among them).
	all, err := lineagev1.NewLineageServiceClient(cold).ListAncestors(ctx, &lineagev1.ListAncestorsRequest{Work: target, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var ancestorNames []string
	for _, r := range all.GetAncestors() {
		ancestorNames = append(ancestorNames, r.GetWork())
	}
	catalog := catalogv1.NewCatalogServiceClient(cold)
	report("catalog BatchGetWorks of %d of those works: p50 %s", len(ancestorNames), ms(p50s(t, runs, func() error {
		_, err := catalog.BatchGetWorks(ctx, &catalogv1.BatchGetWorksRequest{Names: ancestorNames, AllowMissing: true})
		return err
	})[0]))

	auditOf := func(conn *grpc.ClientConn) func() error {
		client := lineagev1.NewLineageServiceClient(conn)
		return func() error {
			_, err := client.AuditWork(ctx, &lineagev1.AuditWorkRequest{Work: target, PageSize: 1000})
			return err
		}
	}
	resp, err := lineagev1.NewLineageServiceClient(cold).AuditWork(ctx, &lineagev1.AuditWorkRequest{Work: target, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetDerivationsChecked() < int32(c.Ancestors) {
		t.Fatalf("the audit checked %d derivations for %d ancestors", resp.GetDerivationsChecked(), c.Ancestors)
	}
	m = p50s(t, runs, auditOf(cold), auditOf(warm))
	auditCold, auditCached := m[0], m[1]
	report("audit of %s: %d derivations checked, %d conflicts, %d unknown; cold p50 %s; cached p50 %s",
		target, resp.GetDerivationsChecked(), len(resp.GetConflicts()), len(resp.GetUnknown()), ms(auditCold), ms(auditCached))

	attributionOf := func(conn *grpc.ClientConn) func() error {
		client := lineagev1.NewLineageServiceClient(conn)
		return func() error {
			a, err := client.GetAttribution(ctx, &lineagev1.GetAttributionRequest{Work: target})
			if err == nil && len(a.GetCredits()) != c.Ancestors {
				err = fmt.Errorf("%d credits; want %d", len(a.GetCredits()), c.Ancestors)
			}
			return err
		}
	}
	m = p50s(t, runs, attributionOf(cold), attributionOf(warm))
	report("attribution of %s: cold p50 %s; cached p50 %s", target, ms(m[0]), ms(m[1]))

	popular := "works/" + generator.WorkID(c.Popular)
	descendants := func(conn *grpc.ClientConn) func() error {
		client := lineagev1.NewLineageServiceClient(conn)
		return func() error {
			_, err := client.ListDescendants(ctx, &lineagev1.ListDescendantsRequest{Work: popular, MaxDepth: 2})
			return err
		}
	}
	d, err := lineagev1.NewLineageServiceClient(cold).ListDescendants(ctx, &lineagev1.ListDescendantsRequest{Work: popular, MaxDepth: 2})
	if err != nil {
		t.Fatal(err)
	}
	m = p50s(t, runs, descendants(cold), descendants(warm))
	report("descendants of the most used work %s within depth 2 (%d): cold p50 %s; cached p50 %s", popular, d.GetTotalSize(), ms(m[0]), ms(m[1]))

	// The targets, for the full commons. They are reported rather
	// than enforced: the machines are shared, and a busy one misses them
	// without anything being wrong (see docs/performance.md).
	if *scale == "full" {
		for _, check := range []struct {
			what      string
			ok        bool
			got, want string
		}{
			{"ancestors cold", rpcCold < 20*time.Millisecond, ms(rpcCold), "< 20 ms"},
			{"ancestors cached", rpcCached < 2*time.Millisecond, ms(rpcCached), "< 2 ms"},
			{"audit cold", auditCold < 100*time.Millisecond, ms(auditCold), "< 100 ms"},
			{"load", loadRate >= 50_000, fmt.Sprintf("%.0f edges/s", loadRate), ">= 50000 edges/s"},
		} {
			verdict := "met"
			if !check.ok {
				verdict = "MISSED"
			}
			report("target %s: %s (want %s): %s", check.what, check.got, check.want, verdict)
		}
	}
}
