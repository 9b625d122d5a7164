package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

func derivation(id, derivative, source string) *graph.Derivation {
	return &graph.Derivation{
		ID: id, Derivative: derivative, Source: source, Relation: graph.Inclusion, Use: graph.UseLinkStatic,
		Check:    graph.Check{Verdict: graph.Compatible, Use: graph.UseLinkStatic, Inbound: "MIT", Outbound: "MIT"},
		Recorder: "alice", CreateTime: time.Now(),
	}
}

// CreateMany records all or nothing: a batch whose last edge closes a cycle
// leaves no edge behind; a batch that repeats an edge reports the existing
// derivation instead of failing.
func TestCreateMany(t *testing.T) {
	ctx := context.Background()
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			s := store.New(b.Open(t))
			existing, err := s.CreateMany(ctx, []*graph.Derivation{derivation("e1", "app", "lib"), derivation("e2", "lib", "base")})
			if err != nil || len(existing) != 2 || existing[0] != nil || existing[1] != nil {
				t.Fatalf("CreateMany = %v, %v", existing, err)
			}
			_, err = s.CreateMany(ctx, []*graph.Derivation{derivation("e3", "base", "other"), derivation("e4", "other", "app")})
			if e, ok := apierr.As(err); !ok || e.Kind != apierr.FailedPrecondition || e.Reason != "CYCLE" {
				t.Fatalf("a cycle through the batch: %v", err)
			}
			if _, err := s.Get(ctx, "e3"); !apierr.Is(err, apierr.NotFound) {
				t.Errorf("the refused batch left e3 behind: %v", err)
			}
			existing, err = s.CreateMany(ctx, []*graph.Derivation{derivation("e5", "app", "lib"), derivation("e6", "app", "base")})
			if err != nil || existing[0] == nil || existing[0].ID != "e1" || existing[1] != nil {
				t.Fatalf("a repeated edge: %v, %v", existing, err)
			}
			if _, err := s.Get(ctx, "e6"); err != nil {
				t.Errorf("the new edge of a batch with a repeated one: %v", err)
			}
		})
	}
}
