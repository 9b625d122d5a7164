package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/lineage/events"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// EventStore is what the event suite writes through: graph writes and
// curation reviews both log events.
type EventStore interface {
	store.Store
	store.Curations
}

// RunEvents runs the event log's part of the suite.
func RunEvents(t *testing.T, open func(t testing.TB) EventStore) {
	t.Run("GraphWritesLogEvents", func(t *testing.T) { testGraphEvents(t, open(t)) })
	t.Run("RelayIsIdempotent", func(t *testing.T) { testRelay(t, open(t)) })
	t.Run("Leases", func(t *testing.T) { testLeases(t, open(t)) })
	t.Run("ConcurrentWritesNumberWithoutGaps", func(t *testing.T) { testConcurrentEvents(t, open(t)) })
	t.Run("SubscriptionsAndDeliveries", func(t *testing.T) { testSubscriptions(t, open(t)) })
}

func logged(t *testing.T, s store.Events, after int64) []*events.Event {
	t.Helper()
	es, err := s.Events(context.Background(), after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// Each graph write and curation acceptance logs one event in its
// transaction; a refused write logs none.
func testGraphEvents(t *testing.T, s EventStore) {
	ctx := context.Background()
	d := mustCreate(t, s, edge("d1", "b", "a", graph.Adaptation))
	if _, _, err := s.Create(ctx, edge("d2", "a", "b", graph.Adaptation), store.Request{}); err == nil {
		t.Fatal("a cycle was recorded")
	}
	if _, err := s.CreateMany(ctx, []*graph.Derivation{edge("d1again", "b", "a", graph.Adaptation), edge("d3", "c", "b", graph.Fork)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, d.ID, ""); err != nil {
		t.Fatal(err)
	}
	c := &store.Curation{ID: "cur", Work: "works/c", Licence: "MIT", Proposer: "alice", CreateTime: at}
	if err := s.CreateCuration(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReviewCuration(ctx, "cur", store.CurationProposed, store.CurationEvent{State: store.CurationAccepted, Actor: "root", Time: at}); err != nil {
		t.Fatal(err)
	}
	es := logged(t, s, 0)
	want := []struct {
		kind  events.Kind
		works []string
	}{
		{events.DerivationCreated, []string{"b", "a"}},
		{events.DerivationCreated, []string{"c", "b"}},
		{events.DerivationDeleted, []string{"b", "a"}},
		{events.CurationAccepted, []string{"c"}},
	}
	if len(es) != len(want) {
		t.Fatalf("%d events logged; want %d: %+v", len(es), len(want), es)
	}
	ids := map[string]bool{}
	for i, w := range want {
		e := es[i]
		if e.Seq != int64(i+1) || e.Kind != w.kind || fmt.Sprint(e.Works()) != fmt.Sprint(w.works) || e.ID == "" || ids[e.ID] || e.Time.IsZero() {
			t.Errorf("event %d = %+v (works %v); want sequence %d, %v about %v", i, e, e.Works(), i+1, w.kind, w.works)
		}
		ids[e.ID] = true
	}
	if es[3].Curation.Name != "curations/cur" || es[3].Curation.Licence != "MIT" {
		t.Errorf("curation event %+v", es[3].Curation)
	}
	if rest := logged(t, s, 2); len(rest) != 2 || rest[0].Seq != 3 {
		t.Errorf("events after 2: %+v", rest)
	}
}

// The relay appends each outbox event once, by id, and moves its cursor in
// the same transaction.
func testRelay(t *testing.T, s store.Events) {
	ctx := context.Background()
	change := func(id string) *events.Event {
		return &events.Event{ID: id, Kind: events.LicenceChanged, Time: at,
			Licence: &events.LicenceChange{Work: "terraform", Licence: "BUSL-1.1", PreviousLicence: "MPL-2.0", EffectiveTime: at, Actor: "hashicorp"}}
	}
	if n, err := s.Relay(ctx, store.SourceCatalog, []*events.Event{change("e1"), change("e2")}, 2); err != nil || n != 2 {
		t.Fatalf("Relay = %d, %v", n, err)
	}
	// A relay that read the same rows again, as after a crash before it
	// could tell, adds only the new one.
	if n, err := s.Relay(ctx, store.SourceCatalog, []*events.Event{change("e2"), change("e3")}, 3); err != nil || n != 1 {
		t.Fatalf("Relay again = %d, %v", n, err)
	}
	// A stale relay (a replica that lost the lease) does not move the
	// cursor back.
	if _, err := s.Relay(ctx, store.SourceCatalog, nil, 1); err != nil {
		t.Fatal(err)
	}
	if p, err := s.RelayCursor(ctx, store.SourceCatalog); err != nil || p != 3 {
		t.Fatalf("RelayCursor = %d, %v; want 3", p, err)
	}
	es := logged(t, s, 0)
	if len(es) != 3 || es[0].ID != "e1" || es[2].ID != "e3" || es[2].Seq != 3 || es[0].Licence.Licence != "BUSL-1.1" ||
		!es[0].Licence.EffectiveTime.Equal(at) {
		t.Fatalf("relayed %+v", es)
	}
}

func testLeases(t *testing.T, s store.Events) {
	ctx := context.Background()
	take := func(holder string, ttl time.Duration, want bool) {
		t.Helper()
		if got, err := s.AcquireLease(ctx, "relay", holder, ttl); err != nil || got != want {
			t.Fatalf("AcquireLease(%s) = %v, %v; want %v", holder, got, err, want)
		}
	}
	take("a", time.Minute, true)
	take("b", time.Minute, false)
	take("a", 50*time.Millisecond, true)
	take("b", time.Minute, false)
	time.Sleep(60 * time.Millisecond)
	take("b", time.Minute, true)
	take("a", time.Minute, false)
	if got, err := s.AcquireLease(ctx, "deliver", "a", time.Minute); err != nil || !got {
		t.Fatalf("another lease: %v, %v", got, err)
	}
}

// Concurrent graph writes and relays number their events 1..n, each once.
func testConcurrentEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, _, err := s.Create(ctx, edge(fmt.Sprintf("d%d", i), fmt.Sprintf("x%d", i), "root", graph.Fork), store.Request{})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := s.Relay(ctx, store.SourceCatalog, []*events.Event{{ID: fmt.Sprintf("r%d", i), Kind: events.LicenceChanged, Time: at,
				Licence: &events.LicenceChange{Work: "root"}}}, int64(i+1))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	es := logged(t, s, 0)
	seen := map[string]bool{}
	for i, e := range es {
		if e.Seq != int64(i+1) || seen[e.ID] {
			t.Fatalf("event %d: %+v", i, e)
		}
		seen[e.ID] = true
	}
	if len(es) != 2*n {
		t.Fatalf("%d events; want %d", len(es), 2*n)
	}
}

// Subscriptions are kept by id and owner; a delivery is logged with the
// webhook progress it leaves, in one transaction; a delete takes the log.
func testSubscriptions(t *testing.T, s store.Store) {
	ctx := context.Background()
	mk := func(id, owner, hook string) *events.Subscription {
		return &events.Subscription{ID: id, Owner: owner, Work: "opentofu", Scope: events.ScopeAncestors,
			Kinds: events.MaskOf([]events.Kind{events.LicenceChanged}), WebhookURL: hook, Secret: "s3cret-" + id, CreateTime: at, Cursor: 7}
	}
	for _, sub := range []*events.Subscription{mk("b", "bob", "http://127.0.0.1:1/h"), mk("a", "alice", ""), mk("c", "bob", "")} {
		if err := s.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	wantKind(t, "duplicate", s.CreateSubscription(ctx, mk("a", "bob", "")), apierr.AlreadyExists, "")
	got, err := s.GetSubscription(ctx, "b")
	if err != nil || got.Owner != "bob" || got.Scope != events.ScopeAncestors || !got.Kinds.Has(events.LicenceChanged) || got.Kinds.Has(events.DerivationCreated) ||
		got.Secret != "s3cret-b" || got.Cursor != 7 || !got.CreateTime.Equal(at.Truncate(time.Microsecond)) {
		t.Fatalf("GetSubscription = %+v, %v", got, err)
	}
	_, err = s.GetSubscription(ctx, "nope")
	wantKind(t, "missing", err, apierr.NotFound, "")
	ids := func(subs []*events.Subscription, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, sub := range subs {
			out = append(out, sub.ID)
		}
		return fmt.Sprint(out)
	}
	if got := ids(s.ListSubscriptions(ctx, "bob", "", 10)); got != "[b c]" {
		t.Errorf("bob's: %s", got)
	}
	if got := ids(s.ListSubscriptions(ctx, "", "a", 1)); got != "[b]" {
		t.Errorf("all after a, one: %s", got)
	}
	if got := ids(s.WebhookSubscriptions(ctx)); got != "[b]" {
		t.Errorf("with webhooks: %s", got)
	}
	next := at.Add(time.Minute)
	if err := s.RecordDeliveries(ctx, []store.Progress{{Subscription: "b",
		Delivery: &events.Delivery{EventID: "e8", EventSeq: 8, Attempt: 1, State: events.Failed, HTTPStatus: 500, Error: "boom", Time: at},
		Cursor:   7, Failures: 1, NextAttempt: next}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetSubscription(ctx, "b"); got.Cursor != 7 || got.Failures != 1 || !got.NextAttempt.Equal(next.Truncate(time.Microsecond)) {
		t.Errorf("progress after a failure %+v", got)
	}
	if err := s.RecordDeliveries(ctx, []store.Progress{{Subscription: "b",
		Delivery: &events.Delivery{EventID: "e8", EventSeq: 8, Attempt: 2, State: events.Delivered, HTTPStatus: 200, Time: next}, Cursor: 8}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AdvanceCursors(ctx, map[string]int64{"b": 11, "c": 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.AdvanceCursors(ctx, map[string]int64{"b": 10}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetSubscription(ctx, "b")
	if got.Cursor != 11 || got.Failures != 0 {
		t.Errorf("progress %+v", got)
	}
	if got, _ = s.GetSubscription(ctx, "c"); got.Cursor != 7 {
		t.Errorf("a cursor moved back to %d; want it left at 7", got.Cursor)
	}
	ds, err := s.Deliveries(ctx, "b", 0, 10)
	if err != nil || len(ds) != 2 || ds[0].State != events.Failed || ds[0].HTTPStatus != 500 || ds[0].Error != "boom" || ds[1].State != events.Delivered || ds[1].Attempt != 2 {
		t.Fatalf("Deliveries = %+v, %v", ds, err)
	}
	if rest, err := s.Deliveries(ctx, "b", ds[0].Seq, 10); err != nil || len(rest) != 1 || rest[0].Seq != ds[1].Seq {
		t.Fatalf("Deliveries after the first = %+v, %v", rest, err)
	}
	if err := s.DeleteSubscription(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "delete again", s.DeleteSubscription(ctx, "b"), apierr.NotFound, "")
	if ds, err := s.Deliveries(ctx, "b", 0, 10); err != nil || len(ds) != 0 {
		t.Errorf("the log outlived its subscription: %+v, %v", ds, err)
	}
}
