package ratelimit

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// inProcess is the peer address of a call over the in-process connection,
// the one the gateway uses.
type inProcess struct{}

func (inProcess) Network() string { return "bufconn" }
func (inProcess) String() string  { return "bufconn" }

func viaGateway(xff string) context.Context {
	ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: inProcess{}})
	return metadata.NewIncomingContext(ctx, metadata.Pairs("x-forwarded-for", xff))
}

// TestRotatedForwardedForShareABucket rotates the client-written part of
// X-Forwarded-For: the gateway appended the same TCP peer each time, so
// every request must draw on one bucket.
func TestRotatedForwardedForShareABucket(t *testing.T) {
	l := New(0, 1, 1, 3)
	var refused error
	for i := range 10 {
		if err := l.Limit(viaGateway(fmt.Sprintf("10.9.%d.%d, 203.0.113.7", i/250, i%250)), "/stemma.catalog.v1.CatalogService/GetWork", nil); err != nil {
			refused = err
			break
		}
	}
	if status.Code(apierr.ToStatus(refused).Err()) != codes.ResourceExhausted {
		t.Fatalf("10 requests with rotated X-Forwarded-For and a burst of 3: got %v, want RESOURCE_EXHAUSTED", refused)
	}
}

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	cases := []struct {
		name    string
		trusted []netip.Prefix
		xff     string
		want    string
	}{
		{"gateway peer only", nil, "203.0.113.7", "203.0.113.7"},
		{"client-written entries ignored", nil, "1.2.3.4, 203.0.113.7", "203.0.113.7"},
		{"untrusted proxy is the client", nil, "198.51.100.1, 10.0.0.5", "10.0.0.5"},
		{"trusted proxy skipped", trusted, "198.51.100.1, 10.0.0.5", "198.51.100.1"},
		{"two trusted proxies skipped", trusted, "6.6.6.6, 198.51.100.1, 10.1.1.1, 10.0.0.5", "198.51.100.1"},
		{"trusted IPv6 proxy skipped", trusted, "2001:db8::1, fd00::2", "2001:db8::1"},
		{"every hop trusted", trusted, "10.0.0.9, 10.0.0.5", "10.0.0.9"},
		{"garbage left of a trusted proxy", trusted, "not-an-ip, 10.0.0.5", "not-an-ip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := New(0, 1, 1, 1)
			l.TrustProxies(c.trusted)
			if got := l.clientAddr(viaGateway(c.xff)); got != c.want {
				t.Errorf("clientAddr(x-forwarded-for: %s) = %q, want %q", c.xff, got, c.want)
			}
		})
	}
}

// TestExpensiveCallsCostMore spends a burst of 20 on audits: each takes 10
// tokens, so the third is refused where twenty GetWorks would pass.
func TestExpensiveCallsCostMore(t *testing.T) {
	l := New(0, 1, 0.001, 20)
	ctx := viaGateway("203.0.113.7")
	for i := range 2 {
		if err := l.Limit(ctx, "/stemma.lineage.v1.LineageService/AuditWork", nil); err != nil {
			t.Fatalf("audit %d within the burst: %v", i, err)
		}
	}
	if err := l.Limit(ctx, "/stemma.lineage.v1.LineageService/AuditWork", nil); err == nil {
		t.Fatal("a third audit on a burst of 20: allowed; want RESOURCE_EXHAUSTED")
	}
	other := viaGateway("203.0.113.8")
	for i := range 20 {
		if err := l.Limit(other, "/stemma.catalog.v1.CatalogService/GetWork", nil); err != nil {
			t.Fatalf("GetWork %d within the burst: %v", i, err)
		}
	}
	if got := Cost("/stemma.lineage.v1.LineageService/ImportSbom", nil); got <= Cost("/stemma.catalog.v1.CatalogService/GetWork", nil) {
		t.Errorf("ImportSbom costs %d, no more than a GetWork", got)
	}
}

// TestBigRequestsCostMore: a batch pays for its items and an SBOM for its
// bytes, so neither buys a thousand calls' work for the price of one.
func TestBigRequestsCostMore(t *testing.T) {
	const check = "/stemma.licences.v1.LicencesService/BatchCheckCompatibility"
	batch := func(n int) *licencesv1.BatchCheckCompatibilityRequest {
		r := &licencesv1.BatchCheckCompatibilityRequest{}
		for range n {
			r.Checks = append(r.Checks, &licencesv1.CheckCompatibilityRequest{Inbound: "MIT", Outbound: "MIT"})
		}
		return r
	}
	if one, many := Cost(check, batch(1)), Cost(check, batch(1000)); one != 1 || many != 101 {
		t.Errorf("a batch of 1 costs %d, of 1000 costs %d; want 1 and 101", one, many)
	}
	const imp = "/stemma.lineage.v1.LineageService/ImportSbom"
	small := &lineagev1.ImportSbomRequest{Sbom: &httpbody.HttpBody{Data: make([]byte, 1000)}}
	big := &lineagev1.ImportSbomRequest{Sbom: &httpbody.HttpBody{Data: make([]byte, 4<<20)}}
	if s, b := Cost(imp, small), Cost(imp, big); s != 20 || b != 20+64 {
		t.Errorf("a 1 kB SBOM costs %d, a 4 MiB one %d; want 20 and 84", s, b)
	}
	l := New(0, 1, 0.001, 200)
	ctx := viaGateway("203.0.113.9")
	if err := l.Limit(ctx, check, batch(1000)); err != nil {
		t.Fatalf("a batch of 1000 within a burst of 200: %v", err)
	}
	if err := l.Limit(ctx, check, batch(1000)); err == nil {
		t.Fatal("a second batch of 1000 on a burst of 200: allowed; want RESOURCE_EXHAUSTED")
	}
}

// A licence text is priced by its length: a 64 KiB text takes 17 tokens
// where a name takes 1, so a burst of 20 admits one such text and then
// refuses the next.
func TestIdentifyTextCostsByLength(t *testing.T) {
	const identify = "/stemma.licences.v1.LicenceService/IdentifyLicence"
	long := &licencesv1.IdentifyLicenceRequest{Text: strings.Repeat("licence ", 8<<10)}
	name := &licencesv1.IdentifyLicenceRequest{Name: "GPLv3"}
	if got := Cost(identify, name); got != 1 {
		t.Errorf("a name costs %d tokens; want 1", got)
	}
	if got := Cost(identify, long); got != 17 {
		t.Errorf("a 64 KiB text costs %d tokens; want 17", got)
	}
	batch := &licencesv1.BatchIdentifyLicencesRequest{Requests: []*licencesv1.IdentifyLicenceRequest{long, long}}
	if got := Cost("/stemma.licences.v1.LicenceService/BatchIdentifyLicences", batch); got != 33 {
		t.Errorf("a batch of two 64 KiB texts costs %d tokens; want 33", got)
	}
	if got := Cost("/stemma.catalog.v1.CatalogService/GetWork", long); got != 1 {
		t.Errorf("an unsized method costs %d tokens for a large request; want 1", got)
	}
	l := New(0, 1, 0.001, 20)
	ctx := viaGateway("203.0.113.10")
	if err := l.Limit(ctx, identify, long); err != nil {
		t.Fatalf("one long text within a burst of 20: %v", err)
	}
	if err := l.Limit(ctx, identify, long); err == nil {
		t.Fatal("a second long text on a burst of 20: allowed; want RESOURCE_EXHAUSTED")
	}
	for i := range 3 {
		if err := l.Limit(ctx, identify, name); err != nil {
			t.Fatalf("name %d with 3 tokens left: %v", i, err)
		}
	}
}
