package lineageservice

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/names"
	"github.com/stemma-registry/stemma/services/lineage/events"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// Dispatcher runs the event log's background work on the replica that
// holds the lease: it relays the catalog's outbox into the log, and
// delivers events to webhooks. Every lineage replica runs one; the lease
// (a store row with an expiry) makes one of them do the work, and another
// takes over within a lease term when it dies.
type Dispatcher struct {
	Store   store.Store
	Catalog catalogv1.CatalogEventServiceClient
	// Holder names this replica in the lease.
	Holder string
	// Allow is checked again at each delivery: a subscription made under
	// a wider list is not called once the list no longer allows it.
	Allow  events.AllowList
	Client *http.Client
	// Interval is the pause between rounds, LeaseTTL the lease's term.
	Interval time.Duration
	LeaseTTL time.Duration
	// MaxAttempts is how many failed attempts dead-letter an event;
	// Backoff is the pause after the first, doubled after each.
	MaxAttempts int
	Backoff     time.Duration
	// MaxDepth bounds the scope walks as --max-depth bounds requests'.
	MaxDepth int
	// Appended, when set, is called after the relay appends to the log:
	// this replica's watchers read it at once rather than at their poll.
	Appended func()
	Log      *slog.Logger

	// Whether the replica held the lease when it last asked, and when to
	// ask again.
	held      bool
	nextLease time.Time
}

// NewHolder names a replica in the lease: its host and a random part,
// so that a replica restarted on the same host is another holder.
func NewHolder() string {
	host, _ := os.Hostname()
	return host + "/" + names.NewID()
}

// leaseName is the lease the dispatcher's work is done under.
const leaseName = "events"

// Run works until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	t := time.NewTicker(d.Interval)
	defer t.Stop()
	for {
		if err := d.Round(ctx); err != nil && ctx.Err() == nil {
			d.Log.Warn("events: dispatch round failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Round does one round of work if this replica holds the lease.
func (d *Dispatcher) Round(ctx context.Context) error {
	held, err := d.holds(ctx)
	if err != nil || !held {
		return err
	}
	return errors.Join(d.relay(ctx), d.deliver(ctx))
}

// holds reports whether this replica holds the lease. Rounds are short
// (Interval) so that a change reaches its webhooks soon; the lease, a
// store write, is taken or renewed only every tenth of its term, which
// leaves the holder nine tenths of a term to renew it, and a replica
// waiting for it takes it at most a tenth of a term after it expires.
func (d *Dispatcher) holds(ctx context.Context) (bool, error) {
	now := time.Now()
	if now.Before(d.nextLease) {
		return d.held, nil
	}
	held, err := d.Store.AcquireLease(ctx, leaseName, d.Holder, d.LeaseTTL)
	if err != nil {
		d.held = false
		return false, err
	}
	d.held, d.nextLease = held, now.Add(d.LeaseTTL/10)
	return held, nil
}

// relayPage is how many outbox events one relay call reads.
const relayPage = 256

// relay copies the catalog's outbox into the log until it is caught up.
func (d *Dispatcher) relay(ctx context.Context) error {
	for {
		cursor, err := d.Store.RelayCursor(ctx, store.SourceCatalog)
		if err != nil {
			return err
		}
		resp, err := d.Catalog.ListLicenceEvents(ctx, &catalogv1.ListLicenceEventsRequest{AfterSequence: cursor, PageSize: relayPage})
		if err != nil {
			return fmt.Errorf("read the catalog's outbox: %w", err)
		}
		if len(resp.GetEvents()) == 0 {
			return nil
		}
		es := make([]*events.Event, 0, len(resp.GetEvents()))
		for _, le := range resp.GetEvents() {
			work, err := names.Parse("work", le.GetWork(), "works")
			if err != nil {
				return fmt.Errorf("outbox event %s: %w", le.GetId(), err)
			}
			c := le.GetChange()
			es = append(es, &events.Event{ID: le.GetId(), Kind: events.LicenceChanged, Time: c.GetRecordTime().AsTime(),
				Licence: &events.LicenceChange{Work: work, Licence: c.GetLicence(), PreviousLicence: c.GetPreviousLicence(),
					EffectiveTime: c.GetEffectiveTime().AsTime(), Actor: c.GetActor(), Note: c.GetNote()}})
			cursor = le.GetSequence()
		}
		added, err := d.Store.Relay(ctx, store.SourceCatalog, es, cursor)
		if err != nil {
			return err
		}
		if added > 0 && d.Appended != nil {
			d.Appended()
		}
	}
}

// deliverPage is how many events of the log one read of a round takes;
// deliverParallel bounds the webhooks sent at once. Each subscription's
// events go in order, different subscriptions' side by side, so that
// one slow receiver does not hold the others back.
const (
	deliverPage     = 64
	deliverParallel = 16
)

// deliver sends the due webhooks their next events. It reads the log one
// page at a time for all of them, from the cursor furthest behind, and
// resolves each scope's works once per page (see matcher), rather than
// reading and walking once per subscription.
func (d *Dispatcher) deliver(ctx context.Context) error {
	subs, err := d.Store.WebhookSubscriptions(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	due := slices.DeleteFunc(subs, func(s *events.Subscription) bool { return now.Before(s.NextAttempt) })
	for len(due) > 0 {
		from := slices.MinFunc(due, func(a, b *events.Subscription) int { return cmp.Compare(a.Cursor, b.Cursor) }).Cursor
		pctx := pageContext(ctx)
		es, err := d.Store.Events(pctx, from, deliverPage)
		if err != nil || len(es) == 0 {
			return err
		}
		m, err := newMatcher(pctx, d.Store, d.MaxDepth, due, es)
		if err != nil {
			return err
		}
		last := es[len(es)-1].Seq
		var (
			wg       sync.WaitGroup
			sem      = make(chan struct{}, deliverParallel)
			mu       sync.Mutex
			progress []store.Progress
			passed   = map[string]int64{} // subscriptions whose cursor moves past the page
		)
		for _, sub := range due {
			var mine []*events.Event
			for _, e := range es {
				if e.Seq > sub.Cursor && m.match(sub, e) {
					mine = append(mine, e)
				}
			}
			if len(mine) == 0 {
				if sub.Cursor < last {
					passed[sub.ID], sub.Cursor = last, last
				}
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				ps, ok := d.deliverTo(ctx, sub, mine)
				mu.Lock()
				defer mu.Unlock()
				progress = append(progress, ps...)
				if ok && sub.Cursor < last {
					passed[sub.ID], sub.Cursor = last, last
				}
			}()
		}
		wg.Wait()
		// The attempts first: a cursor moved past the page before its
		// deliveries are logged could skip an event that failed.
		if err := d.Store.RecordDeliveries(ctx, progress); err != nil {
			return err
		}
		if err := d.Store.AdvanceCursors(ctx, passed); err != nil || len(es) < deliverPage {
			return err
		}
		// A full page: the log may hold more for the subscriptions still
		// due and behind it.
		due = slices.DeleteFunc(due, func(s *events.Subscription) bool { return now.Before(s.NextAttempt) || s.Cursor >= last })
	}
	return nil
}

// deliverTo sends a subscription the events it follows, in order, until
// one fails (to be retried after a backoff: it reports false) or none is
// left, and returns the attempts for the caller to log. A failure that is
// the last allowed dead-letters the event and moves on.
func (d *Dispatcher) deliverTo(ctx context.Context, sub *events.Subscription, es []*events.Event) ([]store.Progress, bool) {
	var out []store.Progress
	for _, e := range es {
		code, err := d.post(ctx, sub, e)
		now := time.Now().UTC()
		del := &events.Delivery{EventID: e.ID, EventSeq: e.Seq, Attempt: sub.Failures + 1, State: events.Delivered, HTTPStatus: code, Time: now}
		if err != nil {
			del.Error = err.Error()
			if del.Attempt < d.MaxAttempts {
				del.State = events.Failed
				// Every event before this one is handled: the page held
				// them all, and the subscription follows none of them
				// but those sent already.
				sub.Cursor, sub.Failures, sub.NextAttempt = e.Seq-1, del.Attempt, now.Add(d.Backoff<<min(del.Attempt-1, 16))
				return append(out, store.Progress{Subscription: sub.ID, Delivery: del, Cursor: sub.Cursor, Failures: sub.Failures, NextAttempt: sub.NextAttempt}), false
			}
			del.State = events.DeadLettered
			d.Log.Warn("events: webhook dead-lettered an event", "subscription", sub.ID, "event", e.ID, "attempts", del.Attempt, "err", err)
		}
		// Delivered or dead-lettered: the event is handled either way.
		sub.Cursor, sub.Failures = e.Seq, 0
		out = append(out, store.Progress{Subscription: sub.ID, Delivery: del, Cursor: sub.Cursor})
	}
	return out, true
}

// matcher tells which subscriptions follow which events of a page. A
// scope beyond the target is resolved by walks of the graph as it now is,
// from whichever side has fewer works: from each target (its ancestors
// or descendants, once for every subscription to it) or from each work
// of the page's events (the other way: the works whose ancestors, or
// descendants, hold it). A relicensing of a work with 10,000 descendants
// followed by a thousand of them costs one walk, not a thousand.
type matcher struct {
	// near[scope][w] is the set walked from w; fromTarget[scope] says
	// whether w is a target or an event's work.
	near       map[events.Scope]map[string]map[string]bool
	fromTarget map[events.Scope]bool
}

func newMatcher(ctx context.Context, st store.Store, maxDepth int, subs []*events.Subscription, es []*events.Event) (*matcher, error) {
	m := &matcher{near: map[events.Scope]map[string]map[string]bool{}, fromTarget: map[events.Scope]bool{}}
	for _, scope := range []events.Scope{events.ScopeAncestors, events.ScopeDescendants} {
		targets, works := map[string]bool{}, map[string]bool{}
		for _, sub := range subs {
			if sub.Scope == scope {
				targets[sub.Work] = true
			}
		}
		if len(targets) == 0 {
			continue
		}
		for _, e := range es {
			for _, w := range e.Works() {
				works[w] = true
			}
		}
		from, dir := works, scope.Direction().Reverse()
		if m.fromTarget[scope] = len(targets) <= len(works); m.fromTarget[scope] {
			from, dir = targets, scope.Direction()
		}
		m.near[scope] = map[string]map[string]bool{}
		for w := range from {
			set, err := reach(ctx, st, maxDepth, w, dir)
			if err != nil {
				return nil, err
			}
			m.near[scope][w] = set
		}
	}
	return m, nil
}

func (m *matcher) match(sub *events.Subscription, e *events.Event) bool {
	if !sub.Kinds.Has(e.Kind) {
		return false
	}
	works := e.Works()
	if sub.Scope == events.ScopeWork {
		return slices.Contains(works, sub.Work)
	}
	if m.fromTarget[sub.Scope] {
		near := m.near[sub.Scope][sub.Work]
		return slices.ContainsFunc(works, func(w string) bool { return near[w] })
	}
	return slices.ContainsFunc(works, func(w string) bool { return m.near[sub.Scope][w][sub.Work] })
}

// post sends one event; an error for anything but a 2xx answer.
func (d *Dispatcher) post(ctx context.Context, sub *events.Subscription, e *events.Event) (int, error) {
	if err := d.Allow.Check(sub.WebhookURL); err != nil {
		return 0, err
	}
	body, err := protojson.Marshal(toEvent(e))
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stemma-Event-Id", e.ID)
	req.Header.Set(events.SignatureHeader, events.Sign(sub.Secret, time.Now(), body))
	resp, err := d.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// WebhookClient is the HTTP client webhooks are sent with: bounded in time,
// and following no redirect, which could lead off the allow-list.
func WebhookClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
