package app_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// TestRESTRefusesTheInternalKey presents the internal key to the gateway,
// on a read and on a write: it acts for every owner, so on the public port
// it must be as good as no key at all, and worse than an unknown one.
func TestRESTRefusesTheInternalKey(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/licences/MIT", ""},
		{"POST", "/v1/works", `{"kind":"WORK_KIND_TEXT","title":"Squatted","licence":"MIT"}`},
	} {
		if code, body := inst.Do(t, c.method, c.path, apptest.InternalKey, c.body); code != http.StatusUnauthorized {
			t.Errorf("%s %s with the internal key: %d %s; want 401", c.method, c.path, code, body)
		}
	}
	if code, body := inst.Do(t, "POST", "/v1/works", apptest.AliceKey, `{"kind":"WORK_KIND_TEXT","title":"Mine","licence":"MIT"}`); code != http.StatusOK {
		t.Fatalf("alice creates a work: %d %s", code, body)
	}
}

// TestAnonymousLimitIgnoresForwardedFor rotates X-Forwarded-For on every
// anonymous request: the gateway's own view of the client is the same, so
// the requests share one bucket and the burst runs out.
func TestAnonymousLimitIgnoresForwardedFor(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.AnonymousRateLimit = 0.01
	cfg.AnonymousRateBurst = 3
	inst := apptest.Start(t, cfg)
	codes := map[int]int{}
	for i := range 10 {
		req, err := http.NewRequest("GET", inst.BaseURL()+"/v1/licences/MIT", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
		resp, err := inst.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes[resp.StatusCode]++
	}
	if codes[http.StatusOK] != 3 || codes[http.StatusTooManyRequests] != 7 {
		t.Fatalf("10 anonymous reads with rotated X-Forwarded-For and a burst of 3: %v; want 3 OK and 7 429", codes)
	}
}
