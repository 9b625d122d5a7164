package stress

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

var (
	long   = flag.Bool("stress.long", false, "run the long version of the stress run (make stress)")
	report = flag.String("stress.report", "", "write the figures to this file (make stress: docs/reliability.md)")
	// command is what made the figures, for the report; `make stress`
	// passes its own name.
	command = flag.String("stress.command", "", "the command to name in the report (default: this test's command line)")
)

// runSize is the size of a run.
type runSize struct {
	workers int
	budget  int64
	plan    Plan
}

// familySize is the number of works in the family the subscribers follow.
const familySize = 20

// The short run is part of `make test`; the long one is `make stress`.
var (
	shortRun = runSize{workers: 6, budget: 50_000, plan: Plan{
		Gap: 4 * time.Second, RedisDown: 10 * time.Second, PostgresDown: 3 * time.Second, CatalogDown: 3 * time.Second, LineageDown: 3 * time.Second,
		ReplicaDown: 3 * time.Second, ReplicaLag: 4 * time.Second,
		Racers: 24, RingSize: 6,
	}}
	longRun = runSize{workers: 12, budget: 1_000_000, plan: Plan{
		Gap: 20 * time.Second, RedisDown: 10 * time.Second, PostgresDown: 10 * time.Second, CatalogDown: 10 * time.Second, LineageDown: 10 * time.Second,
		ReplicaDown: 10 * time.Second, ReplicaLag: 15 * time.Second,
		Racers: 64, RingSize: 8,
	}}
)

// TestStress runs the suite as separate processes under load while faults
// are injected, then checks that nothing acknowledged was lost or
// duplicated, that the graph stayed acyclic, that cached answers match the
// store and that nothing failed that no fault explains, and reports the
// figures.
func TestStress(t *testing.T) {
	cfg := shortRun
	if *long {
		cfg = longRun
	}
	c := StartCluster(t, Replicas{Catalog: 2, Lineage: 2, Gateways: 2})
	grpcVia, err := GRPCVia(c.Licences.GRPCAddr, c.CatalogAddrs(), c.LineageAddrs())
	if err != nil {
		t.Fatal(err)
	}
	defer grpcVia.Close()
	vias := []*Via{RESTVia("gateway-1", c.Gateways[0].HTTPAddr), RESTVia("gateway-2", c.Gateways[1].HTTPAddr), grpcVia}
	runID := fmt.Sprintf("r%d", time.Now().UnixNano()%1e9)
	d := NewDriver(vias, cfg.workers, cfg.budget, runID)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rng := rand.New(rand.NewPCG(1, 2))
	// The seeds are a family: a root and works of both writers deriving
	// from it, which the subscribers follow (the root's descendants) and
	// whose licences the load changes.
	var seeds []string
	for i := range familySize {
		who := principals[i%len(principals)]
		name, ok := d.CreateWork(ctx, rng, who.name, who.key, fmt.Sprintf("%s-seed-%d", runID, i))
		if !ok {
			t.Fatalf("seed work %d was not created: %v", i, d.Samples()[len(d.Samples())-1])
		}
		if i > 0 && !d.Derive(ctx, rng, who.name, who.key, fmt.Sprintf("%s-seed-d%d", runID, i), name, seeds[0]) {
			t.Fatalf("seed work %d was not derived from the root: %v", i, d.Samples()[len(d.Samples())-1])
		}
		seeds = append(seeds, name)
	}
	d.Ledger.SetFamily(familySize)
	subCtx, stopSubs := context.WithCancel(context.Background())
	defer stopSubs()
	subs, err := Subscribe(subCtx, c, seeds[0])
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx, time.Now().Add(time.Hour))
	}()
	var race RaceResult
	windows := Faults(t, c, d, cfg.plan, &race)
	cancel()
	<-done
	elapsed := d.Since()

	f, err := Check(context.Background(), c, d)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := CheckEvents(context.Background(), c, d, subs, seeds[0])
	if err != nil {
		t.Fatal(err)
	}
	stopSubs()
	run := &Run{Command: commandLine(), Workers: cfg.workers, Budget: cfg.budget, Plan: cfg.plan, Elapsed: elapsed,
		Samples: d.Samples(), Windows: windows, Race: race, Findings: f, Events: ev,
		Probes: d.Ledger.Probes, ProbeFailures: d.Ledger.ProbeFailures, Reads: c.ReadRouting(context.Background())}
	md := run.Markdown()
	t.Log("\n" + md)
	if *report != "" {
		if err := os.WriteFile(*report, []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	for _, w := range windows {
		if w.Failed != "" {
			t.Error(w.Failed)
		}
	}
	for _, tg := range run.Targets() {
		if !tg.Met {
			t.Errorf("target missed: %s: want %s, measured %s", tg.What, tg.Want, tg.Got)
		}
	}
	show := func(what string, items []string) {
		if len(items) > 0 {
			t.Errorf("%s (%d), the first:\n%s", what, len(items), strings.Join(items[:min(len(items), 10)], "\n"))
		}
	}
	show("acknowledged writes lost", f.Lost)
	show("cached answers that differ from the store", f.CacheMismatches)
	show("read-your-writes probes that did not see the write", run.ProbeFailures)
	show("panics in the logs", f.Panics)
	show("cycle race answers", race.Others)
	show("acknowledged writes without an event", ev.Unlogged)
	show("changes announced under more than one id", ev.Twice)
	show("webhook requests refused", ev.Refused)
	for _, s := range ev.Subscribers {
		show(s.Name+": events lost", s.Lost)
		show(s.Name+": events the log does not hold", s.Unknown)
	}
	var unexpected []string
	for _, s := range Unexpected(run.Samples, windows) {
		unexpected = append(unexpected, fmt.Sprintf("%s at %v via %s: %v %s", s.Op, s.Start.Round(time.Millisecond), s.Via, s.Outcome, s.Detail))
	}
	show("failures no fault explains", unexpected)
}

func commandLine() string {
	if *command != "" {
		return *command
	}
	return "go test ./services/internal/stress -run '^TestStress$' " + strings.Join(os.Args[1:], " ")
}
