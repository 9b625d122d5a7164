package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

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

// A transaction whose connection the server drops before the commit (as
// it does to every connection when it restarts) runs again on another
// connection, and its write lands once.
func TestLostConnectionRetriesTheTransaction(t *testing.T) {
	db := storagetest.OpenPostgres(t, "storagetest", migrations)
	ctx := context.Background()
	var attempts int
	var lost []error
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		attempts++
		if attempts == 1 {
			var pid int
			if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
				return err
			}
			if _, err := db.Reader().ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
				t.Fatalf("terminate backend %d: %v", pid, err)
			}
		}
		// The first statement after the termination meets 57P01, the
		// next one a connection the driver has closed.
		for range 2 {
			if _, err := tx.ExecContext(ctx, "INSERT INTO counters (name, value) VALUES ('once', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1"); err != nil {
				lost = append(lost, err)
				if len(lost) == 2 {
					return err
				}
			}
		}
		return nil
	})
	if err != nil || attempts != 2 {
		t.Fatalf("Tx = %v after %d attempts; want nil after 2", err, attempts)
	}
	if len(lost) != 2 {
		t.Fatalf("errors on the terminated connection: %v; want 2", lost)
	}
	for _, e := range lost {
		if !apierr.Is(db.Classify(e), apierr.Unavailable) {
			t.Errorf("Classify(%v) = %v; want UNAVAILABLE", e, db.Classify(e))
		}
	}
	var v int
	if err := db.Reader().QueryRowContext(ctx, "SELECT value FROM counters WHERE name = 'once'").Scan(&v); err != nil || v != 2 {
		t.Fatalf("counter = %d, %v; want 2 (one attempt's two increments)", v, err)
	}
}

// A backend that dies without a word (killed, or its machine gone) leaves
// the client with a closed socket, whether the transaction was between two
// statements or waiting for one. Either way the error is UNAVAILABLE, and
// the transaction either ran again on a new connection or, where
// PostgreSQL was still recovering from the crash and refused one, is
// UNAVAILABLE. The server is the test's own: killing a backend makes
// PostgreSQL restart them all.
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
	// After a kill PostgreSQL recovers before it takes connections (and,
	// told to stop while it restarts, can take its whole stop timeout).
	recovered := func() {
		for deadline := time.Now().Add(30 * time.Second); db.Ping(ctx) != nil; time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("PostgreSQL did not come back after the kill")
			}
		}
	}
	defer recovered()
	for _, during := range []bool{false, true} {
		recovered()
		var lost error
		killed := false
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			var pid int
			if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
				return err
			}
			if killed {
				return nil
			}
			killed = true
			kill := func() {
				// ESRCH: the backend is gone already. After the previous
				// round's kill the postmaster ends every backend, and a Ping
				// may have answered on one before it did; the statement
				// then loses its connection all the same.
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
					t.Errorf("kill backend %d: %v", pid, err)
				}
			}
			if during {
				time.AfterFunc(200*time.Millisecond, kill)
				_, lost = tx.ExecContext(ctx, "SELECT pg_sleep(30)")
			} else {
				kill()
				_, lost = tx.ExecContext(ctx, "SELECT 1")
			}
			return lost
		})
		if lost == nil {
			t.Fatalf("killed during a statement %v: the statement succeeded", during)
		}
		if !apierr.Is(db.Classify(lost), apierr.Unavailable) {
			t.Errorf("killed during a statement %v: Classify(%v) = %v; want UNAVAILABLE", during, lost, db.Classify(lost))
		}
		if err != nil && !apierr.Is(err, apierr.Unavailable) {
			t.Errorf("killed during a statement %v: Tx = %v; want nil or UNAVAILABLE", during, err)
		}
	}
}
