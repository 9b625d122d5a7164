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

// The batch reads what it checks against once; these are the cases that
// read must still see: a cycle closed against the stored graph alone, an
// edge repeated within the batch, an id taken before or within it.
func TestCreateManyAgainstTheStoredGraph(t *testing.T) {
	ctx := context.Background()
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			s := store.New(b.Open(t))
			if _, err := s.CreateMany(ctx, []*graph.Derivation{derivation("e1", "app", "lib")}); err != nil {
				t.Fatal(err)
			}
			_, err := s.CreateMany(ctx, []*graph.Derivation{derivation("e2", "tool", "x"), derivation("e3", "lib", "app")})
			if e, ok := apierr.As(err); !ok || e.Reason != "CYCLE" {
				t.Fatalf("lib -> app against a stored app -> lib: %v; want CYCLE", err)
			}
			if _, err := s.CreateMany(ctx, []*graph.Derivation{derivation("e4", "lib", "lib")}); err == nil {
				t.Fatal("a work deriving from itself: accepted")
			}
			existing, err := s.CreateMany(ctx, []*graph.Derivation{derivation("e5", "web", "lib"), derivation("e6", "web", "lib")})
			if err != nil || existing[0] != nil || existing[1] == nil || existing[1].ID != "e5" {
				t.Fatalf("an edge twice in one batch = %v, %v; want the second to name e5", existing, err)
			}
			for _, batch := range [][]*graph.Derivation{
				{derivation("e1", "new", "lib")},
				{derivation("e7", "a", "b"), derivation("e7", "c", "d")},
			} {
				if _, err := s.CreateMany(ctx, batch); !apierr.Is(err, apierr.AlreadyExists) {
					t.Errorf("an id taken (%s): %v; want ALREADY_EXISTS", batch[len(batch)-1].ID, err)
				}
			}
			if _, err := s.Get(ctx, "e2"); !apierr.Is(err, apierr.NotFound) {
				t.Errorf("a refused batch left e2 behind: %v", err)
			}
		})
	}
}
