// Package watch carries derivation events to the watchers of every replica
// of the lineage service: a hub in each process fans events out to its
// local subscribers, and, when Redis is configured, events go through one
// Redis pub/sub channel (sharded pub/sub on a Cluster) so that a
// derivation recorded on one replica reaches watchers connected to any
// other.
//
// Delivery is at most once: an event published while Redis is down, or
// while a replica's subscription reconnects, reaches only the watchers of
// the replica that recorded it. Watchers that must not miss anything page
// through ListDerivations after they (re)connect.
//
// Events on the channel are authenticated (cache.MAC): whoever else can
// publish on the Redis instance cannot make watchers see a derivation that
// was never recorded; an event that does not verify is dropped, counted
// and logged.
package watch

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stemma-registry/stemma/services/internal/cache"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// Type is the kind of an event.
type Type int

// The event types; the values match
// stemma.lineage.v1.WatchDerivationsResponse.Type.
const (
	Created Type = iota + 1
	Deleted
)

// Event is one derivation recorded or deleted.
type Event struct {
	Type       Type              `json:"type"`
	Derivation *graph.Derivation `json:"derivation"`
	Time       time.Time         `json:"time"`
}

// Buffer is how many events a subscriber may fall behind before it is
// dropped: a watcher that cannot keep up must not hold memory without
// bound, nor slow the others.
const Buffer = 256

// Hub fans events out to subscribers.
type Hub struct {
	log     *slog.Logger
	client  redis.UniversalClient // nil: this process only
	channel string
	mac     *cache.MAC
	pubsub  *redis.PubSub

	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
	done   chan struct{}
	// stopFollowing ends followSlots.
	stopFollowing chan struct{}
}

// New returns a hub. With a Redis client, events travel through the
// channel of that name, shared by every replica, sealed and opened with
// mac; without one they stay in this process. A client without a MAC is
// not used: unauthenticated events are what the MAC exists to refuse.
func New(client redis.UniversalClient, channel string, mac *cache.MAC, log *slog.Logger) *Hub {
	if client != nil && mac == nil {
		log.Error("watch: Redis pub/sub without a MAC; events stay in this process")
		client = nil
	}
	h := &Hub{log: log, client: client, channel: channel, mac: mac, subs: map[*Subscription]struct{}{}, done: make(chan struct{}), stopFollowing: make(chan struct{})}
	if client == nil {
		close(h.done)
		return h
	}
	// Subscribe does not wait for Redis: a Redis that is down now is
	// reconnected to when it is back.
	if h.sharded() {
		h.pubsub = client.SSubscribe(context.Background(), channel)
		go h.followSlots()
	} else {
		h.pubsub = client.Subscribe(context.Background(), channel)
	}
	go h.receive()
	return h
}

// sharded reports whether events go through Redis 7's sharded pub/sub
// (SPUBLISH, SSUBSCRIBE): on a Cluster. A plain PUBLISH there is copied
// over the cluster bus to every node, whoever listens; a sharded one goes
// to the master serving the channel's slot and its replicas only, and
// go-redis subscribes to that master, following the slot to the replica
// promoted in its place. A single Redis keeps plain pub/sub, which every
// version has.
func (h *Hub) sharded() bool {
	_, ok := h.client.(*redis.ClusterClient)
	return ok
}

// followSlots has the Cluster client read the cluster's slots every
// second until the hub closes. A subscription whose master died
// reconnects to the master its client believes serves the channel's slot,
// and go-redis, which refreshes that belief when a command meets an error
// or MOVED, was seen keeping the dead master for a minute on a client that
// only subscribes (TestClusterFailoverKeepsEventsFlowing). One CLUSTER
// SLOTS a second per process is little.
func (h *Hub) followSlots() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-h.stopFollowing:
			return
		case <-t.C:
			cache.RefreshCluster(h.client)
		}
	}
}

func (h *Hub) receive() {
	defer close(h.done)
	for msg := range h.pubsub.Channel() {
		payload, ok := h.mac.Open(cache.KindEvent, h.channel, []byte(msg.Payload))
		if !ok {
			continue // counted and logged by Open
		}
		var e Event
		if err := json.Unmarshal(payload, &e); err != nil || e.Derivation == nil {
			h.log.Warn("watch: undecodable event on the Redis channel; dropped", "channel", h.channel, "err", err)
			continue
		}
		h.deliver(e)
	}
}

// Publish sends an event to every watcher. Through Redis when there is
// one, the event comes back to this replica's watchers from the channel
// like any other; if Redis fails, it is delivered here only, and logged.
func (h *Hub) Publish(ctx context.Context, e Event) {
	if h.client == nil {
		h.deliver(e)
		return
	}
	payload, err := json.Marshal(e)
	if err == nil {
		sealed := h.mac.Seal(cache.KindEvent, h.channel, payload)
		if h.sharded() {
			err = h.client.SPublish(ctx, h.channel, sealed).Err()
		} else {
			err = h.client.Publish(ctx, h.channel, sealed).Err()
		}
	}
	if err != nil {
		// The channel's master may have failed over; the subscription
		// follows the slot once the client has read the new layout.
		cache.RefreshCluster(h.client)
		h.log.Warn("watch: Redis publish failed; event delivered to this replica's watchers only", "err", err)
		h.deliver(e)
	}
}

func (h *Hub) deliver(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.c <- e:
		default:
			s.overflowed = true
			h.drop(s)
		}
	}
}

// drop removes a subscriber; h.mu is held.
func (h *Hub) drop(s *Subscription) {
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.c)
	}
}

// Subscription receives every event published after it was made.
type Subscription struct {
	hub        *Hub
	c          chan Event
	overflowed bool // set under hub.mu before c is closed
}

// Subscribe returns a new subscription. On a closed hub its channel is
// closed at once.
func (h *Hub) Subscribe() *Subscription {
	s := &Subscription{hub: h, c: make(chan Event, Buffer)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(s.c)
		return s
	}
	h.subs[s] = struct{}{}
	return s
}

// Events returns the channel of events. It is closed when the
// subscriber fell too far behind (see Overflowed) or the hub closed.
func (s *Subscription) Events() <-chan Event { return s.c }

// Overflowed reports whether the subscription was dropped for falling
// behind. Call it once Events is closed.
func (s *Subscription) Overflowed() bool {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.overflowed
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.drop(s)
}

// Close ends every subscription and leaves the Redis channel.
func (h *Hub) Close() error {
	h.mu.Lock()
	again := h.closed
	h.closed = true
	for s := range h.subs {
		h.drop(s)
	}
	h.mu.Unlock()
	if h.pubsub == nil || again {
		return nil
	}
	close(h.stopFollowing)
	err := h.pubsub.Close()
	<-h.done
	return err
}
