package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/internal/consistency"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/internal/testenv"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// The events a page of the log returns are matched to a scope by a walk,
// which may read a replica: after Events, the walk in the same request
// must hold every edge written before those events, even on a replica
// that has not replayed them. Otherwise an event about a work that just
// joined a subscription's scope is skipped, and lost (the stress run
// found one).
func TestEventsWalkSeesTheirEdges(t *testing.T) {
	primary := testenv.StartPostgres(t)
	replica := primary.StartReplica()
	db, err := storage.Open(context.Background(), storage.Options{
		DatabaseURL: primary.URL(), ReadURLs: []string{replica.URL()}, Service: store.Service,
		Migrations: store.Migrations(), ReplicaPoll: 5 * time.Millisecond, MaxReplicaLag: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := store.New(db)
	create := func(id, derivative, source string) {
		t.Helper()
		d := &graph.Derivation{ID: id, Derivative: derivative, Source: source, Relation: graph.Fork, Use: graph.UseIncorporate,
			Recorder: "alice", CreateTime: time.Now()}
		if _, _, err := s.Create(context.Background(), d, store.Request{}); err != nil {
			t.Fatal(err)
		}
	}
	walk := func(ctx context.Context) []string {
		t.Helper()
		edges, err := s.Walk(ctx, graph.Walk{Root: "root", Direction: graph.Down, MaxDepth: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ws []string
		for _, e := range edges {
			ws = append(ws, e.Derivative)
		}
		slices.Sort(ws)
		return ws
	}
	create("d1", "a", "root")
	// The replica has the schema and the first edge before it pauses:
	// behind the schema this process opened, every read would go to the
	// primary.
	replica.CatchUp(primary)
	replica.PauseReplay()
	defer replica.ResumeReplay()
	create("d2", "b", "a")
	// Once the router has seen the replica's position, a read without a
	// token goes to it.
	for deadline := time.Now().Add(5 * time.Second); !slices.Equal(walk(context.Background()), []string{"a"}); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("a walk on the paused replica got %v; want [a], what it had replayed", walk(context.Background()))
		}
	}

	ctx, _ := consistency.With(context.Background(), 0)
	es, err := s.Events(ctx, 0, 10)
	if err != nil || len(es) != 2 {
		t.Fatalf("events: %d, %v; want the two derivations", len(es), err)
	}
	if got := walk(ctx); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("the walk after reading the events got %v; want [a b], every edge written before them", got)
	}
}
