package lineageservice_test

import (
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
