package store_test

import (
	"testing"

	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
	"github.com/stemma-registry/stemma/services/lineage/store"
	"github.com/stemma-registry/stemma/services/lineage/store/storetest"
)

func TestConformance(t *testing.T) {
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			storetest.Run(t, func(t testing.TB) store.Store { return store.New(b.Open(t)) })
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
