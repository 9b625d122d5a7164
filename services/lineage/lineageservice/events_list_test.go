package lineageservice_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/lineage/internal/lineagetest"
)

// ListEvents pages through the past of a scope and stops at the log's
// head; a watch from the last page's head_sequence goes on from there
// with nothing missed and nothing repeated. On SQLite and PostgreSQL.
func TestListEventsReadsThePastThenTheWatchGoesOn(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cfg := eventsConfig(t)
			if engine == "postgres" {
				cfg.DatabaseURL = lineagetest.Database(t)
			}
			listEvents(t, start(t, cfg))
		})
	}
}

func listEvents(t *testing.T, s *suite) {
	alice := apptest.AliceKey
	root := s.work(t, alice, "root", "SOFTWARE", "MIT")
	mid := s.work(t, alice, "mid", "SOFTWARE", "MIT")
	leaf := s.work(t, alice, "leaf", "SOFTWARE", "MIT")
	other := s.work(t, alice, "other", "SOFTWARE", "MIT")
	s.derive(t, alice, mid, root, "ADAPTATION", "")
	s.derive(t, alice, leaf, mid, "ADAPTATION", "")
	for _, change := range []struct{ work, licence string }{{root, "Apache-2.0"}, {other, "BSD-3-Clause"}, {root, "MIT"}} {
		s.ok(t, "PATCH", "/v1/"+change.work+"?updateMask=licence", alice, `{"licence":"`+change.licence+`"}`, nil)
	}
	// Licence changes reach the log through the relay.
	list := func(query string) *lineagev1.ListEventsResponse {
		var resp lineagev1.ListEventsResponse
		s.ok(t, "GET", "/v1/events?"+query, alice, "", &resp)
		return &resp
	}
	waitFor(t, "the relayed licence changes", func() bool {
		return len(list("work="+other+"&kinds=EVENT_KIND_LICENCE_CHANGED").GetEvents()) == 1 &&
			len(list("work="+root+"&kinds=EVENT_KIND_LICENCE_CHANGED").GetEvents()) == 2
	})

	// The leaf's ancestors, one event a page: the two derivations and
	// root's two changes, in log order, none of other's.
	scope := "work=" + url.QueryEscape(leaf) + "&scope=SCOPE_ANCESTORS"
	base := scope + "&pageSize=1"
	var got []*lineagev1.Event
	var head int64
	for token, pages := "", 0; ; pages++ {
		if pages > 10 {
			t.Fatalf("more than 10 pages for 4 events: %v", got)
		}
		resp := list(base + "&pageToken=" + url.QueryEscape(token))
		if len(resp.GetEvents()) > 1 {
			t.Fatalf("page of size 1 holds %d events", len(resp.GetEvents()))
		}
		got, head = append(got, resp.GetEvents()...), resp.GetHeadSequence()
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	want := []string{"EVENT_KIND_DERIVATION_CREATED", "EVENT_KIND_DERIVATION_CREATED", "EVENT_KIND_LICENCE_CHANGED", "EVENT_KIND_LICENCE_CHANGED"}
	if len(got) != len(want) {
		t.Fatalf("leaf's ancestors' events: %v", got)
	}
	for i, e := range got {
		if e.GetKind().String() != want[i] || (i > 0 && e.GetSequence() <= got[i-1].GetSequence()) {
			t.Fatalf("event %d = %v; want a %s after %v", i, e, want[i], got[max(i-1, 0)])
		}
		if lc := e.GetLicenceChange(); lc != nil && lc.GetWork() != root {
			t.Fatalf("a licence change of %s in the leaf's ancestors", lc.GetWork())
		}
	}
	if got[3].GetLicenceChange().GetLicence() != "MIT" || head < got[3].GetSequence() {
		t.Fatalf("last event %v, head %d", got[3], head)
	}

	// The whole list in one page, by kind, says the same.
	whole := list(scope + "&kinds=EVENT_KIND_LICENCE_CHANGED")
	if len(whole.GetEvents()) != 2 || whole.GetNextPageToken() != "" || whole.GetEvents()[1].GetId() != got[3].GetId() {
		t.Fatalf("licence changes of the leaf's ancestors in one page: %v", whole)
	}

	// From the head on, the watch has the next change and only it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := ndjson(t, ctx, s, "/v1/events:watch?"+scope+"&sinceSequence="+strconv.FormatInt(head, 10), alice)
	s.ok(t, "PATCH", "/v1/"+root+"?updateMask=licence", alice, `{"licence":"0BSD"}`, nil)
	next := nextEvent(t, stream)
	if next.GetLicenceChange().GetLicence() != "0BSD" || next.GetSequence() <= head {
		t.Fatalf("after head %d the watch sent %v", head, next)
	}

	// A token is for the query that issued it; the scope needs a key.
	first := list(base)
	s.fails(t, "GET", "/v1/events?work="+url.QueryEscape(leaf)+"&pageSize=1&pageToken="+url.QueryEscape(first.GetNextPageToken()), alice, "", http.StatusBadRequest, "")
	s.fails(t, "GET", "/v1/events?"+base, "", "", http.StatusUnauthorized, "")
	s.fails(t, "GET", "/v1/events?work=works/no-such-work", alice, "", http.StatusNotFound, "")
	s.fails(t, "GET", "/v1/events?"+base+"&pageSize=-1", alice, "", http.StatusBadRequest, "")
}
