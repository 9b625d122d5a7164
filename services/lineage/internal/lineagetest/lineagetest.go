// Package lineagetest holds what the lineage service's tests share: a
// PostgreSQL database of a test's own, for tests that run whole processes
// (which name their schemas after the services, so two tests sharing a
// database would share data).
package lineagetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// Database creates a database on the machine's PostgreSQL, drops it when
// the test ends and returns its URL.
func Database(t testing.TB) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	name := fmt.Sprintf("stemma_lineage_%d_%d", os.Getpid(), rand.IntN(1e9))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
