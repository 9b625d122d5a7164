// Package ratelimit limits how fast each caller may call: a token bucket
// (golang.org/x/time/rate) per principal, and optionally one per client
// address for anonymous callers. A caller over its rate gets
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
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

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
	// trusted are the proxies in front of the gateway whose
	// X-Forwarded-For entries are believed (see clientAddr).
	trusted []netip.Prefix
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
	return &Limiter{
		principal: rate.Limit(perSecond), burst: max(burst, 1),
		anonymous: rate.Limit(anonPerSecond), anonBurst: max(anonBurst, 1),
		buckets: buckets,
	}
}

// UnaryInterceptor refuses a call over its caller's rate.
func (l *Limiter) UnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := l.Limit(ctx); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamInterceptor refuses a stream over its caller's rate.
func (l *Limiter) StreamInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if err := l.Limit(ss.Context()); err != nil {
			return err
		}
		return handler(srv, ss)
	}
}

// Limit takes a token from the caller's bucket, or returns
// RESOURCE_EXHAUSTED saying how long to wait.
func (l *Limiter) Limit(ctx context.Context) error {
	key, limit, burst := l.caller(ctx)
	if limit == 0 {
		return nil
	}
	b, ok := l.buckets.Get(key)
	if !ok {
		b = rate.NewLimiter(limit, burst)
		if prev, found, _ := l.buckets.PeekOrAdd(key, b); found {
			b = prev
		}
	}
	r := b.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		e := apierr.Exhausted("RATE_LIMITED", "rate limit of %g requests a second exceeded; retry in %s", float64(limit), d.Round(time.Millisecond))
		e.RetryAfter = d
		return e
	}
	return nil
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
