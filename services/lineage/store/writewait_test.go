package store

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

func edge(id, derivative, source string) *graph.Derivation {
	return &graph.Derivation{
		ID: id, Derivative: derivative, Source: source, Relation: graph.Inclusion, Use: graph.UseLinkStatic,
		Check:    graph.Check{Verdict: graph.Compatible, Use: graph.UseLinkStatic, Inbound: "MIT", Outbound: "MIT"},
		Recorder: "alice", CreateTime: time.Now(),
	}
}

// A graph write waits a bounded time for the writes ahead of it
// (UNAVAILABLE after) and holds its turn a bounded time (rolled back,
// ABORTED, after); either way nothing is written, and the queue moves on.
func TestGraphWriteWait(t *testing.T) {
	ctx := context.Background()
	const wait = 100 * time.Millisecond
	for _, b := range storagetest.Backends(Service, Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			s := New(b.Open(t)).WithWriteWait(wait)

			// Another write holds the queue.
			s.writes <- struct{}{}
			began := time.Now()
			_, err := s.CreateMany(ctx, []*graph.Derivation{edge("e1", "app", "lib")})
			if e, ok := apierr.As(err); !ok || e.Kind != apierr.Unavailable || e.Reason != "GRAPH_WRITES_BUSY" {
				t.Fatalf("write behind a held queue: %v", err)
			}
			if took := time.Since(began); took < wait || took > 10*wait {
				t.Errorf("refused after %s; want about %s", took, wait)
			}
			<-s.writes

			// A write that takes too long is rolled back.
			err = s.graphTx(ctx, func(tx *sql.Tx) error {
				if err := bumpEpoch(ctx, tx); err != nil {
					return err
				}
				time.Sleep(3 * wait)
				return nil
			})
			if e, ok := apierr.As(err); !ok || e.Kind != apierr.Aborted || e.Reason != "GRAPH_WRITE_TIMEOUT" {
				t.Fatalf("slow write: %v", err)
			}
			if epoch, err := s.Epoch(ctx); err != nil || epoch != 0 {
				t.Errorf("epoch after the rolled-back write = %d, %v; want 0", epoch, err)
			}

			// The queue is free again: writes within the bound succeed.
			if _, err := s.CreateMany(ctx, []*graph.Derivation{edge("e1", "app", "lib")}); err != nil {
				t.Fatalf("write after: %v", err)
			}
			if ds, err := s.Walk(ctx, graph.Walk{Root: "app", Direction: graph.Up, MaxDepth: 2}); err != nil || len(ds) != 1 {
				t.Fatalf("edges after = %v, %v", ds, err)
			}
		})
	}
}
