package catalogservice_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// TestGetCaller: a key names its principal and roles, no key names nobody,
// an unknown key is refused rather than taken for nobody.
func TestGetCaller(t *testing.T) {
	inst := start(t, apptest.Config(t))
	c := inst.client
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want *catalogv1.Caller
	}{
		{"alice", alice, &catalogv1.Caller{Principal: "alice"}},
		{"bob", bob, &catalogv1.Caller{Principal: "bob", Reviewer: true}},
		{"root", root, &catalogv1.Caller{Principal: "root", Admin: true}},
		{"anyone", anyone, &catalogv1.Caller{}},
	} {
		got, err := c.GetCaller(tc.ctx, &catalogv1.GetCallerRequest{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.GetPrincipal() != tc.want.GetPrincipal() || got.GetAdmin() != tc.want.GetAdmin() || got.GetReviewer() != tc.want.GetReviewer() {
			t.Errorf("%s: %v; want %v", tc.name, got, tc.want)
		}
	}
	_, err := c.GetCaller(as("not-a-key"), &catalogv1.GetCallerRequest{})
	wantCode(t, "unknown key", err, codes.Unauthenticated, "")

	code, body := rest(t, inst, "GET", "/v1/caller", apptest.AliceKey, "")
	if code != 200 || str(body, "principal") != "alice" {
		t.Errorf("GET /v1/caller with alice's key: %d %v", code, body)
	}
	code, body = rest(t, inst, "GET", "/v1/caller", "", "")
	if code != 200 || str(body, "principal") != "" {
		t.Errorf("GET /v1/caller without a key: %d %v", code, body)
	}
}
