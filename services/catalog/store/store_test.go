package store_test

import (
	"testing"

	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/store/storetest"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
)

// TestConformance runs the conformance suite on SQLite and on the real
// PostgreSQL.
func TestConformance(t *testing.T) {
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t testing.TB) store.Store { return store.New(b.Open(t)) })
		})
	}
}
