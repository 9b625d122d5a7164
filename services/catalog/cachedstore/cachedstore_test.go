package cachedstore_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/catalog/cachedstore"
	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/store/storetest"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/cache"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
	"github.com/stemma-registry/stemma/services/internal/testenv"
)

var ctx = context.Background()

func local(t testing.TB) cache.Cache {
	c, err := cache.NewLocal(1000, cache.NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func redisCache(t testing.TB, url string) *cache.Redis {
	client, err := cache.Connect(cache.RedisOptions{URL: url, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c := cache.NewRedis(client, testenv.UniquePrefix(t), cache.NewMAC(cache.RandomKey(), nil, nil), cache.NewMetrics(nil), slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { c.Close() })
	return c
}

// The decorated store is a store: it passes the whole conformance suite.
func TestConformance(t *testing.T) {
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		t.Run(string(b.Engine), func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t testing.TB) store.Store { return cachedstore.New(store.New(b.Open(t)), local(t)) })
		})
	}
}

func newWork(t testing.TB, s store.Store) *work.Work {
	t.Helper()
	w := &work.Work{Kind: work.Text, Title: "Cached", Licence: storetest.Licence("MIT", "MIT")}
	out, err := s.Create(ctx, "alice", []store.NewWork{{Work: w}})
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func retitle(t testing.TB, s store.Store, id, title string) {
	t.Helper()
	if _, err := s.Update(ctx, store.Update{ID: id, Actor: storetest.Alice, Fields: work.FieldTitle, Values: &work.Work{Title: title}}); err != nil {
		t.Fatal(err)
	}
}

func wantTitle(t testing.TB, s store.Store, id, title string) {
	t.Helper()
	w, err := s.Get(ctx, id)
	if err != nil || w.Title != title {
		t.Fatalf("Get = %+v, %v; want title %q", w, err, title)
	}
}

// Two replicas, each with a cache of its own, over one database: a write
// through one is what the next read through the other sees, without any
// invalidation message, and so is a delete and a new work under the same
// id.
func TestReadYourWritesAcrossReplicas(t *testing.T) {
	storagetest.Run(t, store.Service, store.Migrations(), func(t *testing.T, open storagetest.Opener) {
		inner := store.New(open(t))
		a, b := cachedstore.New(inner, local(t)), cachedstore.New(inner, local(t))
		w := newWork(t, a)
		wantTitle(t, a, w.ID, "Cached")
		wantTitle(t, b, w.ID, "Cached")
		retitle(t, b, w.ID, "Changed through b")
		wantTitle(t, a, w.ID, "Changed through b")

		if err := b.Delete(ctx, store.Delete{ID: w.ID, Actor: storetest.Alice}); err != nil {
			t.Fatal(err)
		}
		again := &work.Work{ID: w.ID, Kind: work.Text, Title: "Cached", Licence: storetest.Licence("")}
		if _, err := b.Create(ctx, "bob", []store.NewWork{{Work: again}}); err != nil {
			t.Fatal(err)
		}
		got, err := a.Get(ctx, w.ID)
		if err != nil || got.Owner != "bob" || got.Generation != 1 {
			t.Fatalf("after delete and create through b, a reads %+v, %v; want bob's new work", got, err)
		}
	})
}

// Replicas sharing a Redis see each other's writes the same way.
func TestReadYourWritesThroughRedis(t *testing.T) {
	url := testenv.RedisURL(t)
	inner := store.New(storagetest.OpenSQLite(t, store.Service, store.Migrations()))
	a, b := cachedstore.New(inner, redisCache(t, url)), cachedstore.New(inner, redisCache(t, url))
	w := newWork(t, a)
	wantTitle(t, b, w.ID, "Cached")
	retitle(t, a, w.ID, "Changed through a")
	wantTitle(t, b, w.ID, "Changed through a")
}

// A Redis that dies mid-run costs latency, not errors: reads and writes
// go on from the store and stay current, and the cache is used again once
// Redis is back.
func TestRedisGoingAway(t *testing.T) {
	srv := testenv.StartRedis(t)
	c := redisCache(t, srv.URL())
	s := cachedstore.New(store.New(storagetest.OpenSQLite(t, store.Service, store.Migrations())), c)
	w := newWork(t, s)
	wantTitle(t, s, w.ID, "Cached")

	srv.Stop()
	for _, title := range []string{"one", "two", "three"} {
		retitle(t, s, w.ID, title)
		wantTitle(t, s, w.ID, title)
	}

	srv.Start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		retitle(t, s, w.ID, "back")
		key := cachedstore.Key(w.ID, mustVersion(t, s, w.ID))
		if _, ok := c.Get(ctx, key); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache was not used again after Redis came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	wantTitle(t, s, w.ID, "back")
}

func mustVersion(t testing.TB, s store.Store, id string) store.Version {
	t.Helper()
	v, err := s.Version(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
