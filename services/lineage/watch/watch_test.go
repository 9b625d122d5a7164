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

func redisClient(t *testing.T, url string) redis.UniversalClient {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// Two hubs on one Redis channel stand for two replicas: an event
// published on one reaches the subscribers of both, once each.
func TestAcrossReplicasThroughRedis(t *testing.T) {
	url := testenv.RedisURL(t)
	channel := testenv.UniquePrefix(t) + "events"
	mac := cache.NewMAC(cache.RandomKey(), nil, quiet)
	one := watch.New(redisClient(t, url), channel, mac, quiet)
	two := watch.New(redisClient(t, url), channel, mac, quiet)
	defer one.Close()
	defer two.Close()
	s1, s2 := one.Subscribe(), two.Subscribe()
	// Subscribing to Redis is asynchronous: publish until the far side
	// hears.
	deadline := time.Now().Add(5 * time.Second)
	for {
		one.Publish(context.Background(), event("probe"))
		select {
		case <-s2.Events():
		case <-time.After(50 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("the second replica never heard the first")
			}
			continue
		}
		break
	}
	drain(s1)
	drain(s2)
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
