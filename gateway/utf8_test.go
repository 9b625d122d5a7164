package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A path or query that is not UTF-8 once unescaped is the caller's
// mistake: 400, where copying it into a protobuf string made gRPC fail to
// marshal the request and the gateway answer 500.
func TestInvalidUTF8IsBadRequest(t *testing.T) {
	h := newGateway(t)
	for _, target := range []string{
		"/v1/sboms:import?productLicence=%ff%fe",
		"/v1/sboms:import?requestId=a%c0%af",
		"/v1/sboms:import?%ff=x",
	} {
		req := httptest.NewRequest("POST", target, strings.NewReader(`{}`))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"code":3`) {
			t.Errorf("%s: %d %s", target, rec.Code, rec.Body)
		}
	}
}
