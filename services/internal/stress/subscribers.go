package stress

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/lineage/events"
	lineagestore "github.com/stemma-registry/stemma/services/lineage/store"
)

// Reception is one event a subscriber got.
type Reception struct {
	ID  string
	Seq int64
	At  time.Time
}

// Receiver is a webhook receiver on loopback, as a subscriber runs one: it
// checks each body's signature under its subscription's secret and
// records the events by subscriber, the path's last segment.
type Receiver struct {
	Addr string
	srv  *http.Server

	mu      sync.Mutex
	secrets map[string]string
	got     map[string][]Reception
	// Refused lists the requests refused: a bad signature, an id header
	// that is not the body's, an unknown subscriber.
	Refused []string
}

// StartReceiver listens on a free loopback port until the test ends.
func StartReceiver(t testing.TB) *Receiver {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Receiver{Addr: l.Addr().String(), secrets: map[string]string{}, got: map[string][]Reception{}}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(l) }()
	t.Cleanup(func() { _ = r.srv.Close() })
	return r
}

// Register makes a secret for subscriber name and returns the URL to give
// its subscription, and the secret.
func (r *Receiver) Register(name string) (url, secret string) {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	secret = hex.EncodeToString(b)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets[name] = secret
	return "http://" + r.Addr + "/hooks/" + name, secret
}

// signatureTolerance is how far a signature's time may be from now: the
// harness's clock is the server's.
const signatureTolerance = time.Minute

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	name := strings.TrimPrefix(req.URL.Path, "/hooks/")
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	r.mu.Lock()
	defer r.mu.Unlock()
	secret, ok := r.secrets[name]
	var e struct {
		ID       string `json:"id"`
		Sequence int64  `json:"sequence,string"`
	}
	switch {
	case err != nil:
		r.Refused = append(r.Refused, fmt.Sprintf("%s: reading the body: %v", name, err))
	case !ok || req.Method != http.MethodPost:
		r.Refused = append(r.Refused, fmt.Sprintf("%s %s: no such subscriber", req.Method, req.URL.Path))
	default:
		if err = events.Verify(req.Header.Get(events.SignatureHeader), secret, body, time.Now(), signatureTolerance); err != nil {
			r.Refused = append(r.Refused, fmt.Sprintf("%s: %v", name, err))
		} else if err = json.Unmarshal(body, &e); err != nil || e.ID == "" || e.ID != req.Header.Get("Stemma-Event-Id") {
			err = fmt.Errorf("body %.200s under Stemma-Event-Id %q", body, req.Header.Get("Stemma-Event-Id"))
			r.Refused = append(r.Refused, fmt.Sprintf("%s: %v", name, err))
		}
	}
	if err != nil || !ok {
		http.Error(w, "refused", http.StatusUnauthorized)
		return
	}
	r.got[name] = append(r.got[name], Reception{ID: e.ID, Seq: e.Sequence, At: time.Now()})
	w.WriteHeader(http.StatusNoContent)
}

// Subscriber is one party following the family's events: a subscription's
// webhook, or a watch stream.
type Subscriber struct {
	Name string
	// Since is the sequence it follows the log after: the head when its
	// subscription was made.
	Since int64
	hook  *Receiver
	mu    sync.Mutex
	got   []Reception
	// reconnectCount counts the streams a watcher opened again after an
	// error.
	reconnectCount int
}

// Got returns what the subscriber received so far, in order.
func (s *Subscriber) Got() []Reception {
	if s.hook != nil {
		s.hook.mu.Lock()
		defer s.hook.mu.Unlock()
		return append([]Reception(nil), s.hook.got[s.Name]...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reception(nil), s.got...)
}

// followed are the kinds the subscribers follow: the changes the load
// makes.
var followed = []lineagev1.EventKind{lineagev1.EventKind_EVENT_KIND_LICENCE_CHANGED, lineagev1.EventKind_EVENT_KIND_DERIVATION_CREATED}

// Subscribe makes, through each lineage replica's API, a subscription to
// root's descendants with a webhook to the cluster's receiver, and starts
// a watch stream on each replica that reconnects after any error with the
// last sequence it got, until ctx ends. It returns the subscribers,
// webhooks first.
func Subscribe(ctx context.Context, c *Cluster, root string) ([]*Subscriber, error) {
	var hooks, watches []*Subscriber
	for _, p := range c.Lineage {
		conn, err := Dial(p.GRPCAddr)
		if err != nil {
			return nil, err
		}
		name := p.Name() + "-webhook"
		url, secret := c.Hooks.Register(name)
		var sub lineagev1.Subscription
		st := Invoke(ctx, conn, lineagev1.SubscriptionService_CreateSubscription_FullMethodName, &lineagev1.CreateSubscriptionRequest{
			Subscription: &lineagev1.Subscription{Work: root, Scope: lineagev1.Scope_SCOPE_DESCENDANTS, Kinds: followed, WebhookUrl: url, Secret: secret},
		}, &sub, AliceKey)
		if st.Err() != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("subscribe through %s: %w", p.Name(), st.Err())
		}
		hooks = append(hooks, &Subscriber{Name: name, Since: sub.GetWebhookSequence(), hook: c.Hooks})
		w := &Subscriber{Name: p.Name() + "-stream", Since: sub.GetWebhookSequence()}
		watches = append(watches, w)
		go func() {
			defer conn.Close()
			w.watch(ctx, conn, root)
		}()
	}
	return append(hooks, watches...), nil
}

// watch follows root's descendants on conn from s.Since, as a client that
// must not miss an event does: after any error it asks again from the
// last sequence it got.
func (s *Subscriber) watch(ctx context.Context, conn *grpc.ClientConn, root string) {
	client := lineagev1.NewSubscriptionServiceClient(conn)
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+AliceKey)
	cursor := s.Since
	for first := true; ctx.Err() == nil; first = false {
		if !first {
			s.mu.Lock()
			s.reconnectCount++
			s.mu.Unlock()
			time.Sleep(250 * time.Millisecond)
		}
		since := cursor
		stream, err := client.WatchEvents(ctx, &lineagev1.WatchEventsRequest{Work: root, Scope: lineagev1.Scope_SCOPE_DESCENDANTS,
			Kinds: followed, SinceSequence: &since})
		if err != nil {
			continue
		}
		for {
			e, err := stream.Recv()
			if err != nil {
				break
			}
			s.mu.Lock()
			s.got = append(s.got, Reception{ID: e.GetId(), Seq: e.GetSequence(), At: time.Now()})
			s.mu.Unlock()
			cursor = e.GetSequence()
		}
	}
}

// EventFindings is what the event checks found: whether every licence
// change and derivation in the subscribers' scope reached each of them.
type EventFindings struct {
	// Family is the number of works the root's family started with.
	Family int
	// Licences and Derivations count the acknowledged writes that must
	// have an event: every licence change and derivation of the ledger.
	Licences, Derivations int
	// Unlogged lists the acknowledged writes the log has no event for.
	Unlogged []string
	// Twice lists the changes the log announces under more than one id.
	Twice []string
	// InScope counts the log's events in the scope, of the followed kinds,
	// after the earliest subscription.
	InScope     int
	Subscribers []SubscriberFigures
	// Refused lists the webhook requests the receiver refused.
	Refused []string
	// Drain is how long after the load every subscriber had every event
	// (or the drain gave up).
	Drain time.Duration
}

// Lost returns the events lost over every subscriber.
func (f EventFindings) Lost() int {
	n := 0
	for _, s := range f.Subscribers {
		n += len(s.Lost)
	}
	return n
}

// strangers counts what at-least-once delivery does not allow: a change
// under two ids, an id the log does not hold, a webhook badly signed.
func (f EventFindings) strangers() int {
	n := len(f.Twice) + len(f.Refused)
	for _, s := range f.Subscribers {
		n += len(s.Unknown)
	}
	return n
}

// SubscriberFigures is what one subscriber got of what it should have.
type SubscriberFigures struct {
	Name string
	// Expected counts the events in its scope after its start; Received
	// the deliveries it got, Duplicates those of an id it already had.
	Expected, Received, Duplicates, Reconnects int
	// Lost lists the expected events it never got; Unknown the ids it got
	// that the log does not hold.
	Lost, Unknown []string
	// P50 and Max are the delays from an event's record time to its
	// first delivery.
	P50, Max time.Duration
}

// logEvent is an event as the lineage store keeps it.
type logEvent struct {
	seq      int64
	id       string
	kind     int
	recorded time.Time
	Licence  *struct{ Work, Licence, Note string }
	// Derivation's fields are graph.Derivation's, without JSON tags.
	Derivation *struct{ ID, Derivative, Source string }
}

// readLog reads the whole event log from the primary.
func readLog(ctx context.Context, c *Cluster) ([]logEvent, error) {
	conn, err := pgx.Connect(ctx, c.Postgres.URL())
	if err != nil {
		return nil, fmt.Errorf("event log: %w", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT seq, id, kind, body, create_time FROM "+lineagestore.Service+".events ORDER BY seq")
	if err != nil {
		return nil, fmt.Errorf("event log: %w", err)
	}
	var out []logEvent
	for rows.Next() {
		var (
			e    logEvent
			body string
			us   int64
		)
		if err := rows.Scan(&e.seq, &e.id, &e.kind, &body, &us); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			return nil, fmt.Errorf("event %d: %w", e.seq, err)
		}
		e.recorded = time.UnixMicro(us)
		out = append(out, e)
	}
	return out, rows.Err()
}

// inScope returns the log's events of the followed kinds about root's
// descendants as the graph was at each event: the derivations the log
// itself records, replayed in order. The graph only grows under the load
// (it deletes nothing), so a subscriber, which matches an event against
// the graph when it reads it, must match at least these.
func inScope(log []logEvent, root string) []logEvent {
	root = strings.TrimPrefix(root, "works/")
	in := map[string]bool{root: true}
	children := map[string][]string{}
	var out []logEvent
	for _, e := range log {
		switch {
		case events.Kind(e.kind) == events.LicenceChanged && e.Licence != nil:
			if in[e.Licence.Work] {
				out = append(out, e)
			}
		case events.Kind(e.kind) == events.DerivationCreated && e.Derivation != nil:
			dv := e.Derivation
			if in[dv.Derivative] || in[dv.Source] {
				out = append(out, e)
			}
			children[dv.Source] = append(children[dv.Source], dv.Derivative)
			if in[dv.Source] {
				for stack := []string{dv.Derivative}; len(stack) > 0; {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					if !in[w] {
						in[w] = true
						stack = append(stack, children[w]...)
					}
				}
			}
		}
	}
	return out
}

// drainTimeout bounds the wait, after the load, for the subscribers to get
// every event: a lease term, and the webhook's backoff after a few
// failures.
const drainTimeout = 2 * time.Minute

// CheckEvents waits until the log has every acknowledged change and
// every subscriber has got every event of its scope, or drainTimeout
// passes, then compares what each got with the
// log, and the log with the ledger.
func CheckEvents(ctx context.Context, c *Cluster, d *Driver, subs []*Subscriber, root string) (EventFindings, error) {
	start := time.Now()
	var (
		f   EventFindings
		err error
	)
	for {
		if f, err = eventFindings(ctx, c, d, subs, root); err != nil {
			return f, err
		}
		// The relay may still be copying the catalog's outbox into the log.
		if f.Lost()+len(f.Unlogged) == 0 || time.Since(start) > drainTimeout {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	f.Drain = time.Since(start)
	return f, nil
}

func eventFindings(ctx context.Context, c *Cluster, d *Driver, subs []*Subscriber, root string) (EventFindings, error) {
	log, err := readLog(ctx, c)
	if err != nil {
		return EventFindings{}, err
	}
	l := d.Ledger
	l.mu.Lock()
	f := EventFindings{Family: l.family, Licences: len(l.Licences), Derivations: len(l.Derivations)}
	licences := slices.Clone(l.Licences)
	derivations := slices.Clone(l.Derivations)
	l.mu.Unlock()

	byChange := map[string][]string{}
	byID := map[string]logEvent{}
	for _, e := range log {
		byID[e.id] = e
		switch {
		case e.Licence != nil:
			k := "licence " + e.Licence.Note + " of works/" + e.Licence.Work + " to " + e.Licence.Licence
			byChange[k] = append(byChange[k], e.id)
		case e.Derivation != nil && events.Kind(e.kind) == events.DerivationCreated:
			k := "derivations/" + e.Derivation.ID
			byChange[k] = append(byChange[k], e.id)
		}
	}
	for k, ids := range byChange {
		if len(ids) > 1 {
			f.Twice = append(f.Twice, fmt.Sprintf("%s under ids %v", k, ids))
		}
	}
	for _, lc := range licences {
		if len(byChange["licence "+lc.Note+" of "+lc.Work+" to "+lc.Licence]) == 0 {
			f.Unlogged = append(f.Unlogged, fmt.Sprintf("licence change %s of %s to %s", lc.Note, lc.Work, lc.Licence))
		}
	}
	for _, dv := range derivations {
		if len(byChange[dv.Name]) == 0 {
			f.Unlogged = append(f.Unlogged, fmt.Sprintf("%s (%s from %s)", dv.Name, dv.Derivative, dv.Source))
		}
	}

	scope := inScope(log, root)
	since := int64(-1)
	for _, s := range subs {
		if since < 0 || s.Since < since {
			since = s.Since
		}
	}
	for _, e := range scope {
		if e.seq > since {
			f.InScope++
		}
	}
	for _, s := range subs {
		got := s.Got()
		first := map[string]time.Time{}
		sf := SubscriberFigures{Name: s.Name, Received: len(got), Reconnects: s.reconnects()}
		for _, r := range got {
			if _, seen := first[r.ID]; seen {
				sf.Duplicates++
				continue
			}
			first[r.ID] = r.At
			if _, ok := byID[r.ID]; !ok {
				sf.Unknown = append(sf.Unknown, fmt.Sprintf("%s (sequence %d)", r.ID, r.Seq))
			}
		}
		var delays []time.Duration
		for _, e := range scope {
			if e.seq <= s.Since {
				continue
			}
			sf.Expected++
			at, ok := first[e.id]
			if !ok {
				sf.Lost = append(sf.Lost, e.String())
				continue
			}
			delays = append(delays, at.Sub(e.recorded))
		}
		slices.Sort(delays)
		if len(delays) > 0 {
			sf.P50, sf.Max = delays[len(delays)/2], delays[len(delays)-1]
		}
		f.Subscribers = append(f.Subscribers, sf)
	}
	c.Hooks.mu.Lock()
	f.Refused = slices.Clone(c.Hooks.Refused)
	c.Hooks.mu.Unlock()
	return f, nil
}

func (e logEvent) String() string {
	switch {
	case e.Licence != nil:
		return fmt.Sprintf("event %d %s: works/%s relicensed %s (%s)", e.seq, e.id, e.Licence.Work, e.Licence.Licence, e.Licence.Note)
	case e.Derivation != nil:
		return fmt.Sprintf("event %d %s: derivations/%s (works/%s from works/%s)", e.seq, e.id, e.Derivation.ID, e.Derivation.Derivative, e.Derivation.Source)
	}
	return fmt.Sprintf("event %d %s", e.seq, e.id)
}

func (s *Subscriber) reconnects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reconnectCount
}
