package store_test

import (
	"testing"

	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/store/storetest"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
)

// TestConformance runs the conformance suite on SQLite, on the real
// PostgreSQL, and on a PostgreSQL of its own whose reads go to a streaming
// replica.
func TestConformance(t *testing.T) {
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t testing.TB) store.Store { return store.New(b.Open(t)) })
		})
	}
	t.Run("postgres-replica", func(t *testing.T) {
		t.Parallel()
		b, replicaReads := storagetest.ReplicaBackend(t, store.Service, store.Migrations())
		storetest.Run(t, func(t testing.TB) store.Store { return store.New(b.Open(t)) })
		if replicaReads() == 0 {
			t.Error("no read went to the replica")
		}
		t.Logf("%.0f reads served by the replica", replicaReads())
	})
}
