package gateway

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

// echoLineage answers ImportSbom with what it received, so the test can see
// what the gateway passed on.
type echoLineage struct {
	lineagev1.UnimplementedLineageServiceServer
}

func (echoLineage) ImportSbom(_ context.Context, req *lineagev1.ImportSbomRequest) (*lineagev1.ImportSbomResponse, error) {
	return &lineagev1.ImportSbomResponse{
		Format:         string(req.GetSbom().GetData()),
		ProductLicence: req.GetProductLicence(),
		Warnings:       []string{req.GetSbom().GetContentType()},
	}, nil
}

func newGateway(t *testing.T) http.Handler {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	lineagev1.RegisterLineageServiceServer(srv, echoLineage{})
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
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

// A request body bound to a google.api.HttpBody field reaches the service
// byte for byte, whatever its JSON says, while query parameters still fill
// the other fields.
func TestRawBodyReachesTheService(t *testing.T) {
	h := newGateway(t)
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.6", "components":[]}`
	req := httptest.NewRequest("POST", "/v1/sboms:import?productLicence=MIT", strings.NewReader(doc))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, body)
	}
	var got lineagev1.ImportSbomResponse
	if err := JSON.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.GetFormat() != doc || got.GetProductLicence() != "MIT" || got.GetWarnings()[0] != "application/json" {
		t.Fatalf("the service received %q with licence %q; want the document verbatim and the licence from the query", got.GetFormat(), got.GetProductLicence())
	}
}

func TestBodyLimit(t *testing.T) {
	h := newGateway(t)
	req := httptest.NewRequest("POST", "/v1/sboms:import", strings.NewReader(strings.Repeat(" ", 1<<16+1)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"code":3`) {
		t.Fatalf("oversized body: %d %s", rec.Code, rec.Body)
	}
}

// Every query parameter a route does not take is refused, also on routes
// whose generated handler never reads the query (body "*").
func TestUnknownQueryParameters(t *testing.T) {
	h := newGateway(t)
	tests := []struct {
		method, target string
		want           int
	}{
		{"POST", "/v1/sboms:import?productLicence=MIT", 200},
		{"POST", "/v1/sboms:import?product_licence=MIT&requestId=r1", 200},
		{"POST", "/v1/sboms:import?bogus=1", 400},
		{"POST", "/v1/sboms:import?sbom.data=x", 400},
		{"POST", "/v1/compatibility:check?use=USE_AGGREGATE", 400},
		{"GET", "/v1/health?service=stemma.lineage.v1.LineageService", 200},
		{"GET", "/v1/health?services=x", 400},
		{"DELETE", "/v1/works/a/liens/b?etag=x", 400},
		{"PATCH", "/v1/works/a?work.owner=bob", 400},
		{"PATCH", "/v1/works/a?updateMask=title", 200},
		{"DELETE", "/v1/works/a?etag=x&force=true", 200},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.target, strings.NewReader("{}"))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Code
		if got == 501 || got == 404 { // the echo service implements only ImportSbom and health
			got = 200
		}
		if got != tt.want {
			t.Errorf("%s %s = %d %s; want %d", tt.method, tt.target, rec.Code, rec.Body, tt.want)
		}
	}
}

// A stream that fails before it starts answers with the plain error body.
func TestStreamErrorsBeforeTheStreamArePlain(t *testing.T) {
	h := newGateway(t)
	req := httptest.NewRequest("GET", "/v1/derivations:watch?works=works/a", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != http.StatusNotImplemented || !strings.HasPrefix(body, `{"code":12`) {
		t.Fatalf("watch on a service that does not implement it = %d %s; want 501 with a plain status body", rec.Code, body)
	}
}
