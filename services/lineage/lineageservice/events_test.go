package lineageservice_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
	stemmaevents "github.com/stemma-registry/stemma/services/lineage/events"
)

// receiver is a loopback webhook receiver that checks every signature
// and answers with the statuses it is given, then 200.
type receiver struct {
	t       *testing.T
	secret  string
	mu      sync.Mutex
	answers []int
	got     map[string]int // deliveries per event id, signed right
	bodies  []*lineagev1.Event
	url     string
}

func newReceiver(t *testing.T, secret string, answers ...int) *receiver {
	r := &receiver{t: t, secret: secret, answers: answers, got: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := stemmaevents.Verify(req.Header.Get(stemmaevents.SignatureHeader), r.secret, body, time.Now(), time.Minute); err != nil {
			t.Errorf("webhook signature: %v", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.answers) > 0 {
			code := r.answers[0]
			r.answers = r.answers[1:]
			w.WriteHeader(code)
			return
		}
		var e lineagev1.Event
		if err := protojson.Unmarshal(body, &e); err != nil || req.Header.Get("Stemma-Event-Id") != e.GetId() {
			t.Errorf("webhook body %s: %v", body, err)
		}
		r.got[e.GetId()]++
		r.bodies = append(r.bodies, &e)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL + "/hook"
	return r
}

func (r *receiver) delivered() []*lineagev1.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*lineagev1.Event(nil), r.bodies...)
}

func eventsConfig(t *testing.T) config.Config {
	cfg := apptest.Config(t)
	cfg.WebhookAllow = "127.0.0.1:*"
	cfg.WebhookAttempts, cfg.WebhookBackoff = 3, 50*time.Millisecond
	return cfg
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// The Terraform case, as far as events go: a subscriber to OpenTofu's
// ancestors gets Terraform's relicensing once through the stream (and
// again, with the same id, when it resumes after a disconnect) and once
// through a signed webhook; the owner reads the delivery log, nobody else.
func TestRelicensingReachesDownstreamSubscribers(t *testing.T) {
	s := start(t, eventsConfig(t))
	terraform := s.work(t, apptest.AliceKey, "terraform", "SOFTWARE", "MPL-2.0")
	opentofu := s.work(t, apptest.BobKey, "opentofu", "SOFTWARE", "MPL-2.0")
	s.derive(t, apptest.BobKey, opentofu, terraform, "FORK", "")

	hook := newReceiver(t, "a-secret-of-the-subscriber")
	var sub lineagev1.Subscription
	s.ok(t, "POST", "/v1/subscriptions", apptest.BobKey, `{"work":"`+opentofu+`","scope":"SCOPE_ANCESTORS","kinds":["EVENT_KIND_LICENCE_CHANGED"],
		"webhookUrl":"`+hook.url+`","secret":"a-secret-of-the-subscriber"}`, &sub)
	if sub.GetOwner() != "bob" || sub.GetSecret() != "a-secret-of-the-subscriber" || !strings.HasPrefix(sub.GetName(), "subscriptions/") {
		t.Fatalf("created %v", &sub)
	}
	var got lineagev1.Subscription
	s.ok(t, "GET", "/v1/"+sub.GetName(), apptest.BobKey, "", &got)
	if got.GetSecret() != "" || got.GetWork() != opentofu {
		t.Fatalf("read back %v: the secret is shown once only", &got)
	}
	s.fails(t, "GET", "/v1/"+sub.GetName(), apptest.AliceKey, "", http.StatusForbidden, "")
	s.fails(t, "POST", "/v1/subscriptions", apptest.BobKey, `{"work":"`+opentofu+`","webhookUrl":"http://10.1.2.3:80/x"}`, http.StatusBadRequest, "")

	// The stream, from now on.
	subs := lineagev1.NewSubscriptionServiceClient(s.Conn(t))
	ctx, cancel := context.WithCancel(apptest.As(apptest.BobKey))
	stream, err := subs.WatchEvents(ctx, &lineagev1.WatchEventsRequest{Work: opentofu, Scope: lineagev1.Scope_SCOPE_ANCESTORS,
		Kinds: []lineagev1.EventKind{lineagev1.EventKind_EVENT_KIND_LICENCE_CHANGED}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil {
		t.Fatal(err)
	}
	s.ok(t, "PATCH", "/v1/"+terraform+"?updateMask=licence", apptest.AliceKey, `{"licence":"BUSL-1.1"}`, nil)
	live, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	lc := live.GetLicenceChange()
	if live.GetKind() != lineagev1.EventKind_EVENT_KIND_LICENCE_CHANGED || lc.GetWork() != terraform || lc.GetLicence() != "BUSL-1.1" ||
		lc.GetPreviousLicence() != "MPL-2.0" || lc.GetActor() != "alice" || live.GetId() == "" || live.GetSequence() < 1 {
		t.Fatalf("live event %v", live)
	}

	// Disconnected, the subscriber resumes from the last sequence it had
	// before the change: the event comes again, with the same id.
	ctx, cancel = context.WithCancel(apptest.As(apptest.BobKey))
	defer cancel()
	since := live.GetSequence() - 1
	stream, err = subs.WatchEvents(ctx, &lineagev1.WatchEventsRequest{Work: opentofu, Scope: lineagev1.Scope_SCOPE_ANCESTORS, SinceSequence: &since})
	if err != nil {
		t.Fatal(err)
	}
	again, err := stream.Recv()
	if err != nil || again.GetId() != live.GetId() || again.GetSequence() != live.GetSequence() {
		t.Fatalf("resumed: %v, %v; want the event %s again", again, err, live.GetId())
	}

	waitFor(t, "the webhook", func() bool { return len(hook.delivered()) > 0 })
	time.Sleep(700 * time.Millisecond) // a dispatch round more: nothing is sent twice
	if d := hook.delivered(); len(d) != 1 || d[0].GetId() != live.GetId() || hook.got[live.GetId()] != 1 {
		t.Fatalf("webhook got %v; want the event %s once", d, live.GetId())
	}
	var log lineagev1.ListDeliveriesResponse
	s.ok(t, "GET", "/v1/"+sub.GetName()+"/deliveries", apptest.BobKey, "", &log)
	if len(log.GetDeliveries()) != 1 || log.GetDeliveries()[0].GetState() != lineagev1.Delivery_STATE_DELIVERED ||
		log.GetDeliveries()[0].GetHttpStatus() != 200 || log.GetDeliveries()[0].GetEventId() != live.GetId() {
		t.Fatalf("delivery log %v", &log)
	}
	s.fails(t, "GET", "/v1/"+sub.GetName()+"/deliveries", apptest.AliceKey, "", http.StatusForbidden, "")

	// REST: the same stream as newline-delimited JSON, public for the
	// work's own scope.
	req, _ := http.NewRequestWithContext(ctx, "GET", s.BaseURL()+"/v1/events:watch?work="+terraform+"&sinceSequence=0", nil)
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadBytes('\n')
	var wrapped struct {
		Result json.RawMessage `json:"result"`
	}
	var first lineagev1.Event
	if err != nil || json.Unmarshal(line, &wrapped) != nil || protojson.Unmarshal(wrapped.Result, &first) != nil {
		t.Fatalf("REST watch line %q: %v", line, err)
	}
	if first.GetKind() != lineagev1.EventKind_EVENT_KIND_DERIVATION_CREATED || first.GetSequence() != 1 {
		t.Fatalf("REST watch from 0: first %v", &first)
	}

	var list lineagev1.ListSubscriptionsResponse
	s.ok(t, "GET", "/v1/subscriptions", apptest.AliceKey, "", &list)
	if len(list.GetSubscriptions()) != 0 {
		t.Fatalf("alice lists bob's subscription: %v", &list)
	}
	s.ok(t, "GET", "/v1/subscriptions", apptest.RootKey, "", &list)
	if len(list.GetSubscriptions()) != 1 {
		t.Fatalf("an admin lists %v", &list)
	}
	s.fails(t, "DELETE", "/v1/"+sub.GetName(), apptest.AliceKey, "", http.StatusForbidden, "")
	s.ok(t, "DELETE", "/v1/"+sub.GetName(), apptest.BobKey, "", nil)
	s.fails(t, "GET", "/v1/"+sub.GetName(), apptest.BobKey, "", http.StatusNotFound, "")
}

// A webhook that fails is retried after a backoff; one that keeps failing
// dead-letters the event and moves on to the next.
func TestWebhookRetriesAndDeadLetters(t *testing.T) {
	s := start(t, eventsConfig(t))
	w := s.work(t, apptest.AliceKey, "lib", "SOFTWARE", "MIT")
	flaky := newReceiver(t, "flaky-secret-0123", http.StatusInternalServerError)
	down := newReceiver(t, "down-secret-01234", http.StatusInternalServerError, http.StatusInternalServerError, http.StatusInternalServerError)
	var flakySub, downSub lineagev1.Subscription
	s.ok(t, "POST", "/v1/subscriptions", apptest.AliceKey, `{"work":"`+w+`","webhookUrl":"`+flaky.url+`","secret":"flaky-secret-0123"}`, &flakySub)
	s.ok(t, "POST", "/v1/subscriptions", apptest.AliceKey, `{"work":"`+w+`","webhookUrl":"`+down.url+`","secret":"down-secret-01234"}`, &downSub)
	s.ok(t, "PATCH", "/v1/"+w+"?updateMask=licence", apptest.AliceKey, `{"licence":"Apache-2.0"}`, nil)
	s.ok(t, "PATCH", "/v1/"+w+"?updateMask=licence", apptest.AliceKey, `{"licence":"MIT"}`, nil)

	waitFor(t, "both events at the flaky receiver", func() bool { return len(flaky.delivered()) == 2 })
	waitFor(t, "the second event past the dead letter", func() bool { return len(down.delivered()) == 1 })
	states := func(sub *lineagev1.Subscription) string {
		var log lineagev1.ListDeliveriesResponse
		s.ok(t, "GET", "/v1/"+sub.GetName()+"/deliveries", apptest.AliceKey, "", &log)
		var out []string
		for _, d := range log.GetDeliveries() {
			out = append(out, strings.TrimPrefix(d.GetState().String(), "STATE_"))
		}
		return strings.Join(out, " ")
	}
	if got := states(&flakySub); got != "FAILED DELIVERED DELIVERED" {
		t.Errorf("flaky receiver's log: %s", got)
	}
	if got := states(&downSub); got != "FAILED FAILED DEAD_LETTERED DELIVERED" {
		t.Errorf("down receiver's log: %s", got)
	}
	if d := down.delivered(); d[0].GetLicenceChange().GetLicence() != "MIT" {
		t.Errorf("after the dead letter the receiver got %v; want the second change", d[0])
	}
}
