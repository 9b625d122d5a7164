package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stemma-registry/stemma/services/internal/consistency"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// replicated is a PostgreSQL server of the test's own, a streaming
// replica of it, and a database that routes its reads there.
type replicated struct {
	primary, replica *testenv.PostgresServer
	db               *storage.DB
	reg              *prometheus.Registry
}

func startReplicated(t *testing.T, maxLag time.Duration) *replicated {
	t.Helper()
	r := &replicated{primary: testenv.StartPostgres(t), reg: prometheus.NewRegistry()}
	r.replica = r.primary.StartReplica()
	db, err := storage.Open(context.Background(), storage.Options{
		DatabaseURL: r.primary.URL(), ReadURLs: []string{r.replica.URL()}, Service: "storagetest",
		Migrations: migrations, ReplicaPoll: 5 * time.Millisecond, MaxReplicaLag: maxLag, Metrics: r.reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r.db = db
	return r
}

func (r *replicated) reads(t *testing.T, target string) float64 {
	return storagetest.Count(t, r.reg, "stemma_db_reads_total", "target", target)
}

// set writes name = value in a request of its own and returns the
// request's consistency token.
func (r *replicated) set(t *testing.T, name string, value int) consistency.LSN {
	t.Helper()
	ctx, tracker := consistency.With(context.Background(), 0)
	err := r.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO counters (name, value) VALUES ($1, $2)"+
			" ON CONFLICT (name) DO UPDATE SET value = excluded.value", name, value)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if tracker.LSN() == 0 {
		t.Fatal("the write gave its request no consistency token")
	}
	return tracker.LSN()
}

// get reads name in a request of its own carrying token (-1 if there is
// no such row), and reports whether the replica served it.
func (r *replicated) get(t *testing.T, token consistency.LSN, name string) (value int, onReplica bool) {
	t.Helper()
	before := r.reads(t, "replica")
	ctx, _ := consistency.With(context.Background(), token)
	err := r.db.Routed().QueryRowContext(ctx, "SELECT value FROM counters WHERE name = $1", name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		value = -1
	} else if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return value, r.reads(t, "replica") > before
}

// eventually retries cond until it holds, failing the test after a
// minute: the replica's replay and the poller's view of it take their
// time, which the test waits for rather than assumes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still not so after a minute: %s", what)
		}
	}
}

// onReplica reads name from the replica directly, past the router.
func onReplica(t *testing.T, replica *testenv.PostgresServer, name string) (int, error) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, replica.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	err = conn.QueryRow(ctx, "SELECT value FROM storagetest.counters WHERE name = $1", name).Scan(&v)
	return v, err
}

// A read carrying the token of a write goes to the primary while the
// replica has not replayed the write, and to the replica once it has.
func TestReplicaReadYourWrites(t *testing.T) {
	r := startReplicated(t, time.Hour)
	token := r.set(t, "a", 1)
	eventually(t, "a read of the first write goes to the replica", func() bool {
		v, replica := r.get(t, token, "a")
		return v == 1 && replica
	})

	r.replica.PauseReplay()
	token = r.set(t, "a", 2)
	if v, err := onReplica(t, r.replica, "a"); err != nil || v != 1 {
		t.Fatalf("paused replica has a = %d, %v; want the value before the write, 1", v, err)
	}
	bypassed := r.reads(t, "primary")
	for range 20 {
		if v, replica := r.get(t, token, "a"); v != 2 || replica {
			t.Fatalf("read with the write's token: a = %d on the replica: %v; want 2 from the primary", v, replica)
		}
	}
	if got := r.reads(t, "primary") - bypassed; got != 20 {
		t.Fatalf("%v reads counted on the primary, want 20", got)
	}

	r.replica.ResumeReplay()
	eventually(t, "after resuming, a read with the token goes to the replica", func() bool {
		v, replica := r.get(t, token, "a")
		return v == 2 && replica
	})
}

// A replica that dies costs no read an error: reads go to the primary,
// the first ones when their query fails, the rest once the poller has
// seen it gone.
func TestReplicaKilled(t *testing.T) {
	r := startReplicated(t, time.Hour)
	token := r.set(t, "k", 7)
	eventually(t, "reads go to the replica", func() bool {
		_, replica := r.get(t, token, "k")
		return replica
	})
	r.replica.Kill()
	before := r.reads(t, "primary")
	for range 50 {
		if v, _ := r.get(t, 0, "k"); v != 7 {
			t.Fatalf("k = %d after the replica died, want 7", v)
		}
	}
	if got := r.reads(t, "primary") - before; got < 50 {
		t.Fatalf("%v of 50 reads counted on the primary", got)
	}
	// A read-only transaction too.
	ctx := context.Background()
	err := r.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var v int
		return tx.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = 'k'").Scan(&v)
	})
	if err != nil {
		t.Fatalf("ReadTx after the replica died: %v", err)
	}
}

// A replica lagging past the bound serves no reads, token or not.
func TestReplicaLagging(t *testing.T) {
	r := startReplicated(t, 100*time.Millisecond)
	r.set(t, "l", 0)
	eventually(t, "reads go to the replica", func() bool {
		_, replica := r.get(t, 0, "l")
		return replica
	})
	r.replica.PauseReplay()
	n := 0
	eventually(t, "reads without a token leave the lagging replica", func() bool {
		n++
		r.set(t, "l", n)
		// Without a token the replica may serve an older value; the
		// primary may not.
		v, replica := r.get(t, 0, "l")
		if v != n && !replica {
			t.Fatalf("l = %d from the primary, want %d", v, n)
		}
		return !replica
	})
	if lagging := storagetest.Count(t, r.reg, "stemma_db_replica_bypass_total", "reason", "lagging"); lagging == 0 {
		t.Fatal("no read counted as bypassing a lagging replica")
	}
	r.replica.ResumeReplay()
	eventually(t, "reads go back to the replica once it caught up", func() bool {
		_, replica := r.get(t, 0, "l")
		return replica
	})
}

// A request that read the primary and called SeePrimary reads no older
// state on the replica afterwards: the event log is read on the primary,
// and the scope walked after it must hold every edge written before its
// events, or an event about a work that just joined the scope is lost.
func TestSeePrimary(t *testing.T) {
	r := startReplicated(t, time.Hour)
	token := r.set(t, "a", 1)
	eventually(t, "the replica has the first write", func() bool {
		v, replica := r.get(t, token, "a")
		return v == 1 && replica
	})
	r.replica.PauseReplay()
	r.set(t, "a", 2)

	read := func(ctx context.Context) int {
		var v int
		if err := r.db.Routed().QueryRowContext(ctx, "SELECT value FROM counters WHERE name = $1", "a").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := read(context.Background()); v != 1 {
		t.Fatalf("a routed read without a token got a = %d; want 1, the paused replica's", v)
	}
	ctx, _ := consistency.With(context.Background(), 0)
	r.db.SeePrimary(ctx)
	if v := read(ctx); v != 2 {
		t.Fatalf("a routed read after SeePrimary got a = %d; want 2, the primary's", v)
	}
	r.replica.ResumeReplay()
}
