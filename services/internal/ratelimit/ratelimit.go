// Package ratelimit limits how fast each caller may call: a token bucket
// (golang.org/x/time/rate) per principal, and optionally one per client
// address for anonymous callers, kept in Redis when the replicas share one
// (Share) so that every replica draws on the same bucket. A caller over its rate gets
// RESOURCE_EXHAUSTED (HTTP 429) with a RetryInfo saying when to come back.
package ratelimit

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
)

// maxBuckets bounds the buckets kept in memory; the least recently seen
// caller's bucket is dropped first (it refills to a full burst when it
// returns, which only errs towards letting a caller through).
const maxBuckets = 100_000

// Limiter keeps one token bucket per caller.
type Limiter struct {
	principal, anonymous rate.Limit
	burst, anonBurst     int
	buckets              *lru.Cache[string, *rate.Limiter]
	// failures holds one bucket of failed authentications per client
	// address.
	failures          *lru.Cache[string, *rate.Limiter]
	failuresPerMinute int
	// trusted are the proxies in front of the gateway whose
	// X-Forwarded-For entries are believed (see clientAddr).
	trusted []netip.Prefix
	// shared, when set, holds the callers' buckets in Redis (Share).
	shared *shared
}

// TrustProxies makes the limiter believe X-Forwarded-For entries added by
// proxies in prefixes, so that clients behind them get buckets of their
// own rather than sharing the proxy's.
func (l *Limiter) TrustProxies(prefixes []netip.Prefix) { l.trusted = prefixes }

// New returns a limiter allowing each principal perSecond requests a second
// with bursts of burst, and each anonymous client address anonPerSecond
// with bursts of anonBurst. A rate of zero means no limit for that kind of
// caller. The internal principal is never limited.
func New(perSecond float64, burst int, anonPerSecond float64, anonBurst int) *Limiter {
	buckets, _ := lru.New[string, *rate.Limiter](maxBuckets)
	failures, _ := lru.New[string, *rate.Limiter](maxBuckets)
	return &Limiter{
		principal: rate.Limit(perSecond), burst: max(burst, 1),
		anonymous: rate.Limit(anonPerSecond), anonBurst: max(anonBurst, 1),
		buckets: buckets, failures: failures,
	}
}

// UnaryInterceptor refuses a call over its caller's rate.
func (l *Limiter) UnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := l.Limit(ctx, info.FullMethod, req); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamInterceptor refuses a stream over its caller's rate.
func (l *Limiter) StreamInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if err := l.Limit(ss.Context(), info.FullMethod, nil); err != nil {
			return err
		}
		return handler(srv, ss)
	}
}

// costs are the tokens a call takes from its caller's bucket, by method
// name; a method not listed costs 1. A call costs roughly what it makes
// the server do compared with a GetWork: a graph walk reads up to a
// closure of works, an audit walks and judges every edge, attribution
// walks and formats, a suggestion judges every candidate licence, and an
// SBOM import writes a work and derivation per component. On top, a
// request carrying many items pays for them (see Cost). The table is the
// one place costs are set; docs/operations.md lists it.
var costs = map[string]int{
	"ListAncestors":   5,
	"ListDescendants": 5,
	"TraceTo":         5,
	"ListEvents":      5,
	"GetAttribution":  5,
	"SuggestLicences": 5,
	"SuggestOutbound": 5,
	"AuditWork":       10,
	"ImportSbom":      20,
}

// What one more token buys: items of a request's lists (a batch's
// requests, a suggestion's inbound expressions) or bytes of a document it
// carries (an SBOM). Without it a batch of a thousand checks would cost
// what one does.
const (
	itemsPerToken = 10
	bytesPerToken = 64 << 10
)

// sized are the methods whose work grows with the text the request
// carries rather than with the store, with the request bytes one more
// token buys. Identifying a licence text compares every word pair of it
// with the SPDX texts, about 8 MB/s on one core (BenchmarkText in
// licences/identify): 4 KiB is half a millisecond, so a 256 KiB text costs
// 65 tokens while a name, or a short licence such as MIT, costs 1.
var sized = map[string]int{
	"IdentifyLicence":       4 << 10,
	"BatchIdentifyLicences": 4 << 10,
}

// Cost returns the tokens a call of fullMethod with request req takes: the
// method's own cost, one more token for every itemsPerToken items of the
// request's top-level lists and every bytesPerToken bytes of a
// google.api.HttpBody it carries, and for the sized methods one per so
// many bytes of the request. req may be nil (a stream, before its first
// message), which costs the method's own.
func Cost(fullMethod string, req any) int {
	name := fullMethod[strings.LastIndexByte(fullMethod, '/')+1:]
	c, ok := costs[name]
	if !ok {
		c = 1
	}
	m, ok := req.(proto.Message)
	if !ok {
		return c
	}
	if per, ok := sized[name]; ok {
		c += proto.Size(m) / per
	}
	items, bytes := 0, 0
	m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			items += v.List().Len()
		case fd.Message() != nil && fd.Message().FullName() == "google.api.HttpBody":
			bytes += len(v.Message().Get(fd.Message().Fields().ByName("data")).Bytes())
		}
		return true
	})
	return c + items/itemsPerToken + bytes/bytesPerToken
}

// Limit takes the tokens a call of fullMethod costs from the caller's
// bucket, or returns RESOURCE_EXHAUSTED saying how long to wait. A cost
// above the burst takes the whole burst, so that a small burst does not
// forbid an expensive method outright.
func (l *Limiter) Limit(ctx context.Context, fullMethod string, req any) error {
	key, limit, burst := l.caller(ctx)
	if limit == 0 {
		return nil
	}
	cost := min(Cost(fullMethod, req), burst)
	if l.shared != nil {
		if d, ok := l.shared.take(ctx, key, limit, burst, cost); ok {
			return exhausted(limit, d)
		}
	}
	b := bucket(l.buckets, key, limit, burst)
	r := b.ReserveN(time.Now(), cost)
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return exhausted(limit, d)
	}
	return nil
}

// exhausted is the refusal of a call that must wait d, or nil when d is 0.
func exhausted(limit rate.Limit, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	e := apierr.Exhausted("RATE_LIMITED", "rate limit of %g requests a second exceeded; retry in %s", float64(limit), d.Round(time.Millisecond))
	e.RetryAfter = d
	return e
}

// bucket returns the bucket of key in buckets, made on first use.
func bucket(buckets *lru.Cache[string, *rate.Limiter], key string, limit rate.Limit, burst int) *rate.Limiter {
	b, ok := buckets.Get(key)
	if !ok {
		b = rate.NewLimiter(limit, burst)
		if prev, found, _ := buckets.PeekOrAdd(key, b); found {
			b = prev
		}
	}
	return b
}

// SetAuthFailureLimit lets a client address fail authentication perMinute
// times a minute, all at once if it likes; 0 turns the limit off. Keys
// are at least 32 random bytes (the internal key) or long API keys, so
// guessing one at ten a minute is hopeless, while a client with a mistyped
// key still hears why.
func (l *Limiter) SetAuthFailureLimit(perMinute int) { l.failuresPerMinute = perMinute }

// AuthFailuresUnary counts the calls that presented a key and were refused
// as UNAUTHENTICATED, per client address, and, once an address has used up its failures, refuses its
// calls with RESOURCE_EXHAUSTED and a RetryInfo before looking at their
// key, so that keys cannot be brute-forced. It must run outside the
// authentication interceptor, which produces the failures it counts.
func (l *Limiter) AuthFailuresUnary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		b, err := l.failureBucket(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := handler(ctx, req)
		countFailure(ctx, b, err)
		return resp, err
	}
}

// AuthFailuresStream is AuthFailuresUnary for streams.
func (l *Limiter) AuthFailuresStream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		b, err := l.failureBucket(ss.Context())
		if err != nil {
			return err
		}
		err = handler(srv, ss)
		countFailure(ss.Context(), b, err)
		return err
	}
}

// failureBucket returns the client address's bucket of failures, or
// RESOURCE_EXHAUSTED when it is empty.
func (l *Limiter) failureBucket(ctx context.Context) (*rate.Limiter, error) {
	if l.failuresPerMinute == 0 {
		return nil, nil
	}
	every := time.Minute / time.Duration(l.failuresPerMinute)
	b := bucket(l.failures, l.clientAddr(ctx), rate.Every(every), l.failuresPerMinute)
	if tokens := b.Tokens(); tokens < 1 {
		d := time.Duration((1 - tokens) * float64(every))
		e := apierr.Exhausted("AUTH_FAILURES", "too many failed authentications from this address; retry in %s", d.Round(time.Millisecond))
		e.RetryAfter = d
		return nil, e
	}
	return b, nil
}

// countFailure takes a token for a call refused as UNAUTHENTICATED that
// presented a key: a call without one is not guessing.
func countFailure(ctx context.Context, b *rate.Limiter, err error) {
	if b == nil || err == nil || apierr.ToStatus(err).Code() != codes.Unauthenticated {
		return
	}
	if md, _ := metadata.FromIncomingContext(ctx); len(md.Get("authorization")) > 0 {
		b.Allow()
	}
}

func (l *Limiter) caller(ctx context.Context) (key string, limit rate.Limit, burst int) {
	if p, ok := auth.FromContext(ctx); ok {
		if p.Internal {
			return "", 0, 0
		}
		return "principal:" + p.Name, l.principal, l.burst
	}
	return "addr:" + l.clientAddr(ctx), l.anonymous, l.anonBurst
}

// ClientAddr is the address an anonymous caller is known by, as the
// anonymous limit counts it: other per-client bounds (open watch streams)
// count the same way, so that no client is two clients to one and one to
// the other.
func (l *Limiter) ClientAddr(ctx context.Context) string { return l.clientAddr(ctx) }

// clientAddr is the anonymous caller's address: the peer's, or, for a call
// from the in-process gateway (whose peer is the gateway itself), the
// address the gateway saw. The gateway appends its TCP peer to whatever
// X-Forwarded-For the client sent, so only the right-most entry is the
// gateway's own observation; the entries left of it are the client's
// writing and would give a fresh bucket per request if believed. Entries
// added by trusted proxies are skipped from the right.
func (l *Limiter) clientAddr(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return "unknown"
	}
	if p.Addr.Network() == "bufconn" {
		if md, ok := metadata.FromIncomingContext(ctx); ok {
			if xff := md.Get("x-forwarded-for"); len(xff) > 0 {
				return l.rightmostUntrusted(strings.Split(strings.Join(xff, ","), ","))
			}
		}
		return "in-process"
	}
	if host, _, err := net.SplitHostPort(p.Addr.String()); err == nil {
		return host
	}
	return p.Addr.String()
}

// rightmostUntrusted returns the right-most hop not inside a trusted
// proxy's prefix, or the left-most hop when every one is trusted.
func (l *Limiter) rightmostUntrusted(hops []string) string {
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(hop)
		if err != nil || i == 0 || !l.isTrusted(a.Unmap()) {
			return hop
		}
	}
	return "unknown"
}

func (l *Limiter) isTrusted(a netip.Addr) bool {
	for _, p := range l.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
