package auth_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/auth"
)

func TestVerify(t *testing.T) {
	k := auth.NewKeys(map[string]string{"alice": "key-alice", "bob": "key-bob"}, []string{"bob"}, "key-internal")
	tests := []struct {
		key  string
		want auth.Principal
		ok   bool
	}{
		{"key-alice", auth.Principal{Name: "alice"}, true},
		{"key-bob", auth.Principal{Name: "bob", Admin: true}, true},
		{"key-internal", auth.Principal{Name: auth.InternalPrincipal, Internal: true}, true},
		{"key-alicE", auth.Principal{}, false},
		{"", auth.Principal{}, false},
	}
	for _, tt := range tests {
		got, ok := k.Verify(tt.key)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Verify(%q) = %+v, %v; want %+v, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
	if !(auth.Principal{Name: "bob", Admin: true}).CanActOn("alice") || (auth.Principal{Name: "alice"}).CanActOn("bob") {
		t.Error("CanActOn: only owners, admins and the internal principal may act")
	}
}

// Reviewers of curations are named apart from admins; admins review too,
// the internal principal does not.
func TestReviewers(t *testing.T) {
	k := auth.NewKeys(map[string]string{"alice": "key-alice", "bob": "key-bob", "carol": "key-carol"}, []string{"carol"}, "key-internal").
		WithReviewers([]string{"bob", "nobody"})
	for key, want := range map[string]bool{"key-alice": false, "key-bob": true, "key-carol": true, "key-internal": false} {
		p, ok := k.Verify(key)
		if !ok || p.CanReview() != want {
			t.Errorf("%s: %+v CanReview = %v, want %v", key, p, p.CanReview(), want)
		}
	}
}

// Every write of the API needs a principal; reads and the licences service
// do not. The policy is derived from the HTTP rules, so a new write method
// is covered without being listed.
func TestPolicyCoversEveryMethod(t *testing.T) {
	p := app.Policy()
	methods := p.Methods()
	if len(methods) < 30 {
		t.Fatalf("policy knows %d methods; want every method of the three services", len(methods))
	}
	wantPublic := map[string]bool{
		"/stemma.catalog.v1.CatalogService/GetWork":                 true,
		"/stemma.catalog.v1.CatalogService/LookupWorks":             true,
		"/stemma.catalog.v1.CatalogService/CreateWork":              false,
		"/stemma.catalog.v1.CatalogService/UpdateWork":              false,
		"/stemma.catalog.v1.CatalogService/DeleteWork":              false,
		"/stemma.catalog.v1.CatalogService/CreateLien":              false,
		"/stemma.catalog.v1.CatalogService/BatchCreateWorks":        false,
		"/stemma.lineage.v1.LineageService/CreateDerivation":        false,
		"/stemma.lineage.v1.LineageService/DeleteDerivation":        false,
		"/stemma.lineage.v1.LineageService/AuditWork":               true,
		"/stemma.lineage.v1.LineageService/WatchDerivations":        true,
		"/stemma.licences.v1.LicenceService/CheckCompatibility":     true,
		"/stemma.licences.v1.LicenceService/ParseExpression":        true,
		"/stemma.licences.v1.LicenceService/SuggestOutbound":        true,
		"/stemma.licences.v1.LicenceService/IdentifyLicence":        true,
		"/stemma.licences.v1.LicenceService/BatchIdentifyLicences":  true,
		"/grpc.health.v1.Health/Check":                              true,
		"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo": true,
	}
	for m, want := range wantPublic {
		if got := p.Public(m); got != want {
			t.Errorf("Public(%s) = %v, want %v", m, got, want)
		}
	}
	if p.Public("/stemma.catalog.v1.CatalogService/NoSuchMethod") {
		t.Error("an unknown Stemma method is public; the default must be to deny")
	}
}

func TestInterceptor(t *testing.T) {
	k := auth.NewKeys(map[string]string{"alice": "key-alice"}, nil, "")
	p := app.Policy()
	call := func(method, header string) (auth.Principal, bool, error) {
		ctx := context.Background()
		if header != "" {
			ctx = metadata.NewIncomingContext(ctx, metadata.Pairs("authorization", header))
		}
		var got auth.Principal
		var ok bool
		_, err := k.UnaryInterceptor(p)(ctx, nil, &grpc.UnaryServerInfo{FullMethod: method}, func(ctx context.Context, _ any) (any, error) {
			got, ok = auth.FromContext(ctx)
			return nil, nil
		})
		return got, ok, err
	}
	const write = "/stemma.catalog.v1.CatalogService/CreateWork"
	const read = "/stemma.catalog.v1.CatalogService/GetWork"
	if _, _, err := call(write, ""); !apierr.Is(err, apierr.Unauthenticated) {
		t.Errorf("write without key: %v; want UNAUTHENTICATED", err)
	}
	if _, _, err := call(write, "Bearer wrong-key"); !apierr.Is(err, apierr.Unauthenticated) {
		t.Errorf("write with a wrong key: %v; want UNAUTHENTICATED", err)
	}
	if _, _, err := call(read, "Basic a2V5"); !apierr.Is(err, apierr.Unauthenticated) {
		t.Errorf("read with a malformed header: %v; want UNAUTHENTICATED", err)
	}
	if pr, ok, err := call(write, "bearer key-alice"); err != nil || !ok || pr.Name != "alice" {
		t.Errorf("write with alice's key: %+v, %v, %v", pr, ok, err)
	}
	if _, ok, err := call(read, ""); err != nil || ok {
		t.Errorf("anonymous read: principal %v, err %v; want anonymous and allowed", ok, err)
	}
}
