package lineageservice

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/consistency"
	"github.com/stemma-registry/stemma/services/internal/input"
	"github.com/stemma-registry/stemma/services/internal/names"
	"github.com/stemma-registry/stemma/services/internal/paging"
	"github.com/stemma-registry/stemma/services/lineage/events"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// Subscriptions implements stemma.lineage.v1.SubscriptionService over the
// lineage store's event log (docs/events.md).
type Subscriptions struct {
	lineagev1.UnimplementedSubscriptionServiceServer
	s     *Service
	allow events.AllowList
	// poll is how often a watch reads the log when nothing woke it: the
	// hub wakes it at once for derivations recorded on any replica, and
	// appended for events relayed on this one; the poll catches those
	// relayed on another replica, and curations.
	poll time.Duration
	now  func() time.Time

	mu       sync.Mutex
	appended chan struct{} // closed, and replaced, by Appended
}

// NewSubscriptions returns the subscription service; allow lists the
// webhook targets subscriptions may name.
func NewSubscriptions(s *Service, allow events.AllowList) *Subscriptions {
	return &Subscriptions{s: s, allow: allow, poll: 250 * time.Millisecond, now: time.Now, appended: make(chan struct{})}
}

// Appended wakes this replica's watchers: the log holds more events.
func (ss *Subscriptions) Appended() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	close(ss.appended)
	ss.appended = make(chan struct{})
}

// appendedC returns the channel the next Appended closes.
func (ss *Subscriptions) appendedC() <-chan struct{} {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.appended
}

// Bounds on what a subscription holds.
const (
	maxWebhookURL = 2048
	maxSecret     = 256
	minSecret     = 16
)

func subscriptionID(field, name string) (string, error) {
	return names.Parse(field, name, "subscriptions")
}

func kindsOf(field string, ks []lineagev1.EventKind) (events.KindMask, error) {
	out := make([]events.Kind, len(ks))
	for i, k := range ks {
		out[i] = events.Kind(k)
		if !out[i].Valid() {
			return 0, apierr.Invalid(field, "unknown event kind %v", k)
		}
	}
	return events.MaskOf(out), nil
}

func scopeOf(field string, sc lineagev1.Scope) (events.Scope, error) {
	if sc == lineagev1.Scope_SCOPE_UNSPECIFIED {
		return events.ScopeWork, nil
	}
	if !events.Scope(sc).Valid() {
		return 0, apierr.Invalid(field, "unknown scope %v", sc)
	}
	return events.Scope(sc), nil
}

func toSubscription(sub *events.Subscription, withSecret bool) *lineagev1.Subscription {
	out := &lineagev1.Subscription{
		Name: "subscriptions/" + sub.ID, Work: workName(sub.Work), Scope: lineagev1.Scope(sub.Scope),
		WebhookUrl: sub.WebhookURL, Owner: sub.Owner, CreateTime: timestamppb.New(sub.CreateTime), WebhookSequence: sub.Cursor,
	}
	for _, k := range sub.Kinds.Kinds() {
		out.Kinds = append(out.Kinds, lineagev1.EventKind(k))
	}
	if withSecret {
		out.Secret = sub.Secret
	}
	return out
}

// CreateSubscription records a subscription owned by the caller. It
// follows events from now on: its webhook starts at the log's head.
func (ss *Subscriptions) CreateSubscription(ctx context.Context, req *lineagev1.CreateSubscriptionRequest) (*lineagev1.Subscription, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	in := req.GetSubscription()
	if in == nil {
		return nil, apierr.Missing("subscription")
	}
	if in.GetWork() == "" {
		return nil, apierr.Missing("subscription.work")
	}
	work, err := workID("subscription.work", in.GetWork())
	if err != nil {
		return nil, err
	}
	scope, err := scopeOf("subscription.scope", in.GetScope())
	if err != nil {
		return nil, err
	}
	kinds, err := kindsOf("subscription.kinds", in.GetKinds())
	if err != nil {
		return nil, err
	}
	sub := &events.Subscription{ID: names.NewID(), Owner: pr.Name, Work: work, Scope: scope, Kinds: kinds, CreateTime: ss.now().UTC()}
	if in.GetWebhookUrl() != "" {
		u, err := input.Text("subscription.webhook_url", in.GetWebhookUrl(), maxWebhookURL, false)
		if err != nil {
			return nil, err
		}
		if err := ss.allow.Check(u); err != nil {
			return nil, apierr.Invalid("subscription.webhook_url", "%s", err.Error())
		}
		sub.WebhookURL = u
		switch sec := in.GetSecret(); {
		case sec == "":
			var b [24]byte
			_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24 and later)
			sub.Secret = hex.EncodeToString(b[:])
		case len(sec) < minSecret || len(sec) > maxSecret:
			return nil, apierr.Invalid("subscription.secret", "%d bytes; want %d to %d", len(sec), minSecret, maxSecret)
		default:
			sub.Secret = sec
		}
	} else if in.GetSecret() != "" {
		return nil, apierr.Invalid("subscription.secret", "only with a webhook_url")
	}
	if err := ss.s.mustExist(ctx, work); err != nil {
		return nil, err
	}
	if sub.Cursor, err = ss.s.Store.EventHead(ctx); err != nil {
		return nil, err
	}
	if err := ss.s.Store.CreateSubscription(ctx, sub); err != nil {
		return nil, err
	}
	return toSubscription(sub, true), nil
}

// owned returns the subscription the name names if the caller owns it or
// is an admin; PERMISSION_DENIED otherwise, as for works.
func (ss *Subscriptions) owned(ctx context.Context, field, name string) (*events.Subscription, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	id, err := subscriptionID(field, name)
	if err != nil {
		return nil, err
	}
	sub, err := ss.s.Store.GetSubscription(ctx, id)
	if err != nil {
		return nil, err
	}
	if !pr.CanActOn(sub.Owner) {
		return nil, apierr.Denied("%s belongs to another principal; only its owner or an admin may read or delete it", name)
	}
	return sub, nil
}

// GetSubscription returns one of the caller's subscriptions.
func (ss *Subscriptions) GetSubscription(ctx context.Context, req *lineagev1.GetSubscriptionRequest) (*lineagev1.Subscription, error) {
	sub, err := ss.owned(ctx, "name", req.GetName())
	if err != nil {
		return nil, err
	}
	return toSubscription(sub, false), nil
}

// ListSubscriptions lists the caller's subscriptions, or an admin's all.
func (ss *Subscriptions) ListSubscriptions(ctx context.Context, req *lineagev1.ListSubscriptionsRequest) (*lineagev1.ListSubscriptionsResponse, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	size, err := ss.s.Pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	owner := pr.Name
	if pr.Admin {
		owner = ""
	}
	q := paging.NewQuery("ListSubscriptions", owner)
	after, err := paging.Decode(q, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	subs, err := ss.s.Store.ListSubscriptions(ctx, owner, after, size+1)
	if err != nil {
		return nil, err
	}
	resp := &lineagev1.ListSubscriptionsResponse{}
	if len(subs) > size {
		subs = subs[:size]
		resp.NextPageToken = paging.Encode(q, subs[size-1].ID)
	}
	for _, sub := range subs {
		resp.Subscriptions = append(resp.Subscriptions, toSubscription(sub, false))
	}
	return resp, nil
}

// DeleteSubscription deletes one of the caller's subscriptions.
func (ss *Subscriptions) DeleteSubscription(ctx context.Context, req *lineagev1.DeleteSubscriptionRequest) (*emptypb.Empty, error) {
	sub, err := ss.owned(ctx, "name", req.GetName())
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, ss.s.Store.DeleteSubscription(ctx, sub.ID)
}

// ListDeliveries lists a subscription's webhook attempts.
func (ss *Subscriptions) ListDeliveries(ctx context.Context, req *lineagev1.ListDeliveriesRequest) (*lineagev1.ListDeliveriesResponse, error) {
	sub, err := ss.owned(ctx, "parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	size, err := ss.s.Pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	q := paging.NewQuery("ListDeliveries", sub.ID)
	after, err := offset(q, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	ds, err := ss.s.Store.Deliveries(ctx, sub.ID, after, size+1)
	if err != nil {
		return nil, err
	}
	resp := &lineagev1.ListDeliveriesResponse{}
	if len(ds) > size {
		ds = ds[:size]
		resp.NextPageToken = paging.Encode(q, strconv.FormatInt(ds[size-1].Seq, 10))
	}
	for _, d := range ds {
		resp.Deliveries = append(resp.Deliveries, &lineagev1.Delivery{
			EventId: d.EventID, EventSequence: d.EventSeq, Attempt: int32(d.Attempt), State: lineagev1.Delivery_State(d.State),
			HttpStatus: int32(d.HTTPStatus), Error: d.Error, AttemptTime: timestamppb.New(d.Time),
		})
	}
	return resp, nil
}

// pageContext gives a page of the log a consistency tracker of its own.
// Events hands it the primary's position, so the walk that matches the
// page's events to a scope (which may read a replica) sees at least the
// graph they were written on: a walk on a replica behind the log would
// leave out a work that had just joined the scope, and lose its events.
func pageContext(ctx context.Context) context.Context {
	ctx, _ = consistency.With(ctx, consistency.From(ctx).LSN())
	return ctx
}

// scopeFilter returns the filter of a target's scope, its works as the
// graph now is, walked at most maxDepth deep.
func scopeFilter(ctx context.Context, st store.Store, maxDepth int, work string, scope events.Scope, kinds events.KindMask) (events.Filter, error) {
	if scope == events.ScopeWork {
		return events.Filter{Kinds: kinds, Works: map[string]bool{work: true}}, nil
	}
	works, err := reach(ctx, st, maxDepth, work, scope.Direction())
	return events.Filter{Kinds: kinds, Works: works}, err
}

// reach returns work and the works a walk from it in dir finds, at most
// maxDepth deep, as the graph now is.
func reach(ctx context.Context, st store.Store, maxDepth int, work string, dir graph.Direction) (map[string]bool, error) {
	edges, err := st.Walk(ctx, graph.Walk{Root: work, Direction: dir, MaxDepth: maxDepth})
	if err != nil {
		return nil, err
	}
	out := map[string]bool{work: true}
	for _, e := range edges {
		out[e.Derivative], out[e.Source] = true, true
	}
	return out, nil
}

// toEvent is an event as the API shows it.
func toEvent(e *events.Event) *lineagev1.Event {
	out := &lineagev1.Event{Id: e.ID, Sequence: e.Seq, Kind: lineagev1.EventKind(e.Kind), EventTime: timestamppb.New(e.Time)}
	for _, w := range e.Works() {
		out.Works = append(out.Works, workName(w))
	}
	switch {
	case e.Licence != nil:
		l := e.Licence
		out.LicenceChange = &lineagev1.LicenceChangeEvent{Work: workName(l.Work), Licence: l.Licence, PreviousLicence: l.PreviousLicence,
			EffectiveTime: timestamppb.New(l.EffectiveTime), Actor: l.Actor, Note: l.Note}
	case e.Derivation != nil:
		out.Derivation = toDerivation(e.Derivation)
	case e.Curation != nil:
		c := e.Curation
		out.Curation = &lineagev1.CurationAcceptedEvent{Name: c.Name, Licence: c.Licence}
		if c.Work != "" {
			out.Curation.Work = workName(c.Work)
		}
	}
	return out
}

// watchPage is how many events a watch reads from the log at a time.
const watchPage = 256

// eventTarget reads the work, scope and kinds of a ListEvents or
// WatchEvents request. A scope beyond the work costs walks, so like a
// descendant WatchDerivations it needs a key; the work must exist.
func (ss *Subscriptions) eventTarget(ctx context.Context, name string, sc lineagev1.Scope, ks []lineagev1.EventKind) (work string, scope events.Scope, kinds events.KindMask, err error) {
	if name == "" {
		return "", 0, 0, apierr.Missing("work")
	}
	if work, err = workID("work", name); err != nil {
		return "", 0, 0, err
	}
	if scope, err = scopeOf("scope", sc); err != nil {
		return "", 0, 0, err
	}
	if scope != events.ScopeWork {
		if _, err := auth.Require(ctx); err != nil {
			return "", 0, 0, err
		}
	}
	if kinds, err = kindsOf("kinds", ks); err != nil {
		return "", 0, 0, err
	}
	return work, scope, kinds, ss.s.mustExist(ctx, work)
}

// listScan bounds the log one ListEvents call reads, in watch pages: a
// scope that few events match gets a short page and a token, rather than
// one call reading the whole log.
const listScan = 16

// ListEvents lists the scope's events in the log up to its head when the
// call begins; the page token is the last sequence read.
func (ss *Subscriptions) ListEvents(ctx context.Context, req *lineagev1.ListEventsRequest) (*lineagev1.ListEventsResponse, error) {
	s := ss.s
	work, scope, kinds, err := ss.eventTarget(ctx, req.GetWork(), req.GetScope(), req.GetKinds())
	if err != nil {
		return nil, err
	}
	size, err := s.Pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	q := paging.NewQuery("ListEvents", work, strconv.Itoa(int(scope)), strconv.FormatUint(uint64(kinds), 10))
	cursor, err := offset(q, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	head, err := s.Store.EventHead(ctx)
	if err != nil {
		return nil, err
	}
	resp := &lineagev1.ListEventsResponse{HeadSequence: head}
	next := func() string { return paging.Encode(q, strconv.FormatInt(cursor, 10)) }
	// The scope is walked once, after the first page is read: that read
	// gives the walk the primary's position, which is past every event up
	// to head (read before it), so the one walk sees the edges of every
	// page this call reads.
	pctx := pageContext(ctx)
	var f *events.Filter
	for range listScan {
		if cursor >= head {
			return resp, nil
		}
		es, err := s.Store.Events(pctx, cursor, min(watchPage, int(head-cursor)))
		if err != nil || len(es) == 0 {
			return resp, err
		}
		if f == nil {
			sf, err := scopeFilter(pctx, s.Store, s.MaxDepth, work, scope, kinds)
			if err != nil {
				return nil, err
			}
			f = &sf
		}
		for _, e := range es {
			if f.Match(e) {
				if len(resp.Events) == size {
					resp.NextPageToken = next()
					return resp, nil
				}
				resp.Events = append(resp.Events, toEvent(e))
			}
			cursor = e.Seq
		}
	}
	if cursor < head {
		resp.NextPageToken = next()
	}
	return resp, nil
}

// WatchEvents replays the log after since_sequence, then follows it. The
// scope's works are resolved again for each page of events, against the
// graph as it then is.
func (ss *Subscriptions) WatchEvents(req *lineagev1.WatchEventsRequest, stream lineagev1.SubscriptionService_WatchEventsServer) error {
	ctx := stream.Context()
	s := ss.s
	if req.SinceSequence != nil && req.GetSinceSequence() < 0 {
		return apierr.Invalid("since_sequence", "must not be negative (got %d)", req.GetSinceSequence())
	}
	work, scope, kinds, err := ss.eventTarget(ctx, req.GetWork(), req.GetScope(), req.GetKinds())
	if err != nil {
		return err
	}
	client := s.watchClient(ctx)
	if err := s.watches.acquire(client); err != nil {
		return err
	}
	defer s.watches.release(client)
	wake := s.Hub.Subscribe()
	defer wake.Close()
	wakeC := wake.Events()
	cursor := req.GetSinceSequence()
	if req.SinceSequence == nil {
		if cursor, err = s.Store.EventHead(ctx); err != nil {
			return err
		}
	}
	if err := stream.SendHeader(metadata.MD{}); err != nil {
		return err
	}
	tick := time.NewTicker(ss.poll)
	defer tick.Stop()
	for {
		// Taken before the read: an append after it closes this channel.
		appended := ss.appendedC()
		pctx := pageContext(ctx)
		es, err := s.Store.Events(pctx, cursor, watchPage)
		if err != nil {
			return err
		}
		if len(es) > 0 {
			f, err := scopeFilter(pctx, s.Store, s.MaxDepth, work, scope, kinds)
			if err != nil {
				return err
			}
			for _, e := range es {
				cursor = e.Seq
				if !f.Match(e) {
					continue
				}
				if err := stream.Send(toEvent(e)); err != nil {
					return err
				}
			}
		}
		if len(es) == watchPage {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.Stopping:
			return nil
		case _, ok := <-wakeC:
			if !ok {
				// Dropped for falling behind, which only costs the wake-ups:
				// the log is the truth. Poll from here on.
				wakeC = nil
			}
		case <-appended:
		case <-tick.C:
		}
	}
}
