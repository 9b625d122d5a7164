package store_test

import (
	"context"
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// chainRows yields n derivations w1 -> w0, w2 -> w1, ... sharing two checks.
func chainRows(n int, prefix string) iter.Seq[store.Row] {
	return func(yield func(store.Row) bool) {
		for i := 1; i <= n; i++ {
			d := &graph.Derivation{ID: fmt.Sprintf("%s%d", prefix, i), Derivative: fmt.Sprintf("w%d", i), Source: fmt.Sprintf("w%d", i-1),
				Relation: graph.Fork, Use: graph.UseIncorporate, Recorder: "loader", CreateTime: time.Unix(int64(i), 0)}
			if !yield(store.Row{Derivation: d, Check: i % 2}) {
				return
			}
		}
	}
}

func TestBulkLoad(t *testing.T) {
	checks := []graph.Check{{Verdict: graph.Compatible, Inbound: "MIT", Outbound: "MIT"}, {Verdict: graph.Unknown, Inbound: "", Outbound: "MIT"}}
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			ctx := context.Background()
			s := store.New(b.Open(t))
			e0, _ := s.Epoch(ctx)
			n, err := s.Load(ctx, checks, chainRows(50, "d"))
			if err != nil || n != 50 {
				t.Fatalf("Load = %d, %v", n, err)
			}
			if e, _ := s.Epoch(ctx); e != e0+1 {
				t.Errorf("epoch %d after a load; was %d", e, e0)
			}
			w := graph.Walk{Root: "w50", Direction: graph.Up, MaxDepth: 100}
			edges, err := s.Walk(ctx, w)
			if err != nil || graph.NewClosure(w, edges).Relatives() != 50 {
				t.Fatalf("w50 has %d ancestors after the load (%v); want 50", graph.NewClosure(w, edges).Relatives(), err)
			}
			d, err := s.Get(ctx, "d7")
			if err != nil || d.Check.Verdict != graph.Unknown || d.Source != "w6" || !d.CreateTime.Equal(time.Unix(7, 0)) {
				t.Fatalf("Get(d7) = %+v, %v", d, err)
			}
			// The constraints stand after a load into an empty table: a
			// second load repeating an id fails whole.
			if _, err := s.Load(ctx, checks, chainRows(1, "d")); err == nil {
				t.Fatal("a load repeating an id succeeded")
			}
			if n, err := s.Load(ctx, checks, chainRows(0, "e")); err != nil || n != 0 {
				t.Fatalf("empty load = %d, %v", n, err)
			}
		})
	}
}
