package ratelimit

import (
	"context"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/cache"
	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// Two limiters sharing a Redis stand for two replicas: a principal's
// burst is spent across both, not once on each; on a single Redis and on
// a Cluster. A Redis that goes away leaves each replica limiting alone.
func TestSharedAcrossReplicas(t *testing.T) {
	t.Run("single", func(t *testing.T) { sharedAcross(t, testenv.RedisURL(t)) })
	t.Run("cluster", func(t *testing.T) { sharedAcross(t, testenv.StartRedisCluster(t).URL()) })
}

func sharedAcross(t *testing.T, url string) {
	prefix := testenv.UniquePrefix(t)
	var replicas []*Limiter
	for range 2 {
		client, err := cache.Connect(cache.RedisOptions{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		l := New(0.01, 4, 0, 1)
		l.Share(client, prefix)
		replicas = append(replicas, l)
	}
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Name: "alice"})
	const method = "/stemma.catalog.v1.CatalogService/GetWork"
	for i := range 4 {
		if err := replicas[i%2].Limit(ctx, method, nil); err != nil {
			t.Fatalf("call %d of a burst of 4, alternating replicas: %v", i+1, err)
		}
	}
	for i, l := range replicas {
		if err := l.Limit(ctx, method, nil); err == nil {
			t.Errorf("replica %d let a fifth call through: the burst was not shared", i+1)
		}
	}
	bob := auth.WithPrincipal(context.Background(), auth.Principal{Name: "bob"})
	if err := replicas[0].Limit(bob, method, nil); err != nil {
		t.Errorf("another principal was refused: %v", err)
	}
}

// With its Redis gone, a replica limits on its own buckets: a burst is
// still a burst, and no call is refused for Redis's sake.
func TestSharedFallsBackToLocalBuckets(t *testing.T) {
	srv := testenv.StartRedis(t)
	client, err := cache.Connect(cache.RedisOptions{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	srv.Stop()
	l := New(0.01, 2, 0, 1)
	l.Share(client, testenv.UniquePrefix(t))
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Name: "alice"})
	const method = "/stemma.catalog.v1.CatalogService/GetWork"
	for i := range 2 {
		if err := l.Limit(ctx, method, nil); err != nil {
			t.Fatalf("call %d of a burst of 2 with Redis down: %v", i+1, err)
		}
	}
	if err := l.Limit(ctx, method, nil); err == nil {
		t.Error("a third call passed: with Redis down the local bucket must hold")
	}
}
