package watch_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/stemma-registry/stemma/services/internal/cache"
	"github.com/stemma-registry/stemma/services/internal/testenv"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/watch"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func event(id string) watch.Event {
	return watch.Event{Type: watch.Created, Time: time.Now().UTC(),
		Derivation: &graph.Derivation{ID: id, Derivative: "b", Source: "a", Relation: graph.Fork}}
}

func receive(t *testing.T, s *watch.Subscription) watch.Event {
	t.Helper()
	select {
	case e, ok := <-s.Events():
		if !ok {
			t.Fatal("subscription closed")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return watch.Event{}
}

func TestLocalFanOut(t *testing.T) {
	h := watch.New(nil, "", nil, quiet)
	a, b := h.Subscribe(), h.Subscribe()
	h.Publish(context.Background(), event("d1"))
	if receive(t, a).Derivation.ID != "d1" || receive(t, b).Derivation.ID != "d1" {
		t.Fatal("an event did not reach every subscriber")
	}
	b.Close()
	h.Publish(context.Background(), event("d2"))
	if receive(t, a).Derivation.ID != "d2" {
		t.Fatal("the remaining subscriber missed d2")
	}
	if _, ok := <-b.Events(); ok {
		t.Fatal("a closed subscription received an event")
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-a.Events(); ok {
		t.Fatal("closing the hub left a subscription open")
	}
	if _, ok := <-h.Subscribe().Events(); ok {
		t.Fatal("a subscription to a closed hub is open")
	}
}

func TestSlowSubscriberIsDropped(t *testing.T) {
	h := watch.New(nil, "", nil, quiet)
	defer h.Close()
	slow, fast := h.Subscribe(), h.Subscribe()
	for i := 0; i <= watch.Buffer; i++ {
		h.Publish(context.Background(), event("d"))
		receive(t, fast)
	}
	n := 0
	for range slow.Events() {
		n++
	}
	if n != watch.Buffer || !slow.Overflowed() || fast.Overflowed() {
		t.Fatalf("slow subscriber got %d events (overflowed %v); want %d and dropped", n, slow.Overflowed(), watch.Buffer)
	}
}

// redisClient connects as the services do (cache.Connect): a URL of
// several hosts is a Cluster.
func redisClient(t *testing.T, url string) redis.UniversalClient {
	t.Helper()
	c, err := cache.Connect(cache.RedisOptions{URL: url, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Two hubs on one Redis channel stand for two replicas: an event
// published on one reaches the subscribers of both, once each; on a
// single Redis and on a Cluster (sharded pub/sub).
func TestAcrossReplicasThroughRedis(t *testing.T) {
	t.Run("single", func(t *testing.T) {
		acrossReplicas(t, testenv.RedisURL(t), testenv.UniquePrefix(t)+"events")
	})
	t.Run("cluster", func(t *testing.T) {
		acrossReplicas(t, testenv.StartRedisCluster(t).URL(), testenv.UniquePrefix(t)+"events")
	})
}

// When the master serving the channel's slot dies, its replica is
// promoted and events between the replicas resume through it.
func TestClusterFailoverKeepsEventsFlowing(t *testing.T) {
	cluster := testenv.StartRedisCluster(t)
	channel := testenv.UniquePrefix(t) + "events"
	one, two, s1, s2 := hubs(t, cluster.URL(), channel)
	cluster.KillMasterOf(channel)
	// Events published before the promotion, or before the subscription
	// has moved to the new master, reach the publisher's watchers only
	// (at most once); publish until the far side hears again.
	start := time.Now()
	heard(t, one, s2, 60*time.Second)
	t.Logf("events crossed replicas again %v after the master was killed", time.Since(start).Round(time.Millisecond))
	drain(s1)
	drain(s2)
	two.Publish(context.Background(), event("after"))
	for _, s := range []*watch.Subscription{s1, s2} {
		if e := receive(t, s); e.Derivation.ID != "after" {
			t.Fatalf("received %+v, want the event published after the failover", e)
		}
	}
}

// hubs returns two hubs on channel, standing for two replicas, and a
// subscription to each, once events published on one reach the other.
func hubs(t *testing.T, url, channel string) (one, two *watch.Hub, s1, s2 *watch.Subscription) {
	t.Helper()
	mac := cache.NewMAC(cache.RandomKey(), nil, quiet)
	one = watch.New(redisClient(t, url), channel, mac, quiet)
	two = watch.New(redisClient(t, url), channel, mac, quiet)
	t.Cleanup(func() { one.Close(); two.Close() })
	s1, s2 = one.Subscribe(), two.Subscribe()
	// Subscribing to Redis is asynchronous: publish until the far side
	// hears.
	heard(t, one, s2, 5*time.Second)
	drain(s1)
	drain(s2)
	return one, two, s1, s2
}

// heard publishes probes on from until to receives one, failing the test
// after within.
func heard(t *testing.T, from *watch.Hub, to *watch.Subscription, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		from.Publish(context.Background(), event("probe"))
		select {
		case <-to.Events():
			return
		case <-time.After(50 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatalf("the second replica did not hear the first within %v", within)
			}
		}
	}
}

func acrossReplicas(t *testing.T, url, channel string) {
	one, _, s1, s2 := hubs(t, url, channel)
	one.Publish(context.Background(), event("d1"))
	for _, s := range []*watch.Subscription{s1, s2} {
		e := receive(t, s)
		if e.Derivation.ID != "d1" || e.Derivation.Relation != graph.Fork || e.Type != watch.Created {
			t.Fatalf("received %+v", e)
		}
	}
	select {
	case e := <-s1.Events():
		t.Fatalf("the publishing replica got the event twice: %+v", e)
	case <-time.After(100 * time.Millisecond):
	}
}

func drain(s *watch.Subscription) {
	for {
		select {
		case <-s.Events():
		case <-time.After(100 * time.Millisecond):
			return
		}
	}
}

// With Redis down, a replica's own watchers still hear its events.
func TestRedisDownDeliversLocally(t *testing.T) {
	srv := testenv.StartRedis(t)
	h := watch.New(redisClient(t, srv.URL()), "events", cache.NewMAC(cache.RandomKey(), nil, quiet), quiet)
	defer h.Close()
	s := h.Subscribe()
	srv.Stop()
	h.Publish(context.Background(), event("d1"))
	if receive(t, s).Derivation.ID != "d1" {
		t.Fatal("the event was lost")
	}
}

// Events another process publishes on the channel without the
// deployment's key (plain JSON, or sealed with another key) never reach
// watchers; they are dropped and counted. A genuine event published after
// them is delivered, and is the first thing the watcher sees.
func TestForgedEventsAreDropped(t *testing.T) {
	url := testenv.RedisURL(t)
	channel := testenv.UniquePrefix(t) + "events"
	reg := prometheus.NewRegistry()
	m := cache.NewMetrics(reg)
	mac := cache.NewMAC(cache.RandomKey(), m, quiet)
	sender := watch.New(redisClient(t, url), channel, mac, quiet)
	receiver := watch.New(redisClient(t, url), channel, mac, quiet)
	defer sender.Close()
	defer receiver.Close()
	s := receiver.Subscribe()
	deadline := time.Now().Add(5 * time.Second)
	for {
		sender.Publish(context.Background(), event("probe"))
		select {
		case <-s.Events():
		case <-time.After(50 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("the receiver never heard the sender")
			}
			continue
		}
		break
	}
	drain(s)

	forger := redisClient(t, url)
	ctx := context.Background()
	plain := []byte(`{"type":1,"derivation":{"ID":"forged-plain","Derivative":"b","Source":"a","Relation":4},"time":"2026-01-01T00:00:00Z"}`)
	other := cache.NewMAC(cache.RandomKey(), nil, nil).Seal(cache.KindEvent, channel, plain)
	for _, payload := range [][]byte{plain, other} {
		if err := forger.Publish(ctx, channel, payload).Err(); err != nil {
			t.Fatal(err)
		}
	}
	sender.Publish(ctx, event("genuine"))
	if e := receive(t, s); e.Derivation.ID != "genuine" {
		t.Fatalf("first event delivered: %s; want the genuine one", e.Derivation.ID)
	}
	select {
	case e := <-s.Events():
		t.Fatalf("another event was delivered: %+v", e.Derivation)
	case <-time.After(200 * time.Millisecond):
	}
	// Both hubs heard the two forgeries.
	if n := testutil.ToFloat64(m.Unauthenticated(cache.KindEvent)); n != 4 {
		t.Errorf("stemma_redis_unauthenticated_total{kind=event} = %v; want 4 (two forgeries, two hubs)", n)
	}
}
