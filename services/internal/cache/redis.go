package cache

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisOptions configures a Redis connection.
type RedisOptions struct {
	// URL is redis://[user:password@]host:port[/db]. Several hosts
	// (host1:port1,host2:port2) select Cluster; ?master=name selects
	// Sentinel, the hosts being the sentinels.
	URL string
	// Cluster selects Cluster even with one host.
	Cluster bool
	// Timeout bounds each Redis operation. A slow Redis must not slow
	// requests much more than a miss would.
	Timeout time.Duration
}

// Connect returns a go-redis UniversalClient for the options. It does not
// wait for the server: a Redis that is down at start-up is bypassed like one
// that goes down later.
func Connect(o RedisOptions) (redis.UniversalClient, error) {
	u, err := parseRedisURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		o.Timeout = 250 * time.Millisecond
	}
	u.DialTimeout = o.Timeout
	u.ReadTimeout = o.Timeout
	u.WriteTimeout = o.Timeout
	u.PoolTimeout = o.Timeout
	// The cache falls back to the store; retrying inside the client would
	// only add latency.
	u.MaxRetries = -1
	if o.Cluster && u.MasterName == "" {
		return redis.NewClusterClient(u.Cluster()), nil
	}
	return redis.NewUniversalClient(u), nil
}

func parseRedisURL(s string) (*redis.UniversalOptions, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || (scheme != "redis" && scheme != "rediss") {
		return nil, errors.New("redis URL: want redis://host:port[/db]")
	}
	// net/url refuses a comma-separated host list, so parse the hosts
	// apart and hand the rest to it.
	rest, query, _ := strings.Cut(rest, "?")
	userinfo := ""
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		userinfo, rest = rest[:at], rest[at+1:]
	}
	hosts, path, _ := strings.Cut(rest, "/")
	o := &redis.UniversalOptions{}
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			o.Addrs = append(o.Addrs, h)
		}
	}
	if len(o.Addrs) == 0 {
		return nil, errors.New("redis URL: no host")
	}
	if userinfo != "" {
		user, pass, hasPass := strings.Cut(userinfo, ":")
		if !hasPass {
			// redis://password@host is the common legacy form.
			user, pass = "", user
		}
		var err error
		if o.Username, err = url.PathUnescape(user); err != nil {
			return nil, errors.New("redis URL: bad user name")
		}
		if o.Password, err = url.PathUnescape(pass); err != nil {
			return nil, errors.New("redis URL: bad password")
		}
	}
	if path != "" {
		db, err := strconv.Atoi(path)
		if err != nil || db < 0 {
			return nil, fmt.Errorf("redis URL: database %q: want a number", path)
		}
		o.DB = db
	}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil, errors.New("redis URL: bad query")
		}
		o.MasterName = q.Get("master")
	}
	if scheme == "rediss" {
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return o, nil
}

// RefreshCluster has a Cluster client read the cluster's slots again, in
// the background, after an operation failed: go-redis otherwise keeps
// sending a dead master's slots to it until it next hears MOVED or its
// ten-second refresh, which after a failover would prolong the outage of
// those slots by up to ten seconds. Other clients are left alone.
func RefreshCluster(client redis.UniversalClient) {
	if c, ok := client.(*redis.ClusterClient); ok {
		c.ReloadState(context.Background())
	}
}

// Redis is a cache in Redis, shared by every replica. When Redis fails, the
// cache bypasses it for a short while (every operation a miss, no waiting
// on timeouts), says so once in the log and in stemma_cache_backend_up, and
// then tries again.
type Redis struct {
	client     redis.UniversalClient
	prefix     string
	mac        *MAC
	metrics    *Metrics
	log        *slog.Logger
	downUntil  atomic.Int64 // unix nanos; bypass Redis until then
	down       atomic.Bool
	retryAfter time.Duration
}

// NewRedis returns a cache over client whose keys all start with prefix,
// its values sealed with mac.
func NewRedis(client redis.UniversalClient, prefix string, mac *MAC, m *Metrics, log *slog.Logger) *Redis {
	m.setUp("redis", true)
	return &Redis{client: client, prefix: prefix, mac: mac, metrics: m, log: log, retryAfter: time.Second}
}

// MAC returns the cache's MAC, which authenticates pub/sub events too.
func (r *Redis) MAC() *MAC { return r.mac }

// Client returns the underlying client, for pub/sub.
func (r *Redis) Client() redis.UniversalClient { return r.client }

func (r *Redis) bypassing() bool {
	return time.Now().UnixNano() < r.downUntil.Load()
}

func (r *Redis) failed(op string, err error) {
	r.metrics.failed("redis", op)
	RefreshCluster(r.client)
	r.downUntil.Store(time.Now().Add(r.retryAfter).UnixNano())
	if r.down.CompareAndSwap(false, true) {
		r.metrics.setUp("redis", false)
		r.log.Warn("redis unavailable; cache bypassed, requests served from the store", "op", op, "err", err)
	}
}

func (r *Redis) succeeded() {
	if r.down.CompareAndSwap(true, false) {
		r.metrics.setUp("redis", true)
		r.log.Info("redis is back; cache in use again")
	}
}

// Get returns the value under key; a Redis failure is a miss.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool) {
	if r.bypassing() {
		r.metrics.result("redis", "bypass")
		return nil, false
	}
	full := r.prefix + key
	v, err := r.client.Get(ctx, full).Bytes()
	switch {
	case err == nil:
		r.succeeded()
		value, ok := r.mac.Open(KindCache, full, v)
		if !ok {
			r.metrics.result("redis", "unauthenticated")
			return nil, false
		}
		r.metrics.result("redis", "hit")
		return value, true
	case errors.Is(err, redis.Nil):
		r.succeeded()
		r.metrics.result("redis", "miss")
		return nil, false
	case ctx.Err() != nil:
		// The caller gave up; that says nothing about Redis.
		r.metrics.result("redis", "miss")
		return nil, false
	default:
		r.failed("get", err)
		r.metrics.result("redis", "error")
		return nil, false
	}
}

// Set stores value under key for ttl; a Redis failure is counted and
// otherwise ignored.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) {
	if r.bypassing() {
		return
	}
	full := r.prefix + key
	if err := r.client.Set(ctx, full, r.mac.Seal(KindCache, full, value), ttl).Err(); err != nil {
		if ctx.Err() == nil {
			r.failed("set", err)
		}
		return
	}
	r.succeeded()
}

// Close closes the client.
func (r *Redis) Close() error { return r.client.Close() }
