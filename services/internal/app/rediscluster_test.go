package app_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// TestRedisClusterFailover runs two instances over one PostgreSQL and a
// Redis Cluster of three masters and three replicas, loads them with
// chains of derivations (create a work, record its derivation from the
// previous one through the other instance, read its ancestors back through
// the first), and kills the master serving the watch channel's slot with
// SIGKILL. Its replica is promoted; requests must keep succeeding or, if
// any fail, succeed again after the promotion; no read may miss the write
// before it; and watch events must cross the instances again. The failure
// window (first to last failed request) and the counts are reported, not
// bounded.
func TestRedisClusterFailover(t *testing.T) {
	cluster := testenv.StartRedisCluster(t)
	dbURL := testenv.Database(t, "stemma_rcfail")
	var insts []*apptest.Instance
	for range 2 {
		cfg := apptest.Config(t)
		cfg.DatabaseURL = dbURL
		cfg.RedisURL = cluster.URL()
		insts = append(insts, apptest.Start(t, cfg))
	}
	ctx := apptest.As(apptest.AliceKey)
	type clients struct {
		catalog catalogv1.CatalogServiceClient
		lineage lineagev1.LineageServiceClient
	}
	var cs []clients
	for _, in := range insts {
		conn := in.Conn(t)
		cs = append(cs, clients{catalogv1.NewCatalogServiceClient(conn), lineagev1.NewLineageServiceClient(conn)})
	}
	createWork := func(c clients, title string) (string, error) {
		w, err := c.catalog.CreateWork(ctx, &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{
			Kind: catalogv1.WorkKind_WORK_KIND_TEXT, Title: title, Licence: "MIT"}})
		return w.GetName(), err
	}
	derive := func(c clients, derivative, source string) (string, error) {
		d, err := c.lineage.CreateDerivation(ctx, &lineagev1.CreateDerivationRequest{Derivation: &lineagev1.Derivation{
			Derivative: derivative, Source: source, Relation: lineagev1.Relation_RELATION_ADAPTATION}})
		return d.GetName(), err
	}
	root, err := createWork(cs[0], "root")
	if err != nil {
		t.Fatal(err)
	}

	// The watcher is on the second instance; the derivations it must hear
	// are recorded through the first.
	wctx, cancelWatch := context.WithCancel(ctx)
	defer cancelWatch()
	stream, err := cs[1].lineage.WatchDerivations(wctx, &lineagev1.WatchDerivationsRequest{Works: []string{root}, IncludeDescendants: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil {
		t.Fatal(err)
	}
	var (
		heardMu sync.Mutex
		heard   = map[string]bool{}
	)
	go func() {
		for {
			e, err := stream.Recv()
			if err != nil {
				return
			}
			heardMu.Lock()
			heard[e.GetDerivation().GetName()] = true
			heardMu.Unlock()
		}
	}()
	wasHeard := func(name string) bool {
		heardMu.Lock()
		defer heardMu.Unlock()
		return heard[name]
	}

	// The load: each worker grows a chain from the root.
	var (
		mu                 sync.Mutex
		failures           []time.Time
		firstErr           error
		requests, stale    atomic.Int64
		stop               = make(chan struct{})
		wg                 sync.WaitGroup
		failedAfterHealthy atomic.Int64
		healthy            atomic.Bool
	)
	record := func(err error) bool {
		requests.Add(1)
		if err == nil {
			return true
		}
		mu.Lock()
		failures = append(failures, time.Now())
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		if healthy.Load() {
			failedAfterHealthy.Add(1)
		}
		return false
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev := root
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				one, other := cs[(w+i)%2], cs[(w+i+1)%2]
				work, err := createWork(one, fmt.Sprintf("w%d-%d", w, i))
				if !record(err) {
					continue
				}
				if _, err := derive(other, work, prev); !record(err) {
					continue
				}
				resp, err := one.lineage.ListAncestors(ctx, &lineagev1.ListAncestorsRequest{Work: work, MaxDepth: 1})
				if !record(err) {
					continue
				}
				if !slices.ContainsFunc(resp.GetAncestors(), func(r *lineagev1.Relative) bool { return r.GetWork() == prev }) {
					stale.Add(1)
				}
				prev = work
			}
		}()
	}

	time.Sleep(2 * time.Second)
	killedAt := time.Now()
	killed := cluster.KillMasterOf("stemma:lineage:events")
	cluster.WaitHealthy()
	healthy.Store(true)
	promoted := time.Since(killedAt)
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()

	// Watch events cross the instances again: record derivations through
	// the first until the watcher on the second hears one, then five more
	// must all be heard.
	deadline := time.Now().Add(30 * time.Second)
	var resumed time.Duration
	prev := root
	for resumed == 0 {
		work, err := createWork(cs[0], "probe")
		if err != nil {
			t.Fatal(err)
		}
		name, err := derive(cs[0], work, prev)
		if err != nil {
			t.Fatal(err)
		}
		prev = work
		for end := time.Now().Add(500 * time.Millisecond); time.Now().Before(end) && resumed == 0; time.Sleep(20 * time.Millisecond) {
			if wasHeard(name) {
				resumed = time.Since(killedAt)
			}
		}
		if resumed == 0 && time.Now().After(deadline) {
			t.Fatal("no watch event crossed the instances within 30s of the failover")
		}
	}
	var names []string
	for i := range 5 {
		work, err := createWork(cs[0], fmt.Sprintf("after-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		name, err := derive(cs[0], work, prev)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	for _, name := range names {
		for end := time.Now().Add(10 * time.Second); !wasHeard(name); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("the watcher did not hear %s, recorded after the failover", name)
			}
		}
	}

	var window time.Duration
	if len(failures) > 0 {
		window = failures[len(failures)-1].Sub(failures[0])
	}
	t.Logf("master %s killed; replica promoted (cluster healthy) after %v; %d requests, %d failed (window %v, first error: %v); %d stale reads; watch events crossed instances again %v after the kill",
		killed.Addr(), promoted.Round(time.Millisecond), requests.Load(), len(failures), window.Round(time.Millisecond), firstErr, stale.Load(), resumed.Round(time.Millisecond))
	if n := stale.Load(); n > 0 {
		t.Errorf("%d reads of ancestors missed the derivation recorded just before", n)
	}
	if n := failedAfterHealthy.Load(); n > 0 {
		t.Errorf("%d requests failed after the replica was promoted", n)
	}
}
