package lineageservice

import (
	"context"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/licences/licenceservice"
)

// rulesRefresh is how long a rules version learnt from the licences
// service is trusted before it is asked again. Audits found in the cache
// make no licence calls, so without asking, a replica would go on reading
// the audits of rules the licences service no longer runs; this bounds how
// long after a rollout of new rules that can last.
const rulesRefresh = 5 * time.Second

// rules tracks the version of the licence rules the licences service
// answers with (licenceservice.RulesVersionHeader).
type rules struct {
	client licencesv1.LicenceServiceClient
	now    func() time.Time

	mu      sync.Mutex
	version string
	learnt  time.Time
}

// observe records the version a response carried.
func (r *rules) observe(md metadata.MD) string {
	v := ""
	if vs := md.Get(licenceservice.RulesVersionHeader); len(vs) > 0 {
		v = vs[0]
	}
	if v != "" {
		r.mu.Lock()
		r.version, r.learnt = v, r.now()
		r.mu.Unlock()
	}
	return v
}

// current returns the version of the rules the licences service answers
// with now: the one last learnt if it is recent, else asked with the
// cheapest call that carries it. When the service cannot be asked, the
// last version learnt is returned, or "" if none was: callers then neither
// read nor write version-keyed entries.
func (r *rules) current(ctx context.Context) string {
	r.mu.Lock()
	v, fresh := r.version, r.now().Sub(r.learnt) < rulesRefresh
	r.mu.Unlock()
	if v != "" && fresh {
		return v
	}
	var md metadata.MD
	if _, err := r.client.ListLicences(ctx, &licencesv1.ListLicencesRequest{PageSize: 1}, grpc.Header(&md)); err == nil {
		if got := r.observe(md); got != "" {
			return got
		}
	}
	return v
}

// versionsSeen collects the rules versions of the licence answers an
// operation used, so that what it computed is cached only under the
// version that computed it: during a rollout, replicas of the licences
// service with different rules may answer one audit's batches.
type versionsSeen struct {
	mu       sync.Mutex
	versions map[string]bool
}

type versionsKey struct{}

// withVersions returns a context whose licence calls record their rules
// versions in the returned set.
func withVersions(ctx context.Context) (context.Context, *versionsSeen) {
	v := &versionsSeen{versions: map[string]bool{}}
	return context.WithValue(ctx, versionsKey{}, v), v
}

func recordVersion(ctx context.Context, version string) {
	if v, ok := ctx.Value(versionsKey{}).(*versionsSeen); ok {
		v.mu.Lock()
		v.versions[version] = true
		v.mu.Unlock()
	}
}

// only reports whether every answer recorded came from rules of version
// want (true when no licence call was made: nothing else was used).
func (v *versionsSeen) only(want string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	for got := range v.versions {
		if got != want {
			return false
		}
	}
	return true
}
