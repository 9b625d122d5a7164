package lineageservice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
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
	Log      *slog.Logger
}

// NewHolder names a replica in the lease: its host and a random part,
// so that a replica restarted on the same host is another holder.
func NewHolder() string {
	host, _ := os.Hostname()
	return host + "/" + newID()
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
	held, err := d.Store.AcquireLease(ctx, leaseName, d.Holder, d.LeaseTTL)
	if err != nil || !held {
		return err
	}
	return errors.Join(d.relay(ctx), d.deliver(ctx))
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
		if _, err := d.Store.Relay(ctx, store.SourceCatalog, es, cursor); err != nil {
			return err
		}
	}
}

// deliverPage bounds the events one subscription is sent per round.
const deliverPage = 64

func (d *Dispatcher) deliver(ctx context.Context) error {
	subs, err := d.Store.WebhookSubscriptions(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, sub := range subs {
		if time.Now().Before(sub.NextAttempt) {
			continue
		}
		errs = append(errs, d.deliverTo(ctx, sub))
	}
	return errors.Join(errs...)
}

// deliverTo sends a subscription's next events, in order, until one fails
// (to be retried after a backoff) or none is left. A failure that is the
// last allowed dead-letters the event and moves on.
func (d *Dispatcher) deliverTo(ctx context.Context, sub *events.Subscription) error {
	es, f, err := eventPage(ctx, d.Store, d.MaxDepth, sub.Cursor, deliverPage, sub.Work, sub.Scope, sub.Kinds)
	if err != nil || len(es) == 0 {
		return err
	}
	handled := sub.Cursor
	for _, e := range es {
		if !f.Match(e) {
			handled = e.Seq
			continue
		}
		code, err := d.post(ctx, sub, e)
		now := time.Now().UTC()
		del := &events.Delivery{EventID: e.ID, EventSeq: e.Seq, Attempt: sub.Failures + 1, State: events.Delivered, HTTPStatus: code, Time: now}
		if err != nil {
			del.Error = err.Error()
			if del.Attempt < d.MaxAttempts {
				del.State = events.Failed
				wait := d.Backoff << min(del.Attempt-1, 16)
				return d.Store.RecordDelivery(ctx, sub.ID, del, handled, del.Attempt, now.Add(wait))
			}
			del.State = events.DeadLettered
			d.Log.Warn("events: webhook dead-lettered an event", "subscription", sub.ID, "event", e.ID, "attempts", del.Attempt, "err", err)
		}
		// Delivered or dead-lettered: the event is handled either way.
		handled, sub.Failures = e.Seq, 0
		if err := d.Store.RecordDelivery(ctx, sub.ID, del, handled, 0, time.Time{}); err != nil {
			return err
		}
	}
	if handled != sub.Cursor {
		return d.Store.RecordDelivery(ctx, sub.ID, nil, handled, 0, time.Time{})
	}
	return nil
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
