package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"sync"
	"syscall"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
	"github.com/stemma-registry/stemma/services/internal/testenv"
)

var migrations = os.DirFS("testdata")

func TestStorage(t *testing.T) {
	storagetest.Run(t, "storagetest", migrations, func(t *testing.T, open storagetest.Opener) {
		t.Run("Version", func(t *testing.T) {
			db := open(t)
			cur, newest, err := db.Version(context.Background(), migrations)
			if err != nil || cur != 1 || newest != 1 {
				t.Fatalf("Version = %d, %d, %v; want 1, 1, nil", cur, newest, err)
			}
		})
		t.Run("TxCommitsAndRollsBack", func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			if err := db.Tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO counters (name, value) VALUES ($1, $2)", "a", 1)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			boom := apierr.Invalid("x", "boom")
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, "UPDATE counters SET value = 99 WHERE name = $1", "a"); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("Tx returned %v, want the domain error", err)
			}
			var v int
			if err := db.Reader().QueryRowContext(ctx, "SELECT value FROM counters WHERE name = $1", "a").Scan(&v); err != nil || v != 1 {
				t.Fatalf("value = %d, %v; want 1 (the failed transaction left a trace)", v, err)
			}
		})
		t.Run("UniqueViolation", func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			ins := func() error {
				return db.Tx(ctx, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(ctx, "INSERT INTO counters (name, value) VALUES ($1, 0)", "dup")
					return err
				})
			}
			if err := ins(); err != nil {
				t.Fatal(err)
			}
			if err := ins(); !storage.IsUniqueViolation(err) {
				t.Fatalf("second insert: %v; want a unique violation", err)
			}
		})
		// Concurrent read-modify-write transactions must lose no increment:
		// SQLite serialises writers, PostgreSQL's SERIALIZABLE transactions
		// fail and are retried.
		t.Run("ConcurrentIncrementsLoseNothing", func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			if _, err := db.Writer().ExecContext(ctx, "INSERT INTO counters (name, value) VALUES ('n', 0)"); err != nil {
				t.Fatal(err)
			}
			const workers, each = 8, 25
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						errs <- db.Tx(ctx, func(tx *sql.Tx) error {
							var v int
							if err := tx.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = 'n'").Scan(&v); err != nil {
								return err
							}
							_, err := tx.ExecContext(ctx, "UPDATE counters SET value = $1 WHERE name = 'n'", v+1)
							return err
						})
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			var v int
			if err := db.Reader().QueryRowContext(ctx, "SELECT value FROM counters WHERE name = 'n'").Scan(&v); err != nil || v != workers*each {
				t.Fatalf("counter = %d, %v; want %d", v, err, workers*each)
			}
		})
	})
}

func TestUnreachablePostgresIsUnavailable(t *testing.T) {
	_, err := storage.Open(context.Background(), storage.Options{
		DatabaseURL: "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2",
		Service:     "x", Migrations: migrations,
	})
	if !apierr.Is(err, apierr.Unavailable) {
		t.Fatalf("Open on a closed port: %v; want UNAVAILABLE", err)
	}
}

// A server that drops a connection in the middle of a transaction (as it
// does when it shuts down) makes the transaction UNAVAILABLE, both at the
// statement that meets the broken connection and at every one after it.
func TestLostConnectionIsUnavailable(t *testing.T) {
	db := storagetest.OpenPostgres(t, "storagetest", migrations)
	ctx := context.Background()
	var first, second error
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var pid int
		if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			return err
		}
		if _, err := db.Reader().ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
			t.Fatalf("terminate backend %d: %v", pid, err)
		}
		_, first = tx.ExecContext(ctx, "INSERT INTO counters (name, value) VALUES ('lost', 1)")
		_, second = tx.ExecContext(ctx, "INSERT INTO counters (name, value) VALUES ('lost', 2)")
		return second
	})
	if first == nil || second == nil {
		t.Fatalf("statements on a terminated connection: %v, %v; want errors", first, second)
	}
	for _, e := range []error{first, second} {
		if !apierr.Is(db.Classify(e), apierr.Unavailable) {
			t.Errorf("Classify(%v) = %v; want UNAVAILABLE", e, db.Classify(e))
		}
	}
	if !apierr.Is(err, apierr.Unavailable) {
		t.Fatalf("Tx = %v; want UNAVAILABLE", err)
	}
}

// A backend that dies without a word (killed, or its machine gone) leaves
// the client reading a closed socket; that is UNAVAILABLE too. The server
// is the test's own: killing a backend makes PostgreSQL restart them all.
func TestKilledBackendIsUnavailable(t *testing.T) {
	pg := testenv.StartPostgres(t)
	db, err := storage.Open(context.Background(), storage.Options{
		DatabaseURL: pg.URL(), Service: "storagetest", Migrations: migrations,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var lost error
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		var pid int
		if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			return err
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill backend %d: %v", pid, err)
		}
		_, lost = tx.ExecContext(ctx, "INSERT INTO counters (name, value) VALUES ('lost', 1)")
		return lost
	})
	if lost == nil {
		t.Fatal("a statement on a killed backend succeeded")
	}
	t.Logf("the statement after the kill: %v", lost)
	if !apierr.Is(err, apierr.Unavailable) {
		t.Fatalf("Tx = %v; want UNAVAILABLE", err)
	}
}
