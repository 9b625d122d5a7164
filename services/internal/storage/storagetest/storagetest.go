// Package storagetest runs one test suite against every storage backend:
// SQLite in a temporary folder and the machine's real PostgreSQL, in a
// schema of the test's own that is dropped when it ends.
package storagetest

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// Opener opens a fresh, migrated, empty database for one test; it is closed
// (and, on PostgreSQL, dropped) when the test ends.
type Opener func(t testing.TB) *storage.DB

// Backend is one storage engine to test against.
type Backend struct {
	Engine storage.Engine
	Open   Opener
}

// Backends returns SQLite and PostgreSQL for the service's migrations.
func Backends(service string, migrations fs.FS) []Backend {
	return []Backend{
		{Engine: storage.SQLite, Open: func(t testing.TB) *storage.DB { return OpenSQLite(t, service, migrations) }},
		{Engine: storage.Postgres, Open: func(t testing.TB) *storage.DB { return OpenPostgres(t, service, migrations) }},
	}
}

// Run runs suite once per backend, as subtests named after the engines.
func Run(t *testing.T, service string, migrations fs.FS, suite func(t *testing.T, open Opener)) {
	for _, b := range Backends(service, migrations) {
		t.Run(string(b.Engine), func(t *testing.T) { suite(t, b.Open) })
	}
}

// OpenSQLite opens a fresh SQLite database in the test's temporary folder.
func OpenSQLite(t testing.TB, service string, migrations fs.FS) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), storage.Options{
		DataDir: t.TempDir(), Service: service, Migrations: migrations,
	})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// OpenPostgres opens a fresh schema of the test's own on the machine's
// PostgreSQL, and drops it when the test ends.
func OpenPostgres(t testing.TB, service string, migrations fs.FS) *storage.DB {
	t.Helper()
	url := testenv.PostgresURL(t)
	schema := fmt.Sprintf("%s_t%d_%d", strings.ReplaceAll(service, "-", "_"), time.Now().UnixNano()%1e9, rand.IntN(1e6))
	db, err := storage.Open(context.Background(), storage.Options{
		DatabaseURL: url, Service: service, Schema: schema, Migrations: migrations,
	})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		DropSchema(t, url, schema)
	})
	return db
}

// ReplicaBackend starts a PostgreSQL server of t's own with a streaming
// replica (testenv.StartReplica) and returns a backend whose databases,
// fresh schemas on that server, send their reads to the replica. Reads see
// the writes made before them (storage.Options.ReadOwnWrites), as the
// conformance suites expect without tokens; reads go to the replica once it
// has replayed them, which the returned counter of replica reads shows.
func ReplicaBackend(t testing.TB, service string, migrations fs.FS) (Backend, func() float64) {
	t.Helper()
	primary := testenv.StartPostgres(t)
	replica := primary.StartReplica()
	reg := prometheus.NewRegistry()
	open := func(t testing.TB) *storage.DB {
		t.Helper()
		schema := fmt.Sprintf("%s_t%d_%d", strings.ReplaceAll(service, "-", "_"), time.Now().UnixNano()%1e9, rand.IntN(1e6))
		db, err := storage.Open(context.Background(), storage.Options{
			DatabaseURL: primary.URL(), ReadURLs: []string{replica.URL()}, Service: service, Schema: schema,
			Migrations: migrations, ReadOwnWrites: true, ReplicaPoll: 5 * time.Millisecond, MaxReplicaLag: time.Minute,
			Metrics: reg,
		})
		if err != nil {
			t.Fatalf("open postgres with a replica: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return Backend{Engine: storage.Postgres, Open: open}, func() float64 { return Count(t, reg, "stemma_db_reads_total", "target", "replica") }
}

// Count returns the sum of the registry's counters named name whose label
// has the value: Count(t, reg, "stemma_db_reads_total", "target", "replica").
func Count(t testing.TB, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return n
}

// DropSchema drops a test's schema.
func DropSchema(t testing.TB, url, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
	}
}
