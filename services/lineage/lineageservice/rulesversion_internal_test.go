package lineageservice

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/licences/licenceservice"
)

// fakeLicences answers ListLicences with a rules version header, or fails.
type fakeLicences struct {
	licencesv1.LicenceServiceClient
	version string
	down    bool
	calls   int
}

func (f *fakeLicences) ListLicences(_ context.Context, _ *licencesv1.ListLicencesRequest, opts ...grpc.CallOption) (*licencesv1.ListLicencesResponse, error) {
	f.calls++
	if f.down {
		return nil, errors.New("unavailable")
	}
	for _, o := range opts {
		if h, ok := o.(grpc.HeaderCallOption); ok {
			*h.HeaderAddr = metadata.Pairs(licenceservice.RulesVersionHeader, f.version)
		}
	}
	return &licencesv1.ListLicencesResponse{}, nil
}

// The rules version is asked for at most once per rulesRefresh, a new one
// is seen once that has passed (a rollout of new rules is noticed even by
// a replica whose audits all come from the cache), and a licences service
// that cannot be asked leaves the last version known.
func TestRulesVersionRefresh(t *testing.T) {
	f := &fakeLicences{version: "A"}
	now := time.Unix(1000, 0)
	r := &rules{client: f, now: func() time.Time { return now }}
	ctx := context.Background()
	if v := r.current(ctx); v != "A" {
		t.Fatalf("first: %q", v)
	}
	f.version = "B"
	now = now.Add(rulesRefresh / 2)
	if v := r.current(ctx); v != "A" || f.calls != 1 {
		t.Fatalf("within the refresh: %q after %d calls; want A after 1", v, f.calls)
	}
	now = now.Add(rulesRefresh)
	if v := r.current(ctx); v != "B" {
		t.Fatalf("after the refresh: %q; want B", v)
	}
	f.down = true
	now = now.Add(2 * rulesRefresh)
	if v := r.current(ctx); v != "B" {
		t.Fatalf("licences down: %q; want the last known B", v)
	}
	if v := (&rules{client: f, now: time.Now}).current(ctx); v != "" {
		t.Fatalf("never learnt and licences down: %q; want none", v)
	}
}

// An audit's answers are cached only if every one came from the rules
// version its key names.
func TestVersionsSeen(t *testing.T) {
	ctx, seen := withVersions(context.Background())
	if !seen.only("A") {
		t.Error("no licence call: not cacheable")
	}
	recordVersion(ctx, "A")
	if !seen.only("A") {
		t.Error("all from A: not cacheable under A")
	}
	recordVersion(ctx, "B")
	if seen.only("A") {
		t.Error("answers from A and B: cacheable under A")
	}
	recordVersion(context.Background(), "C") // no set: ignored
}
