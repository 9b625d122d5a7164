package lineageservice_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
	"github.com/stemma-registry/stemma/services/licences/licenceservice"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// redisKeys returns the keys under prefix+pattern.
func redisKeys(t *testing.T, url, pattern string) []string {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	keys, err := c.Keys(context.Background(), pattern).Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// cacheLookups returns the instance's Redis cache lookups with the result.
func cacheLookups(t *testing.T, s *suite, result string) int {
	t.Helper()
	resp, err := http.Get(s.BaseURL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	want := `stemma_cache_requests_total{backend="redis",result="` + result + `"} `
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), want); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
	}
	return 0
}

// Walks that differ only in how they spell the same relations, or in a
// depth bound beyond the graph's reach, share one cache entry: the second
// and later are hits, and Redis holds one closure per distinct answer.
func TestEquivalentWalksShareCacheEntries(t *testing.T) {
	cfg := withRedis(t, apptest.Config(t))
	s := start(t, cfg)
	k := apptest.AliceKey
	a := s.work(t, k, "a", "TEXT", "CC0-1.0")
	b := s.work(t, k, "b", "TEXT", "CC0-1.0")
	c := s.work(t, k, "c", "TEXT", "CC0-1.0")
	s.derive(t, k, b, a, "ADAPTATION", "")
	s.derive(t, k, c, b, "FORK", "")

	var every []lineagev1.Relation
	for r := lineagev1.Relation_RELATION_ADAPTATION; r <= lineagev1.Relation_RELATION_TRAINING; r++ {
		every = append(every, r)
	}
	fa := []lineagev1.Relation{lineagev1.Relation_RELATION_FORK, lineagev1.Relation_RELATION_ADAPTATION}
	afa := []lineagev1.Relation{lineagev1.Relation_RELATION_ADAPTATION, lineagev1.Relation_RELATION_FORK, lineagev1.Relation_RELATION_FORK}
	hits0, misses0 := cacheLookups(t, s, "hit"), cacheLookups(t, s, "miss")
	for i, q := range []struct {
		down      bool
		depth     int32
		relations []lineagev1.Relation
		want      string
	}{
		{false, 0, nil, b + " " + a},    // computed: complete, cached as such (2 misses)
		{false, 5, every, b + " " + a},  // hit: every relation is no filter
		{false, 2, nil, b + " " + a},    // hit: a bound at the graph's reach
		{false, 1000, nil, b + " " + a}, // hit: clamped, and beyond the reach anyway
		{false, 0, fa, b + " " + a},     // computed: another relation set (2 misses)
		{false, 0, afa, b + " " + a},    // hit: the same set in another order, repeated
		{false, 1, nil, b},              // hit: a shallower bound, from the complete closure
		{false, 1, every, b},            // hit
		{true, 1, nil, b},               // computed, cut short by the bound: cached under it (2 misses)
		{true, 1, every, b},             // no complete closure yet (miss), the bounded one (hit)
		{true, 0, nil, b + " " + c},     // computed: complete (2 misses)
		{true, 1, nil, b},               // hit: from the complete closure
	} {
		var got string
		if q.down {
			resp, err := s.lineage.ListDescendants(anyone, &lineagev1.ListDescendantsRequest{Work: a, MaxDepth: q.depth, Relations: q.relations})
			if err != nil {
				t.Fatalf("query %d: %v", i, err)
			}
			got = names(resp.GetDescendants())
		} else {
			resp, err := s.lineage.ListAncestors(anyone, &lineagev1.ListAncestorsRequest{Work: c, MaxDepth: q.depth, Relations: q.relations})
			if err != nil {
				t.Fatalf("query %d: %v", i, err)
			}
			got = names(resp.GetAncestors())
		}
		if got != q.want {
			t.Errorf("query %d (depth %d, relations %v): %s; want %s", i, q.depth, q.relations, got, q.want)
		}
	}
	if hits, misses := cacheLookups(t, s, "hit")-hits0, cacheLookups(t, s, "miss")-misses0; hits != 8 || misses != 9 {
		t.Errorf("%d hits, %d misses; want 8 hits, 9 misses", hits, misses)
	}
	keys := redisKeys(t, cfg.RedisURL, cfg.RedisPrefix+"lineage:closure:*")
	if len(keys) != 4 {
		t.Errorf("closure keys %v; want 4 (ancestors: complete for every relation and for fork and adaptation; descendants: bounded at 1, complete)", keys)
	}
}

// otherRules stands for a licences service running other licence rules:
// it forwards to the real one but answers every check INCOMPATIBLE, and
// says its rules are of another version.
type otherRules struct {
	licencesv1.UnimplementedLicenceServiceServer
	real    licencesv1.LicenceServiceClient
	version string
}

func (o *otherRules) stamp(ctx context.Context) {
	_ = grpc.SetHeader(ctx, metadata.Pairs(licenceservice.RulesVersionHeader, o.version))
}

func (o *otherRules) ListLicences(ctx context.Context, req *licencesv1.ListLicencesRequest) (*licencesv1.ListLicencesResponse, error) {
	o.stamp(ctx)
	return o.real.ListLicences(ctx, req)
}

func (o *otherRules) ParseExpression(ctx context.Context, req *licencesv1.ParseExpressionRequest) (*licencesv1.ParseExpressionResponse, error) {
	return o.real.ParseExpression(ctx, req)
}

func (o *otherRules) BatchCheckCompatibility(ctx context.Context, req *licencesv1.BatchCheckCompatibilityRequest) (*licencesv1.BatchCheckCompatibilityResponse, error) {
	o.stamp(ctx)
	resp, err := o.real.BatchCheckCompatibility(ctx, req)
	if err != nil {
		return nil, err
	}
	for _, r := range resp.GetResults() {
		r.Verdict = licencesv1.Verdict_VERDICT_INCOMPATIBLE
		r.Reasons = []*licencesv1.Reason{{Rule: "other-rules", Message: "the other rules refuse everything", Verdict: licencesv1.Verdict_VERDICT_INCOMPATIBLE}}
	}
	return resp, nil
}

// Two lineage replicas share a database and a Redis, one talking to a
// licences service whose rules differ: the audit one cached is not served
// by the other, whose rules give other verdicts, and each caches its own
// under its rules' version.
func TestAuditsAreKeyedByRulesVersion(t *testing.T) {
	be, startReplica, shared := replicas(t)

	conn, err := grpc.NewClient(be.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	licencesv1.RegisterLicenceServiceServer(srv, &otherRules{real: licencesv1.NewLicenceServiceClient(conn), version: "other-rules-v9"})
	hs := health.NewServer()
	hs.SetServingStatus(licencesv1.LicenceService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)

	replica := func(licences string) *suite {
		return startReplica(func(c *config.Config) { c.LicencesAddr = licences })
	}
	current, other := replica(be.InternalGRPCAddr()), replica(lis.Addr().String())
	k := apptest.AliceKey
	a := current.work(t, k, "a", "TEXT", "MIT")
	b := current.work(t, k, "b", "TEXT", "MIT")
	current.derive(t, k, b, a, "ADAPTATION", "")

	audit := func(s *suite) int {
		t.Helper()
		resp, err := s.lineage.AuditWork(anyone, &lineagev1.AuditWorkRequest{Work: b})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.GetConflicts())
	}
	if n := audit(current); n != 0 {
		t.Fatalf("MIT into MIT: %d conflicts under the current rules", n)
	}
	if n := audit(other); n == 0 {
		t.Fatal("the replica with other rules served the audit cached under the current rules")
	}
	// Each replica now hits its own entry.
	if n := audit(current); n != 0 {
		t.Errorf("current rules, second audit: %d conflicts", n)
	}
	if n := audit(other); n == 0 {
		t.Error("other rules, second audit: no conflicts")
	}
	keys := redisKeys(t, shared.RedisURL, shared.RedisPrefix+"lineage:audit:*")
	var withOther int
	for _, key := range keys {
		if strings.Contains(key, ":other-rules-v9:") {
			withOther++
		}
	}
	if len(keys) != 2 || withOther != 1 {
		t.Errorf("audit keys %v; want one per rules version", keys)
	}
}

// A closure another process writes into Redis under the key Stemma reads,
// well formed but without the deployment's MAC, is not served: the answer
// comes from the store, and the lookup counts as unauthenticated.
func TestForgedClosureIsNotServed(t *testing.T) {
	cfg := withRedis(t, apptest.Config(t))
	s := start(t, cfg)
	k := apptest.AliceKey
	a := s.work(t, k, "a", "TEXT", "CC0-1.0")
	b := s.work(t, k, "b", "TEXT", "CC0-1.0")
	s.derive(t, k, b, a, "ADAPTATION", "")
	if _, err := s.lineage.ListAncestors(anyone, &lineagev1.ListAncestorsRequest{Work: b}); err != nil {
		t.Fatal(err)
	}
	keys := redisKeys(t, cfg.RedisURL, cfg.RedisPrefix+"lineage:closure:*")
	if len(keys) != 1 {
		t.Fatalf("closure keys %v; want 1", keys)
	}
	// The forger's closure says b derives from a work "forged".
	forged, _ := (&graph.Closure{Nodes: []graph.Node{
		{Work: "b", Parent: -1, Onward: true},
		{Work: "forged", Depth: 1, Parent: 0, Derivation: "x", Relation: graph.Adaptation},
	}}).MarshalBinary()
	opt, _ := redis.ParseURL(cfg.RedisURL)
	rc := redis.NewClient(opt)
	defer rc.Close()
	if err := rc.Set(context.Background(), keys[0], forged, 0).Err(); err != nil {
		t.Fatal(err)
	}
	before := cacheLookups(t, s, "unauthenticated")
	resp, err := s.lineage.ListAncestors(anyone, &lineagev1.ListAncestorsRequest{Work: b})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(resp.GetAncestors()); got != a {
		t.Errorf("ancestors %s; want %s (the forged closure was served)", got, a)
	}
	if n := cacheLookups(t, s, "unauthenticated") - before; n != 1 {
		t.Errorf("%d unauthenticated lookups; want 1", n)
	}
}

// Two replicas with different closure bounds share a Redis: the complete
// closure one caches is not served to the other when it holds more works
// than the other's bound; that one cuts its walk and says so.
func TestCompleteClosureRespectsTheClosureBound(t *testing.T) {
	_, start, _ := replicas(t)
	replica := func(maxClosure int) *suite {
		return start(func(c *config.Config) { c.MaxClosure = maxClosure })
	}
	wide, narrow := replica(100), replica(2)
	k := apptest.AliceKey
	r := wide.work(t, k, "r", "TEXT", "CC0-1.0")
	for _, id := range []string{"s1", "s2", "s3"} {
		wide.derive(t, k, r, wide.work(t, k, id, "TEXT", "CC0-1.0"), "FORK", "")
	}
	resp, err := wide.lineage.ListAncestors(anyone, &lineagev1.ListAncestorsRequest{Work: r})
	if err != nil || resp.GetTotalSize() != 3 || resp.GetTruncated() {
		t.Fatalf("wide replica: %v, %v; want 3 ancestors, whole", resp, err)
	}
	resp, err = narrow.lineage.ListAncestors(anyone, &lineagev1.ListAncestorsRequest{Work: r})
	if err != nil || resp.GetTotalSize() != 2 || !resp.GetTruncated() {
		t.Fatalf("narrow replica: %v, %v; want 2 ancestors, truncated", resp, err)
	}
	// The wide replica still reads the complete closure.
	resp, err = wide.lineage.ListAncestors(anyone, &lineagev1.ListAncestorsRequest{Work: r, MaxDepth: 1})
	if err != nil || resp.GetTotalSize() != 3 || resp.GetTruncated() {
		t.Fatalf("wide replica, depth 1: %v, %v; want 3 ancestors, whole", resp, err)
	}
}
