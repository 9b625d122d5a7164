package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/lineage/events"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// Events keeps the event log, the relay's cursors and the leases that
// elect the replica which relays and delivers (docs/events.md).
type Events interface {
	// Events returns the log's events after the sequence after, oldest
	// first, at most limit.
	Events(ctx context.Context, after int64, limit int) ([]*events.Event, error)
	// EventHead returns the sequence of the log's last event (0 if none).
	EventHead(ctx context.Context) (int64, error)
	// RelayCursor returns how far the log has taken the outbox of source.
	RelayCursor(ctx context.Context, source string) (int64, error)
	// Relay appends the events of source's outbox that the log lacks (by
	// id), and moves source's cursor to position, in one transaction; it
	// returns how many were new.
	Relay(ctx context.Context, source string, es []*events.Event, position int64) (int, error)
	// AcquireLease takes or renews the lease name for holder until ttl
	// from now, unless another holder's lease has yet to expire; it
	// reports whether holder holds it.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// The sources the relay reads.
const SourceCatalog = "catalog"

// NewEventID returns a new event id.
func NewEventID() string { return uuid.NewString() }

// eventBody is an event's stored form, beside its columns.
type eventBody struct {
	Licence    *events.LicenceChange `json:"licence,omitempty"`
	Derivation *graph.Derivation     `json:"derivation,omitempty"`
	Curation   *events.Curation      `json:"curation,omitempty"`
}

// appendEvent adds e to the log in tx unless an event with its id is there
// already, and sets its sequence. The counter update makes concurrent
// appends conflict (SQLite's one writer, PostgreSQL's SERIALIZABLE
// retries), so sequences commit in order, without gaps.
func appendEvent(ctx context.Context, tx *sql.Tx, e *events.Event) (bool, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, `SELECT seq FROM events WHERE id = $1`, e.ID).Scan(&seq)
	if err == nil {
		e.Seq = seq
		return false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	return true, appendNewEvents(ctx, tx, []*events.Event{e})
}

// appendNewEvents adds events whose ids are new (made for this
// transaction) to the log, reserving their sequences in one counter
// update.
func appendNewEvents(ctx context.Context, tx *sql.Tx, es []*events.Event) error {
	if len(es) == 0 {
		return nil
	}
	var last int64
	if err := tx.QueryRowContext(ctx, `UPDATE event_seq SET seq = seq + $1 WHERE id = 1 RETURNING seq`, len(es)).Scan(&last); err != nil {
		return fmt.Errorf("event sequence: %w", err)
	}
	for i, e := range es {
		body, err := json.Marshal(eventBody{Licence: e.Licence, Derivation: e.Derivation, Curation: e.Curation})
		if err != nil {
			return err
		}
		e.Seq = last - int64(len(es)-1-i)
		_, err = tx.ExecContext(ctx, `INSERT INTO events (seq, id, kind, body, create_time) VALUES ($1, $2, $3, $4, $5)`,
			e.Seq, e.ID, int(e.Kind), string(body), storage.Micros(e.Time))
		if err != nil {
			return fmt.Errorf("insert into events: %w", err)
		}
	}
	return nil
}

// derivationEvent is the event of a derivation recorded or deleted.
func derivationEvent(id string, k events.Kind, d *graph.Derivation, at time.Time) *events.Event {
	c := *d
	c.Check = graph.Check{}
	return &events.Event{ID: id, Kind: k, Time: at, Derivation: &c}
}

// Events reads the log. It reads the primary, where the writes are: a
// replica behind it would hold a resuming watcher back, not lose events.
// When it returns events, ctx's consistency tracker is given the
// primary's position, so that the reads that match them to a scope (a
// walk, which may go to a replica) see every edge written before them.
func (s *SQL) Events(ctx context.Context, after int64, limit int) ([]*events.Event, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT seq, id, kind, body, create_time FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`,
		after, max(limit, 1))
	if err != nil {
		return nil, s.db.Classify(err)
	}
	defer rows.Close()
	var out []*events.Event
	for rows.Next() {
		var (
			e    events.Event
			kind int
			body string
			us   int64
			b    eventBody
		)
		if err := rows.Scan(&e.Seq, &e.ID, &kind, &body, &us); err != nil {
			return nil, s.db.Classify(err)
		}
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			return nil, fmt.Errorf("store: event %d: %w", e.Seq, err)
		}
		e.Kind, e.Time = events.Kind(kind), storage.FromMicros(us)
		e.Licence, e.Derivation, e.Curation = b.Licence, b.Derivation, b.Curation
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.db.Classify(err)
	}
	if len(out) > 0 {
		s.db.SeePrimary(ctx)
	}
	return out, nil
}

// EventHead returns the last sequence given.
func (s *SQL) EventHead(ctx context.Context) (int64, error) {
	var seq int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT seq FROM event_seq WHERE id = 1`).Scan(&seq)
	return seq, s.db.Classify(err)
}

// RelayCursor returns the relay's position in source's outbox.
func (s *SQL) RelayCursor(ctx context.Context, source string) (int64, error) {
	var p int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT position FROM relay_cursors WHERE source = $1`, source).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return p, s.db.Classify(err)
}

// Relay appends relayed events and moves the cursor with them: a relay
// that dies between the two leaves neither, and one that reads the same
// outbox rows twice adds them once.
func (s *SQL) Relay(ctx context.Context, source string, es []*events.Event, position int64) (int, error) {
	var added int
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		added = 0
		for _, e := range es {
			ok, err := appendEvent(ctx, tx, e)
			if err != nil {
				return err
			}
			if ok {
				added++
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO relay_cursors (source, position) VALUES ($1, $2)
			ON CONFLICT (source) DO UPDATE SET position = excluded.position WHERE relay_cursors.position < excluded.position`,
			source, position)
		return err
	})
	return added, s.db.Classify(err)
}

// AcquireLease takes the lease in one statement: the row is inserted, or
// updated if its holder is the caller or it has expired; no row returned
// means another holder has it.
func (s *SQL) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := time.Now()
	var got string
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		got = ""
		err := tx.QueryRowContext(ctx, `INSERT INTO leases (name, holder, expire_us) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expire_us = excluded.expire_us
			WHERE leases.holder = excluded.holder OR leases.expire_us < $4
			RETURNING holder`, name, holder, storage.Micros(now.Add(ttl)), storage.Micros(now)).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return false, s.db.Classify(fmt.Errorf("lease %s: %w", name, err))
	}
	return got == holder, nil
}

// Subscriptions keeps subscriptions and their webhooks' delivery log.
type Subscriptions interface {
	// CreateSubscription records s; ALREADY_EXISTS if its id is taken.
	CreateSubscription(ctx context.Context, s *events.Subscription) error
	// GetSubscription returns one, or NOT_FOUND.
	GetSubscription(ctx context.Context, id string) (*events.Subscription, error)
	// ListSubscriptions returns those of owner (every owner's when owner
	// is empty) after the id after, by id, at most limit.
	ListSubscriptions(ctx context.Context, owner, after string, limit int) ([]*events.Subscription, error)
	// DeleteSubscription deletes one and its delivery log, or NOT_FOUND.
	DeleteSubscription(ctx context.Context, id string) error
	// WebhookSubscriptions returns every subscription with a webhook.
	WebhookSubscriptions(ctx context.Context) ([]*events.Subscription, error)
	// RecordDeliveries logs delivery attempts with the webhook progress
	// each leaves, in one transaction, in order.
	RecordDeliveries(ctx context.Context, ps []Progress) error
	// AdvanceCursors moves the webhook cursors of subscriptions (id →
	// sequence) forward past events they do not follow, in one
	// transaction; a cursor already further on is left.
	AdvanceCursors(ctx context.Context, cursors map[string]int64) error
	// Deliveries returns a subscription's delivery log after the sequence
	// after, oldest first, at most limit.
	Deliveries(ctx context.Context, subscription string, after int64, limit int) ([]*events.Delivery, error)
}

const subscriptionColumns = `id, owner, work, scope, kinds, webhook_url, secret, create_time, cursor, failures, next_attempt_us`

func subscriptionName(id string) string { return "subscriptions/" + id }

func scanSubscription(row scanner) (*events.Subscription, error) {
	var (
		s                events.Subscription
		scope, kinds     int64
		createUs, nextUs int64
		failures         int64
	)
	if err := row.Scan(&s.ID, &s.Owner, &s.Work, &scope, &kinds, &s.WebhookURL, &s.Secret, &createUs, &s.Cursor, &failures, &nextUs); err != nil {
		return nil, err
	}
	s.Scope, s.Kinds, s.Failures = events.Scope(scope), events.KindMask(kinds), int(failures)
	s.CreateTime, s.NextAttempt = storage.FromMicros(createUs), storage.FromMicros(nextUs)
	return &s, nil
}

// CreateSubscription records a subscription.
func (s *SQL) CreateSubscription(ctx context.Context, sub *events.Subscription) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM subscriptions WHERE id = $1`, sub.ID).Scan(&one)
		if err == nil {
			return apierr.Exists(subscriptionName(sub.ID), "%s already exists", subscriptionName(sub.ID))
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO subscriptions (`+subscriptionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			sub.ID, sub.Owner, sub.Work, int64(sub.Scope), int64(sub.Kinds), sub.WebhookURL, sub.Secret,
			storage.Micros(sub.CreateTime), sub.Cursor, sub.Failures, storage.Micros(sub.NextAttempt))
		return err
	})
	return s.db.Classify(err)
}

// GetSubscription returns a subscription.
func (s *SQL) GetSubscription(ctx context.Context, id string) (*events.Subscription, error) {
	sub, err := scanSubscription(s.db.Reader().QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFoundf(subscriptionName(id))
	}
	return sub, s.db.Classify(err)
}

func (s *SQL) querySubscriptions(ctx context.Context, where string, args ...any) ([]*events.Subscription, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE `+where, args...)
	if err != nil {
		return nil, s.db.Classify(err)
	}
	defer rows.Close()
	var out []*events.Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, s.db.Classify(err)
		}
		out = append(out, sub)
	}
	return out, s.db.Classify(rows.Err())
}

// ListSubscriptions lists subscriptions by id.
func (s *SQL) ListSubscriptions(ctx context.Context, owner, after string, limit int) ([]*events.Subscription, error) {
	if owner == "" {
		return s.querySubscriptions(ctx, `id > $1 ORDER BY id LIMIT $2`, after, max(limit, 1))
	}
	return s.querySubscriptions(ctx, `owner = $1 AND id > $2 ORDER BY id LIMIT $3`, owner, after, max(limit, 1))
}

// WebhookSubscriptions lists the subscriptions with a webhook.
func (s *SQL) WebhookSubscriptions(ctx context.Context) ([]*events.Subscription, error) {
	return s.querySubscriptions(ctx, `webhook_url <> '' ORDER BY id`)
}

// DeleteSubscription deletes a subscription and its delivery log.
func (s *SQL) DeleteSubscription(ctx context.Context, id string) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, apierr.NotFoundf(subscriptionName(id)))
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM deliveries WHERE subscription = $1`, id)
		return err
	})
	return s.db.Classify(err)
}

// Progress is a webhook delivery attempt and where it leaves its
// subscription: the last event handled, the failed attempts at the next
// one and when to try it again.
type Progress struct {
	Subscription string
	Delivery     *events.Delivery
	Cursor       int64
	Failures     int
	NextAttempt  time.Time
}

// RecordDeliveries logs attempts in one transaction: a page of events
// sent to a thousand webhooks commits once, not a thousand times. A
// dispatcher that dies before it commits sends them again, which
// at-least-once allows (the receivers dedupe by event id).
func (s *SQL) RecordDeliveries(ctx context.Context, ps []Progress) error {
	if len(ps) == 0 {
		return nil
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, p := range ps {
			d := p.Delivery
			_, err := tx.ExecContext(ctx, `INSERT INTO deliveries (subscription, event_id, event_seq, attempt, state, http_status, error, time)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				p.Subscription, d.EventID, d.EventSeq, d.Attempt, int(d.State), d.HTTPStatus, d.Error, storage.Micros(d.Time))
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET cursor = $1, failures = $2, next_attempt_us = $3 WHERE id = $4`,
				p.Cursor, p.Failures, storage.Micros(p.NextAttempt), p.Subscription)
			if err != nil {
				return err
			}
		}
		return nil
	})
	return s.db.Classify(err)
}

// AdvanceCursors moves many cursors in one transaction: a round that
// matches none of a page's events to most subscriptions would otherwise
// commit once per subscription.
func (s *SQL) AdvanceCursors(ctx context.Context, cursors map[string]int64) error {
	if len(cursors) == 0 {
		return nil
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for id, c := range cursors {
			if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET cursor = $1 WHERE id = $2 AND cursor < $1`, c, id); err != nil {
				return err
			}
		}
		return nil
	})
	return s.db.Classify(err)
}

// Deliveries returns a subscription's delivery log.
func (s *SQL) Deliveries(ctx context.Context, subscription string, after int64, limit int) ([]*events.Delivery, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT seq, subscription, event_id, event_seq, attempt, state, http_status, error, time
		FROM deliveries WHERE subscription = $1 AND seq > $2 ORDER BY seq LIMIT $3`, subscription, after, max(limit, 1))
	if err != nil {
		return nil, s.db.Classify(err)
	}
	defer rows.Close()
	var out []*events.Delivery
	for rows.Next() {
		var (
			d                    events.Delivery
			attempt, state, code int64
			us                   int64
		)
		if err := rows.Scan(&d.Seq, &d.Subscription, &d.EventID, &d.EventSeq, &attempt, &state, &code, &d.Error, &us); err != nil {
			return nil, s.db.Classify(err)
		}
		d.Attempt, d.State, d.HTTPStatus, d.Time = int(attempt), events.DeliveryState(state), int(code), storage.FromMicros(us)
		out = append(out, &d)
	}
	return out, s.db.Classify(rows.Err())
}
