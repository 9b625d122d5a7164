package lineageservice_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/lineage/internal/lineagetest"
)

// Issue 15's "done when", over REST (the as_of reads also over gRPC), on
// SQLite and on PostgreSQL: Terraform registered MPL-2.0; OpenTofu
// (MPL-2.0) forks it with material taken 2023-08-09 and subscribes to its
// own ancestors, with a signed webhook; Terraform is relicensed to
// BUSL-1.1 effective 2023-08-10. The fork stays accepted and OpenTofu's
// audit is clean but says upstream relicensed; an MPL-2.0 fork taken
// 2023-09-01 is refused as a conflict; the subscriber gets the
// relicensing once through the REST stream (again, with the same id, when
// it resumes after a disconnect) and once through the webhook, whose
// delivery log only its owner reads. The curl walk in docs/events.md is
// this test's steps.
func TestTerraformRelicensing(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cfg := eventsConfig(t)
			if engine == "postgres" {
				cfg.DatabaseURL = lineagetest.Database(t)
			}
			terraform(t, start(t, cfg))
		})
	}
}

func terraform(t *testing.T, s *suite) {
	hashicorp, community := apptest.AliceKey, apptest.BobKey
	tf := s.work(t, hashicorp, "terraform", "SOFTWARE", "MPL-2.0")
	tofu := s.work(t, community, "opentofu", "SOFTWARE", "MPL-2.0")
	var fork lineagev1.Derivation
	s.ok(t, "POST", "/v1/derivations", community, `{"derivative":"`+tofu+`","source":"`+tf+`","relation":"RELATION_FORK","sourceTime":"2023-08-09T00:00:00Z"}`, &fork)
	if fork.GetConflict() || fork.GetSourceLicence() != "MPL-2.0" || fork.GetSourceTime().AsTime() != time.Date(2023, 8, 9, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("OpenTofu's fork = %v", &fork)
	}

	// OpenTofu follows its ancestors' licence changes, by webhook too.
	hook := newReceiver(t, "a-secret-of-the-subscriber")
	var sub lineagev1.Subscription
	s.ok(t, "POST", "/v1/subscriptions", community, `{"work":"`+tofu+`","scope":"SCOPE_ANCESTORS","kinds":["EVENT_KIND_LICENCE_CHANGED"],
		"webhookUrl":"`+hook.url+`","secret":"a-secret-of-the-subscriber"}`, &sub)
	if sub.GetOwner() != "bob" || sub.GetSecret() != "a-secret-of-the-subscriber" || !strings.HasPrefix(sub.GetName(), "subscriptions/") {
		t.Fatalf("created %v", &sub)
	}
	var got lineagev1.Subscription
	s.ok(t, "GET", "/v1/"+sub.GetName(), community, "", &got)
	if got.GetSecret() != "" || got.GetWork() != tofu {
		t.Fatalf("read back %v: the secret is shown once only", &got)
	}
	s.fails(t, "GET", "/v1/"+sub.GetName(), hashicorp, "", http.StatusForbidden, "")
	s.fails(t, "POST", "/v1/subscriptions", community, `{"work":"`+tofu+`","webhookUrl":"http://10.1.2.3:80/x"}`, http.StatusBadRequest, "")

	// The stream, from the subscription's place in the log: the REST
	// response begins with its first event, so it is read as it comes.
	watch := "/v1/events:watch?work=" + tofu + "&scope=SCOPE_ANCESTORS&kinds=EVENT_KIND_LICENCE_CHANGED&sinceSequence="
	ctx, disconnect := context.WithCancel(context.Background())
	stream := ndjson(t, ctx, s, watch+strconv.FormatInt(sub.GetWebhookSequence(), 10), community)

	var w catalogv1.Work
	s.ok(t, "PATCH", "/v1/"+tf+"?updateMask=licence&licenceEffectiveTime=2023-08-10T00:00:00Z&licenceChangeNote=HashiCorp+adopts+the+BSL",
		hashicorp, `{"licence":"BUSL-1.1"}`, &w)
	if w.GetLicence() != "BUSL-1.1" || w.GetLicenceEffectiveTime().AsTime() != time.Date(2023, 8, 10, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("Terraform after the relicensing = %v", &w)
	}
	live := nextEvent(t, stream)
	disconnect()
	lc := live.GetLicenceChange()
	if live.GetKind() != lineagev1.EventKind_EVENT_KIND_LICENCE_CHANGED || lc.GetWork() != tf || lc.GetLicence() != "BUSL-1.1" ||
		lc.GetPreviousLicence() != "MPL-2.0" || lc.GetActor() != "alice" || lc.GetNote() != "HashiCorp adopts the BSL" ||
		lc.GetEffectiveTime().AsTime() != time.Date(2023, 8, 10, 0, 0, 0, 0, time.UTC) || live.GetId() == "" || live.GetSequence() <= sub.GetWebhookSequence() {
		t.Fatalf("live event %v", live)
	}
	// Disconnected, the subscriber resumes from the last sequence it had
	// before the change: the event comes again, with the same id.
	ctx, disconnect = context.WithCancel(context.Background())
	defer disconnect()
	again := nextEvent(t, ndjson(t, ctx, s, watch+strconv.FormatInt(live.GetSequence()-1, 10), community))
	if again.GetId() != live.GetId() || again.GetSequence() != live.GetSequence() {
		t.Fatalf("resumed: %v; want the event %s again", again, live.GetId())
	}

	waitFor(t, "the webhook", func() bool { return len(hook.delivered()) > 0 })
	time.Sleep(500 * time.Millisecond) // dispatch rounds more: nothing is sent twice
	if d := hook.delivered(); len(d) != 1 || d[0].GetId() != live.GetId() || hook.got[live.GetId()] != 1 {
		t.Fatalf("webhook got %v; want the event %s once", d, live.GetId())
	}
	var log lineagev1.ListDeliveriesResponse
	s.ok(t, "GET", "/v1/"+sub.GetName()+"/deliveries", community, "", &log)
	if len(log.GetDeliveries()) != 1 || log.GetDeliveries()[0].GetState() != lineagev1.Delivery_STATE_DELIVERED ||
		log.GetDeliveries()[0].GetHttpStatus() != 200 || log.GetDeliveries()[0].GetEventId() != live.GetId() {
		t.Fatalf("delivery log %v", &log)
	}
	s.fails(t, "GET", "/v1/"+sub.GetName()+"/deliveries", hashicorp, "", http.StatusForbidden, "")

	// Licences in time.
	s.ok(t, "GET", "/v1/"+tf+"?asOf=2023-08-09T12:00:00Z", "", "", &w)
	if w.GetLicence() != "MPL-2.0" || w.GetLicenceEffectiveTime() != nil {
		t.Fatalf("Terraform as of 2023-08-09 = %v", &w)
	}
	gw, err := s.catalog.GetWork(context.Background(), &catalogv1.GetWorkRequest{Name: tf, AsOf: ts("2023-08-10T00:00:00Z")})
	if err != nil || gw.GetLicence() != "BUSL-1.1" {
		t.Fatalf("GetWork as of 2023-08-10 over gRPC = %v, %v", gw, err)
	}
	var list catalogv1.ListWorksResponse
	s.ok(t, "GET", "/v1/works?asOf=2020-01-01T00:00:00Z", "", "", &list)
	if len(list.GetWorks()) != 2 || list.GetWorks()[0].GetLicence() != "MPL-2.0" || list.GetWorks()[1].GetLicence() != "MPL-2.0" {
		t.Fatalf("works as of 2020 = %v", &list)
	}

	var audit lineagev1.AuditWorkResponse
	s.ok(t, "GET", "/v1/"+tofu+":audit", "", "", &audit)
	if len(audit.GetConflicts()) != 0 || audit.GetDerivationsChecked() != 1 || len(audit.GetRelicensed()) != 1 {
		t.Fatalf("OpenTofu's audit = %v", &audit)
	}
	r := audit.GetRelicensed()[0]
	if r.GetDerivation() != fork.GetName() || r.GetSource() != tf || r.GetDerivative() != tofu || r.GetFromLicence() != "MPL-2.0" ||
		r.GetToLicence() != "BUSL-1.1" || r.GetEffectiveTime().AsTime() != time.Date(2023, 8, 10, 0, 0, 0, 0, time.UTC) ||
		strings.Join(r.GetPath(), " ") != tofu {
		t.Fatalf("the relicensing OpenTofu's audit reports = %v", r)
	}
	var credits lineagev1.Attribution
	s.ok(t, "GET", "/v1/"+tofu+"/attribution", "", "", &credits)
	if len(credits.GetCredits()) != 1 || credits.GetCredits()[0].GetLicence() != "MPL-2.0" {
		t.Fatalf("OpenTofu's attribution = %v", &credits)
	}

	late := s.work(t, community, "late-fork", "SOFTWARE", "MPL-2.0")
	e := s.fails(t, "POST", "/v1/derivations", community, `{"derivative":"`+late+`","source":"`+tf+`","relation":"RELATION_FORK","sourceTime":"2023-09-01T00:00:00Z"}`,
		http.StatusBadRequest, "LICENCE_CONFLICT")
	if e.metadata("inbound") != "BUSL-1.1" || e.metadata("verdict") != "VERDICT_INCOMPATIBLE" {
		t.Fatalf("the late fork was refused with %+v", e)
	}
	s.fails(t, "POST", "/v1/derivations", community, `{"derivative":"`+late+`","source":"`+tf+`","relation":"RELATION_FORK","sourceTime":"2999-01-01T00:00:00Z"}`,
		http.StatusBadRequest, "")
	s.fails(t, "GET", "/v1/"+tf+"?asOf=yesterday", "", "", http.StatusBadRequest, "")

	// The work's own scope is public: anyone replays Terraform's events
	// from the start, the fork first.
	if first := nextEvent(t, ndjson(t, ctx, s, "/v1/events:watch?work="+tf+"&sinceSequence=0", "")); first.GetKind() != lineagev1.EventKind_EVENT_KIND_DERIVATION_CREATED ||
		first.GetSequence() != 1 || first.GetDerivation().GetName() != fork.GetName() {
		t.Fatalf("the REST watch from 0 began with %v", first)
	}

	var subs lineagev1.ListSubscriptionsResponse
	s.ok(t, "GET", "/v1/subscriptions", hashicorp, "", &subs)
	if len(subs.GetSubscriptions()) != 0 {
		t.Fatalf("alice lists bob's subscription: %v", &subs)
	}
	s.ok(t, "GET", "/v1/subscriptions", apptest.RootKey, "", &subs)
	if len(subs.GetSubscriptions()) != 1 {
		t.Fatalf("an admin lists %v", &subs)
	}
	s.fails(t, "DELETE", "/v1/"+sub.GetName(), hashicorp, "", http.StatusForbidden, "")
	s.ok(t, "DELETE", "/v1/"+sub.GetName(), community, "", nil)
	s.fails(t, "GET", "/v1/"+sub.GetName(), community, "", http.StatusNotFound, "")
}

// ndjson opens a REST stream as the caller with key and returns its lines
// as they come; the channel closes when the stream ends.
func ndjson(t *testing.T, ctx context.Context, s *suite, path, key string) <-chan []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", s.BaseURL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	lines := make(chan []byte, 16)
	go func() {
		defer close(lines)
		resp, err := s.HTTPClient().Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- append([]byte(nil), sc.Bytes()...)
		}
	}()
	return lines
}

// nextEvent reads the next Event of a REST stream of events.
func nextEvent(t *testing.T, lines <-chan []byte) *lineagev1.Event {
	t.Helper()
	select {
	case line, ok := <-lines:
		var chunk struct{ Result json.RawMessage }
		var e lineagev1.Event
		if !ok || json.Unmarshal(line, &chunk) != nil || protojson.Unmarshal(chunk.Result, &e) != nil {
			t.Fatalf("REST watch line %q (stream open: %t)", line, ok)
		}
		return &e
	case <-time.After(10 * time.Second):
		t.Fatal("no REST event within 10s")
	}
	return nil
}

func ts(rfc3339 string) *timestamppb.Timestamp {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		panic(err)
	}
	return timestamppb.New(t)
}

// Issue 18: the audit of a fine-tune kept under its base model's Llama
// licence lists the derivation as conditional, with the verdict's
// conditions; it is not a conflict.
func TestAuditListsConditions(t *testing.T) {
	s := start(t, apptest.Config(t))
	key := apptest.AliceKey
	base := s.work(t, key, "llama", "MODEL", "LicenseRef-Llama-3.1")
	tune := s.work(t, key, "tune", "MODEL", "LicenseRef-Llama-3.1")
	d := s.derive(t, key, tune, base, "ADAPTATION", "")
	var audit lineagev1.AuditWorkResponse
	s.ok(t, "GET", "/v1/"+tune+":audit", "", "", &audit)
	if len(audit.GetConflicts()) != 0 || len(audit.GetConditional()) != 1 {
		t.Fatalf("the fine-tune's audit = %v", &audit)
	}
	c := audit.GetConditional()[0]
	if c.GetDerivation() != d.GetName() || c.GetSource() != base || c.GetDerivative() != tune ||
		len(c.GetCheck().GetConditions()) == 0 || strings.Join(c.GetPath(), " ") != tune {
		t.Fatalf("the conditional derivation = %v", c)
	}
	t.Logf("conditions: %q", c.GetCheck().GetConditions())
}
