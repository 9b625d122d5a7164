// Package cache is the cache the services put expensive, shared answers in:
// Redis when one is configured (shared by every replica), otherwise a
// bounded in-process LRU.
//
// A cache here is never the source of truth. Keys carry the version of what
// they describe (a work's generation, the graph's epoch, the licence list's
// version), read from the store, so a write makes old entries unreachable
// instead of racing to delete them, and readers through any replica see it
// at once. Losing the cache therefore costs latency, not correctness: a
// Redis that fails or is down answers as a miss, and the caller goes to the
// store.
package cache

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Cache stores byte values under string keys.
type Cache interface {
	// Get returns the value under key. A failure of the cache is a miss.
	Get(ctx context.Context, key string) ([]byte, bool)
	// Set stores value under key for ttl. A failure of the cache is
	// ignored (and counted).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration)
	// Close releases the cache's resources.
	Close() error
}

// Metrics counts cache outcomes; one set serves every cache of a process.
type Metrics struct {
	requests        *prometheus.CounterVec
	errors          *prometheus.CounterVec
	up              *prometheus.GaugeVec
	unauthenticated *prometheus.CounterVec
}

// NewMetrics registers the cache metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stemma_cache_requests_total",
			Help: "Cache lookups by backend and result (hit, miss, error, bypass while the backend is down, unauthenticated: a value whose HMAC did not verify, served as a miss).",
		}, []string{"backend", "result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stemma_cache_errors_total",
			Help: "Cache operations that failed, by backend and operation; each fell back to the store.",
		}, []string{"backend", "op"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "stemma_cache_backend_up",
			Help: "1 while the cache backend answers, 0 while requests bypass it.",
		}, []string{"backend"}),
		unauthenticated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stemma_redis_unauthenticated_total",
			Help: "Values read from Redis whose HMAC did not verify, by kind (cache: served as a miss; event: dropped).",
		}, []string{"kind"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.errors, m.up, m.unauthenticated)
	}
	return m
}

func (m *Metrics) result(backend, r string) {
	if m != nil {
		m.requests.WithLabelValues(backend, r).Inc()
	}
}

func (m *Metrics) failed(backend, op string) {
	if m != nil {
		m.errors.WithLabelValues(backend, op).Inc()
	}
}

func (m *Metrics) setUp(backend string, up bool) {
	if m == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.up.WithLabelValues(backend).Set(v)
}

// None is a cache that holds nothing.
type None struct{}

// Get always misses.
func (None) Get(context.Context, string) ([]byte, bool) { return nil, false }

// Set does nothing.
func (None) Set(context.Context, string, []byte, time.Duration) {}

// Close does nothing.
func (None) Close() error { return nil }
