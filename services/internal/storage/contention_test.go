package storage_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
)

// A transaction that loses every retry to concurrent ones is ABORTED, which
// callers may retry, not an INTERNAL error: under heavy contention (every
// edge write of the lineage service bumps one epoch row) PostgreSQL's
// serialization failures outlasted the retries and came back as 500s.
func TestLostRacesAreAborted(t *testing.T) {
	db := storagetest.OpenPostgres(t, "storagetest", migrations)
	attempts := 0
	err := db.Tx(context.Background(), func(*sql.Tx) error {
		attempts++
		return &pgconn.PgError{Code: "40001", Message: "could not serialize access due to concurrent update"}
	})
	e, ok := apierr.As(err)
	if !ok || e.Kind != apierr.Aborted || e.Reason != "CONCURRENT_UPDATE" {
		t.Fatalf("after %d lost attempts: %v; want ABORTED CONCURRENT_UPDATE", attempts, err)
	}
	if attempts < 2 {
		t.Fatalf("%d attempts; a lost race must be retried first", attempts)
	}
}
