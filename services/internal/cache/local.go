package cache

import (
	"context"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Local is a bounded in-process LRU cache, for a process without Redis. Each
// replica has its own; versioned keys keep them all correct.
type Local struct {
	lru     *lru.Cache[string, localEntry]
	metrics *Metrics
	now     func() time.Time
}

type localEntry struct {
	value   []byte
	expires time.Time
}

// NewLocal returns an LRU cache of at most entries entries.
func NewLocal(entries int, m *Metrics) (*Local, error) {
	c, err := lru.New[string, localEntry](entries)
	if err != nil {
		return nil, err
	}
	m.setUp("local", true)
	return &Local{lru: c, metrics: m, now: time.Now}, nil
}

// Get returns the value under key unless it expired.
func (l *Local) Get(_ context.Context, key string) ([]byte, bool) {
	e, ok := l.lru.Get(key)
	if ok && l.now().After(e.expires) {
		l.lru.Remove(key)
		ok = false
	}
	if !ok {
		l.metrics.result("local", "miss")
		return nil, false
	}
	l.metrics.result("local", "hit")
	return e.value, true
}

// Set stores value under key for ttl. The value is kept as given: callers
// must not modify it afterwards.
func (l *Local) Set(_ context.Context, key string, value []byte, ttl time.Duration) {
	l.lru.Add(key, localEntry{value: value, expires: l.now().Add(ttl)})
}

// Close empties the cache.
func (l *Local) Close() error {
	l.lru.Purge()
	return nil
}
