package ratelimit

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/stemma-registry/stemma/services/internal/cache"
)

// shared keeps the callers' buckets in Redis, so that every replica draws
// on one bucket per caller instead of each granting the full rate.
type shared struct {
	client redis.UniversalClient
	prefix string
	// downUntil (unix nanos) is when to try Redis again after it failed;
	// meanwhile each process limits on its own buckets.
	downUntil atomic.Int64
}

// gcra takes ARGV[3] tokens from the bucket under KEYS[1] (GCRA: the key
// holds the theoretical arrival time, in microseconds of the Redis
// server's clock, of the next request at the steady rate), one token
// every ARGV[1] microseconds, bursts of ARGV[2]. It returns 0 when the
// tokens were taken, else the microseconds to wait. One key per bucket,
// so it runs on a Cluster (one slot), and on the server's clock, so that
// the replicas' clocks need not agree.
var gcra = redis.NewScript(`
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next = tat + cost * interval
local wait = next - burst * interval - now
if wait > 0 then return wait end
redis.call('SET', KEYS[1], next, 'PX', math.ceil((next - now) / 1000) + 1)
return 0
`)

// Share keeps the principals' and anonymous addresses' buckets in Redis
// under prefix, shared by every process given the same Redis and prefix.
// While Redis fails, each process falls back to its own buckets for a
// second at a time: a limit per process rather than none, and no request
// refused for Redis's sake. Failed authentications stay counted per
// process.
func (l *Limiter) Share(client redis.UniversalClient, prefix string) {
	l.shared = &shared{client: client, prefix: prefix + "rate:"}
}

// take takes cost tokens from key's shared bucket. ok is false when Redis
// could not say; wait is how long to wait when the tokens were refused.
func (s *shared) take(ctx context.Context, key string, limit rate.Limit, burst, cost int) (wait time.Duration, ok bool) {
	if time.Now().UnixNano() < s.downUntil.Load() {
		return 0, false
	}
	interval := int64(float64(time.Second/time.Microsecond) / float64(limit))
	us, err := gcra.Run(ctx, s.client, []string{s.prefix + key}, max(interval, 1), burst, cost).Int64()
	if err != nil {
		if ctx.Err() == nil {
			s.downUntil.Store(time.Now().Add(time.Second).UnixNano())
			cache.RefreshCluster(s.client)
		}
		return 0, false
	}
	return time.Duration(us) * time.Microsecond, true
}
