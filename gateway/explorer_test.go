package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/stemma-registry/stemma/gateway/web"
)

// explorerGateway is a gateway whose service connections go nowhere: the
// routes tested here never reach a service.
func explorerGateway(t *testing.T) http.Handler {
	t.Helper()
	conn, err := grpc.NewClient("passthrough:///127.0.0.1:1", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	h, err := New(context.Background(), Options{Licences: conn, Catalog: conn, Lineage: conn, MaxBodyBytes: 1 << 16})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// The explorer answers at / and at its deep links; the API keeps /v1
// (with its JSON 404 for unknown routes), /openapi.json and /openapi-v2.json.
func TestExplorerBesideTheAPI(t *testing.T) {
	h := explorerGateway(t)
	do := func(method, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec
	}
	for _, p := range []string{"/", "/works/abc", "/works/abc/tree?depth=all", "/check?inbound=MIT&outbound=GPL-3.0-only"} {
		rec := do("GET", p)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("GET %s = %d %s, want the explorer", p, rec.Code, rec.Header().Get("Content-Type"))
		}
		if rec.Header().Get("Content-Security-Policy") != web.CSP {
			t.Errorf("GET %s: CSP %q", p, rec.Header().Get("Content-Security-Policy"))
		}
	}
	for _, p := range []string{"/v1/nope", "/v1/works/a/b/c/d"} {
		rec := do("GET", p)
		var st struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		if rec.Code != http.StatusNotFound || json.Unmarshal(rec.Body.Bytes(), &st) != nil || st.Code != 5 {
			t.Errorf("GET %s = %d %q, want the API's JSON 404", p, rec.Code, rec.Body.String())
		}
	}
	for _, p := range []string{"/openapi.json", "/openapi-v2.json"} {
		rec := do("GET", p)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || !json.Valid(rec.Body.Bytes()) {
			t.Errorf("GET %s = %d %s", p, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	if rec := do("POST", "/works/abc"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /works/abc = %d, want 405", rec.Code)
	}
}
