// Package lineagetest holds what the lineage service's tests share: a
// PostgreSQL database of a test's own, for tests that run whole processes
// (which name their schemas after the services, so two tests sharing a
// database would share data).
package lineagetest

import (
	"testing"

	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// Database creates a database on the machine's PostgreSQL, drops it when
// the test ends and returns its URL.
func Database(t testing.TB) string {
	t.Helper()
	return testenv.Database(t, "stemma_lineage")
}
