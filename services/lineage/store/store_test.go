package store_test

import (
	"testing"

	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
	"github.com/stemma-registry/stemma/services/lineage/store"
	"github.com/stemma-registry/stemma/services/lineage/store/storetest"
)

// TestConformance runs the conformance suite on SQLite, on the real
// PostgreSQL, and on a PostgreSQL of its own whose reads go to a streaming
// replica.
func TestConformance(t *testing.T) {
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			storetest.Run(t, func(t testing.TB) store.Store { return store.New(b.Open(t)) })
		})
	}
	t.Run("postgres-replica", func(t *testing.T) {
		b, replicaReads := storagetest.ReplicaBackend(t, store.Service, store.Migrations())
		storetest.Run(t, func(t testing.TB) store.Store { return store.New(b.Open(t)) })
		if replicaReads() == 0 {
			t.Error("no read went to the replica")
		}
		t.Logf("%.0f reads served by the replica", replicaReads())
	})
}

func TestEventConformance(t *testing.T) {
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			storetest.RunEvents(t, func(t testing.TB) storetest.EventStore { return store.New(b.Open(t)) })
		})
	}
}

func TestPolicyConformance(t *testing.T) {
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			storetest.RunPolicies(t, func(t testing.TB) store.Policies { return store.New(b.Open(t)) })
		})
	}
}

func TestCurationConformance(t *testing.T) {
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			storetest.RunCurations(t, func(t testing.TB) store.Curations { return store.New(b.Open(t)) })
		})
	}
}

// Two stores over one database are two replicas: each queues its own graph
// writes, so edges that together close cycles race in the database, where
// the graph-epoch row and SERIALIZABLE must still refuse exactly one.
func TestConcurrentCyclesAcrossReplicas(t *testing.T) {
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			db := b.Open(t)
			storetest.ConcurrentCycles(t, store.New(db), store.New(db))
		})
	}
}
