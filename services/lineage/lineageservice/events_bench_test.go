package lineageservice_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
	"github.com/stemma-registry/stemma/services/internal/loadgen"
	"github.com/stemma-registry/stemma/services/internal/storage"
	stemmaevents "github.com/stemma-registry/stemma/services/lineage/events"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/internal/lineagetest"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// The benchmarks' tree: a root work with benchMids children, each with
// benchLeaves children of its own, 10,000 descendants in all, as a widely
// used library has direct dependents and theirs.
const (
	benchMids   = 100
	benchLeaves = 99
	benchSecret = "a-secret-of-the-benchmark"
)

func benchMid(i int) string     { return fmt.Sprintf("m-%d", i) }
func benchLeaf(i, j int) string { return fmt.Sprintf("l-%d-%d", i, j) }

// benchLone names the works outside the tree, which nobody follows.
func benchLone(i int) string { return fmt.Sprintf("lone-%d", i) }

// benchTreeWork names the throughput benchmark's i-th work of the tree:
// the mids, then the first leaf of each, all distinct, since a change to
// the licence a work already has is no change and no event.
func benchTreeWork(i int) string {
	if i < benchMids {
		return benchMid(i)
	}
	return benchLeaf(i%benchMids, 0)
}

// hookCounter is one loopback webhook receiver for many subscriptions,
// told apart by path: it checks every signature and counts, for each
// licence change note, the subscriptions that received it (a repeated
// delivery counts once), and signals when a note reaches its goal.
type hookCounter struct {
	url   string
	mu    sync.Mutex
	seen  map[string]map[string]bool // note → paths
	goal  map[string]int
	done  map[string]chan struct{}
	extra int // deliveries of a note already counted for the path
}

func newHookCounter(b testing.TB) *hookCounter {
	h := &hookCounter{seen: map[string]map[string]bool{}, goal: map[string]int{}, done: map[string]chan struct{}{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := stemmaevents.Verify(req.Header.Get(stemmaevents.SignatureHeader), benchSecret, body, time.Now(), time.Minute); err != nil {
			b.Errorf("webhook signature: %v", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var e lineagev1.Event
		if err := protojson.Unmarshal(body, &e); err != nil {
			b.Errorf("webhook body %s: %v", body, err)
			return
		}
		h.record(e.GetLicenceChange().GetNote(), req.URL.Path)
	}))
	b.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

func (h *hookCounter) record(note, path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen[note] == nil {
		h.seen[note] = map[string]bool{}
	}
	if h.seen[note][path] {
		h.extra++
		return
	}
	h.seen[note][path] = true
	if g, ok := h.goal[note]; ok && len(h.seen[note]) == g {
		close(h.done[note])
	}
}

// expect returns a channel closed when n subscriptions have the note.
func (h *hookCounter) expect(note string, n int) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := make(chan struct{})
	h.goal[note], h.done[note] = n, c
	if len(h.seen[note]) >= n {
		close(c)
	}
	return c
}

// eventBench is a running suite holding the benchmarks' tree, with a
// handle on its lineage store for bulk writes and for reading the log.
type eventBench struct {
	catalog catalogv1.CatalogServiceClient
	subs    lineagev1.SubscriptionServiceClient
	store   *store.SQL
	hooks   *hookCounter
}

func startEventBench(b *testing.B, engine string) *eventBench {
	cfg := apptest.Config(b)
	if engine == "postgres" {
		cfg.DatabaseURL = lineagetest.Database(b)
	}
	cfg.WebhookAllow = "127.0.0.1:*"
	inst := apptest.Start(b, cfg)
	conn := inst.Conn(b)
	db, err := storage.Open(context.Background(), storage.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir,
		Service: store.Service, Migrations: store.Migrations(), NoMigrate: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	e := &eventBench{catalog: catalogv1.NewCatalogServiceClient(conn), subs: lineagev1.NewSubscriptionServiceClient(conn),
		store: store.New(db), hooks: newHookCounter(b)}
	e.registerTree(b, cfg)
	return e
}

// registerTree registers the root, its 10,000 descendants and the lone
// works over gRPC in batches, and records the 10,000 derivations through
// the store, as an SBOM import would, in batches of one transaction each.
func (e *eventBench) registerTree(b *testing.B, cfg config.Config) {
	ids := []string{"root"}
	for i := range benchBurst {
		ids = append(ids, benchLone(i))
	}
	var edges []*graph.Derivation
	edge := func(derivative, source string) {
		edges = append(edges, &graph.Derivation{ID: "d-" + derivative, Derivative: derivative, Source: source,
			Relation: graph.Inclusion, Use: graph.UseLinkStatic, SourceLicence: "MIT", DerivativeLicence: "MIT",
			Check:    graph.Check{Verdict: graph.Compatible, Use: graph.UseLinkStatic, Inbound: "MIT", Outbound: "MIT"},
			Recorder: "alice", CreateTime: time.Now(), SourceTime: time.Now()})
	}
	for i := range benchMids {
		ids = append(ids, benchMid(i))
		edge(benchMid(i), "root")
		for j := range benchLeaves {
			ids = append(ids, benchLeaf(i, j))
			edge(benchLeaf(i, j), benchMid(i))
		}
	}
	for batch := range slices.Chunk(ids, cfg.MaxBatchSize) {
		req := &catalogv1.BatchCreateWorksRequest{}
		for _, id := range batch {
			req.Requests = append(req.Requests, &catalogv1.CreateWorkRequest{WorkId: id, Work: &catalogv1.Work{
				Kind: catalogv1.WorkKind_WORK_KIND_SOFTWARE, Title: "Work " + id, Licence: "MIT"}})
		}
		if _, err := e.catalog.BatchCreateWorks(alice, req); err != nil {
			b.Fatal(err)
		}
	}
	for batch := range slices.Chunk(edges, cfg.MaxBatchSize) {
		if _, err := e.store.CreateMany(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
}

// subscribe makes n webhook subscriptions, each to the ancestors of
// another leaf, spread over the mids, each with its own path.
func (e *eventBench) subscribe(b *testing.B, n int) {
	for k := range n {
		_, err := e.subs.CreateSubscription(alice, &lineagev1.CreateSubscriptionRequest{Subscription: &lineagev1.Subscription{
			Work: "works/" + benchLeaf(k%benchMids, k/benchMids%benchLeaves), Scope: lineagev1.Scope_SCOPE_ANCESTORS,
			Kinds:      []lineagev1.EventKind{lineagev1.EventKind_EVENT_KIND_LICENCE_CHANGED},
			WebhookUrl: e.hooks.url + "/hook/" + strconv.Itoa(k), Secret: benchSecret}})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// relicense changes a work's licence, tagging the change with note. It
// retries ABORTED as a client should: concurrent licence changes conflict
// on the outbox's sequence row (docs/events.md), and the server's own
// retries of a PostgreSQL serialisation failure can run out under a burst.
func (e *eventBench) relicense(ctx context.Context, work, licence, note string) error {
	for {
		_, err := e.catalog.UpdateWork(ctx, &catalogv1.UpdateWorkRequest{Work: &catalogv1.Work{Name: "works/" + work, Licence: licence},
			UpdateMask: mask("licence"), LicenceChangeNote: note})
		if status.Code(err) != codes.Aborted {
			return err
		}
	}
}

// waitHead waits for the log to reach seq, the relay's work.
func (e *eventBench) waitHead(b *testing.B, seq int64) {
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(time.Millisecond) {
		head, err := e.store.EventHead(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if head >= seq {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the log stayed at %d; want %d", head, seq)
		}
	}
}

func wait(b *testing.B, what string, c <-chan struct{}) {
	select {
	case <-c:
	case <-time.After(2 * time.Minute):
		b.Fatalf("timed out waiting for %s", what)
	}
}

func quantile(xs []time.Duration, q float64) time.Duration {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkRelicensingFanOut measures, on SQLite and on PostgreSQL, the
// latency from a licence change of the root of 10,000 descendants (the
// UpdateWork call's start) to the last of its webhooks delivered, with
// subs subscriptions to as many leaves' ancestors, each its own webhook
// path on a loopback receiver; and in the same loop the baseline, the
// bare write: the same UpdateWork on a work nobody follows. Each round
// does one of each; p50 and p99 are over the rounds, the ratio is of the
// p50s. Run it with -benchtime=Nx: every round waits for every webhook.
func BenchmarkRelicensingFanOut(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		for _, subs := range []int{1, 100, 1000} {
			b.Run(fmt.Sprintf("%s/subs=%d", engine, subs), func(b *testing.B) {
				e := startEventBench(b, engine)
				e.subscribe(b, subs)
				var bare, fanout []time.Duration
				licences := []string{"Apache-2.0", "MIT"}
				for round := 0; b.Loop(); round++ {
					lic := licences[round%2]
					t0 := time.Now()
					if err := e.relicense(alice, benchLone(0), lic, "bare "+strconv.Itoa(round)); err != nil {
						b.Fatal(err)
					}
					bare = append(bare, time.Since(t0))
					note := "fan-out " + strconv.Itoa(round)
					done := e.hooks.expect(note, subs)
					t0 = time.Now()
					if err := e.relicense(alice, "root", lic, note); err != nil {
						b.Fatal(err)
					}
					wait(b, note, done)
					fanout = append(fanout, time.Since(t0))
				}
				b.ReportMetric(ms(quantile(bare, 0.5)), "bare-ms-p50")
				b.ReportMetric(ms(quantile(fanout, 0.5)), "last-hook-ms-p50")
				b.ReportMetric(ms(quantile(fanout, 0.99)), "last-hook-ms-p99")
				b.ReportMetric(float64(quantile(fanout, 0.5))/float64(quantile(bare, 0.5)), "ratio-p50")
				b.ReportMetric(float64(e.hooks.extra), "repeats")
			})
		}
	}
}

// benchBurst is how many licence changes one round of the throughput
// benchmark writes, from benchWriters callers at once.
const (
	benchBurst   = 200
	benchWriters = 4
)

// BenchmarkOutboxThroughput measures events per second through the
// outbox, on SQLite and on PostgreSQL: a burst of licence changes of
// distinct works of the tree, written by a few callers at once, relayed into the
// lineage log and delivered to a webhook subscribed to the root's
// descendants; and in the same round the baseline, the bare write rate:
// the same burst on the lone work nobody follows, timed until the writes
// return. relayed-per-s counts from the burst's start to the log holding
// it, delivered-per-s to the webhook holding it; the ratios are of the
// medians over rounds.
func BenchmarkOutboxThroughput(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			e := startEventBench(b, engine)
			_, err := e.subs.CreateSubscription(alice, &lineagev1.CreateSubscriptionRequest{Subscription: &lineagev1.Subscription{
				Work: "works/root", Scope: lineagev1.Scope_SCOPE_DESCENDANTS, WebhookUrl: e.hooks.url + "/hook/root", Secret: benchSecret}})
			if err != nil {
				b.Fatal(err)
			}
			var bare, relayed, delivered []float64
			licences := []string{"Apache-2.0", "MIT"}
			for round := 0; b.Loop(); round++ {
				lic := licences[round%2]
				head, err := e.store.EventHead(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				took := e.burst(b, benchLone, lic, func(i int) string { return fmt.Sprintf("bare %d %d", round, i) })
				bare = append(bare, benchBurst/took.Seconds())
				// The bare burst's events are relayed before the timed one
				// starts, so that the two do not share the relay.
				e.waitHead(b, head+benchBurst)

				dones := make([]<-chan struct{}, benchBurst)
				notes := func(i int) string { return fmt.Sprintf("burst %d %d", round, i) }
				for i := range benchBurst {
					dones[i] = e.hooks.expect(notes(i), 1)
				}
				t0 := time.Now()
				e.burst(b, benchTreeWork, lic, notes)
				e.waitHead(b, head+2*benchBurst)
				relayed = append(relayed, benchBurst/time.Since(t0).Seconds())
				for i, c := range dones {
					wait(b, notes(i), c)
				}
				delivered = append(delivered, benchBurst/time.Since(t0).Seconds())
			}
			base := loadgen.Median(bare)
			b.ReportMetric(base, "bare-writes/s")
			b.ReportMetric(loadgen.Median(relayed), "relayed/s")
			b.ReportMetric(loadgen.Median(delivered), "delivered/s")
			b.ReportMetric(loadgen.Median(relayed)/base, "relayed/bare")
			b.ReportMetric(loadgen.Median(delivered)/base, "delivered/bare")
		})
	}
}

// burst writes benchBurst licence changes, change i of work(i) tagged
// note(i), from benchWriters callers, and returns how long it took.
func (e *eventBench) burst(b *testing.B, work func(int) string, licence string, note func(int) string) time.Duration {
	var (
		wg   sync.WaitGroup
		errs = make(chan error, benchWriters)
	)
	t0 := time.Now()
	for w := range benchWriters {
		wg.Go(func() {
			for i := w; i < benchBurst; i += benchWriters {
				if err := e.relicense(alice, work(i), licence, note(i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(t0)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return took
}
