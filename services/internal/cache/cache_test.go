package cache

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// conformance is what every Cache must do.
func conformance(t *testing.T, c Cache) {
	ctx := context.Background()
	if _, ok := c.Get(ctx, "absent"); ok {
		t.Fatal("Get(absent) hit")
	}
	c.Set(ctx, "k", []byte("v1"), time.Minute)
	if v, ok := c.Get(ctx, "k"); !ok || string(v) != "v1" {
		t.Fatalf("Get(k) = %q, %v; want v1", v, ok)
	}
	c.Set(ctx, "k", []byte("v2"), time.Minute)
	if v, ok := c.Get(ctx, "k"); !ok || string(v) != "v2" {
		t.Fatalf("Get(k) after overwrite = %q, %v; want v2", v, ok)
	}
	c.Set(ctx, "short", []byte("x"), 50*time.Millisecond)
	time.Sleep(1100 * time.Millisecond) // Redis expires with a resolution of about a second at worst
	if _, ok := c.Get(ctx, "short"); ok {
		t.Fatal("Get(short) hit after its TTL")
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestLocal(t *testing.T) {
	c, err := NewLocal(2, NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	conformance(t, c)
	ctx := context.Background()
	c.Set(ctx, "a", []byte("1"), time.Minute)
	c.Set(ctx, "b", []byte("2"), time.Minute)
	c.Set(ctx, "c", []byte("3"), time.Minute)
	if _, ok := c.Get(ctx, "a"); ok {
		t.Error("the least recently used entry survived past the bound")
	}
}

func TestRedis(t *testing.T) {
	client, err := Connect(RedisOptions{URL: testenv.RedisURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	c := NewRedis(client, testenv.UniquePrefix(t), NewMAC(RandomKey(), nil, nil), NewMetrics(nil), quietLog())
	defer c.Close()
	conformance(t, c)
}

// The cache on a Redis Cluster of three masters and three replicas, the
// URL naming every node.
func TestRedisCluster(t *testing.T) {
	cluster := testenv.StartRedisCluster(t)
	client, err := Connect(RedisOptions{URL: cluster.URL()})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := client.(*redis.ClusterClient); !ok {
		t.Fatalf("a URL of several hosts made a %T, want a Cluster client", client)
	}
	c := NewRedis(client, testenv.UniquePrefix(t), NewMAC(RandomKey(), nil, nil), NewMetrics(nil), quietLog())
	defer c.Close()
	conformance(t, c)
}

// A Redis that dies is bypassed: operations miss at once instead of
// failing, the gauge says so, and the cache is used again once Redis is
// back.
func TestRedisGoingAwayCostsOnlyMisses(t *testing.T) {
	srv := testenv.StartRedis(t)
	client, err := Connect(RedisOptions{URL: srv.URL(), Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	c := NewRedis(client, "t:", NewMAC(RandomKey(), m, nil), m, quietLog())
	c.retryAfter = 200 * time.Millisecond
	defer c.Close()
	ctx := context.Background()

	c.Set(ctx, "k", []byte("v"), time.Minute)
	if _, ok := c.Get(ctx, "k"); !ok {
		t.Fatal("miss before the outage")
	}
	srv.Stop()
	start := time.Now()
	for i := 0; i < 50; i++ {
		if _, ok := c.Get(ctx, "k"); ok {
			t.Fatal("hit while Redis is down")
		}
		c.Set(ctx, "k", []byte("v"), time.Minute)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("100 operations against a dead Redis took %v; the bypass should make them cheap", d)
	}
	if up := testutil.ToFloat64(m.up.WithLabelValues("redis")); up != 0 {
		t.Errorf("stemma_cache_backend_up = %v while down; want 0", up)
	}
	if n := testutil.ToFloat64(m.requests.WithLabelValues("redis", "bypass")); n == 0 {
		t.Error("no bypassed requests counted")
	}

	srv.Start() // a fresh, empty Redis, as after a restart
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.Set(ctx, "k", []byte("again"), time.Minute)
		if v, ok := c.Get(ctx, "k"); ok && string(v) == "again" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache was not used again after Redis came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if up := testutil.ToFloat64(m.up.WithLabelValues("redis")); up != 1 {
		t.Errorf("stemma_cache_backend_up = %v after recovery; want 1", up)
	}
}

func TestParseRedisURL(t *testing.T) {
	tests := []struct {
		in       string
		addrs    int
		db       int
		user     string
		pass     string
		master   string
		wantFail bool
	}{
		{in: "redis://127.0.0.1:6379/0", addrs: 1},
		{in: "redis://127.0.0.1:6379", addrs: 1},
		{in: "redis://u:p%40ss@h:1/3", addrs: 1, db: 3, user: "u", pass: "p@ss"},
		{in: "redis://secret@h:1", addrs: 1, pass: "secret"},
		{in: "redis://a:1,b:2,c:3", addrs: 3},
		{in: "redis://s1:26379,s2:26379/0?master=mymaster", addrs: 2, master: "mymaster"},
		{in: "http://h:1", wantFail: true},
		{in: "redis:///0", wantFail: true},
		{in: "redis://h:1/x", wantFail: true},
	}
	for _, tt := range tests {
		o, err := parseRedisURL(tt.in)
		if tt.wantFail {
			if err == nil {
				t.Errorf("%s: no error", tt.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if len(o.Addrs) != tt.addrs || o.DB != tt.db || o.Username != tt.user || o.Password != tt.pass || o.MasterName != tt.master {
			t.Errorf("%s: %+v", tt.in, o)
		}
	}
}

// A value another process wrote straight into Redis, without the key or
// with another key, is not served: it is a miss, counted and logged, and
// the store answers instead. A genuine value copied under another key does
// not verify either.
func TestRedisServesOnlyAuthenticatedValues(t *testing.T) {
	client, err := Connect(RedisOptions{URL: testenv.RedisURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	prefix := testenv.UniquePrefix(t)
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	key := RandomKey()
	c := NewRedis(client, prefix, NewMAC(key, m, quietLog()), m, quietLog())
	defer c.Close()
	ctx := context.Background()

	c.Set(ctx, "genuine", []byte("audit: no conflicts"), time.Minute)
	if v, ok := c.Get(ctx, "genuine"); !ok || string(v) != "audit: no conflicts" {
		t.Fatalf("Get(genuine) = %q, %v", v, ok)
	}

	foreign := func(name string, value []byte) {
		t.Helper()
		if err := client.Set(ctx, prefix+name, value, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		if v, ok := c.Get(ctx, name); ok {
			t.Errorf("%s: served %q, written by a foreign process", name, v)
		}
	}
	foreign("plain", []byte("audit: no conflicts"))
	foreign("short", []byte("x"))
	other := NewMAC(RandomKey(), nil, nil)
	foreign("other-key", other.Seal(KindCache, prefix+"other-key", []byte("audit: no conflicts")))
	raw, err := client.Get(ctx, prefix+"genuine").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	foreign("moved", raw)
	tampered := append([]byte(nil), raw...)
	tampered[len(tampered)-1] ^= 1
	foreign("tampered", tampered)

	if n := testutil.ToFloat64(m.unauthenticated.WithLabelValues(KindCache)); n != 5 {
		t.Errorf("stemma_redis_unauthenticated_total{kind=cache} = %v; want 5", n)
	}
	if n := testutil.ToFloat64(m.requests.WithLabelValues("redis", "unauthenticated")); n != 5 {
		t.Errorf("unauthenticated lookups = %v; want 5", n)
	}
	// The same key in another process of the deployment reads the value.
	twin := NewRedis(client, prefix, NewMAC(key, nil, nil), NewMetrics(nil), quietLog())
	if v, ok := twin.Get(ctx, "genuine"); !ok || string(v) != "audit: no conflicts" {
		t.Errorf("a process with the same key: Get(genuine) = %q, %v", v, ok)
	}
}

func TestDeriveKey(t *testing.T) {
	a, b := DeriveKey("internal-key-one-0123456789abcdef"), DeriveKey("internal-key-two-0123456789abcdef")
	if len(a) != 32 || string(a) == string(b) {
		t.Errorf("derived keys: %x, %x", a, b)
	}
	if string(a) != string(DeriveKey("internal-key-one-0123456789abcdef")) {
		t.Error("derivation is not deterministic: parts would not agree")
	}
	if string(a) == "internal-key-one-0123456789abcdef" {
		t.Error("the derived key is the internal key")
	}
}

// Failures are all counted but warned about at most every warnEvery, so
// that a foreign writer cannot flood the log.
func TestMACWarnsAtAPace(t *testing.T) {
	var buf bytes.Buffer
	m := NewMetrics(prometheus.NewRegistry())
	mac := NewMAC(RandomKey(), m, slog.New(slog.NewTextHandler(&buf, nil)))
	for i := 0; i < 5; i++ {
		if _, ok := mac.Open(KindEvent, "ch", []byte("forged event, long enough to hold a tag......")); ok {
			t.Fatal("a forged value verified")
		}
	}
	if n := strings.Count(buf.String(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings for 5 failures within %v; want 1:\n%s", n, warnEvery, buf.String())
	}
	if n := testutil.ToFloat64(m.Unauthenticated(KindEvent)); n != 5 {
		t.Errorf("counted %v failures; want 5", n)
	}
	if v, ok := mac.Open(KindEvent, "ch", mac.Seal(KindEvent, "ch", []byte("e"))); !ok || string(v) != "e" {
		t.Errorf("genuine: %q, %v", v, ok)
	}
	if _, ok := mac.Open(KindCache, "ch", mac.Seal(KindEvent, "ch", []byte("e"))); ok {
		t.Error("an event verified as a cache value")
	}
}

// BenchmarkMACOpen measures the verification every Redis hit pays, on a
// value the size of a 1,000-work closure (~64 KiB).
func BenchmarkMACOpen(b *testing.B) {
	mac := NewMAC(RandomKey(), nil, nil)
	sealed := mac.Seal(KindCache, "stemma:lineage:closure:v2:1:1:1fe:w:all", make([]byte, 64<<10))
	b.SetBytes(int64(len(sealed)))
	for b.Loop() {
		if _, ok := mac.Open(KindCache, "stemma:lineage:closure:v2:1:1:1fe:w:all", sealed); !ok {
			b.Fatal("did not verify")
		}
	}
}
