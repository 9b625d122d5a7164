package cache

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// MAC authenticates what Stemma writes to Redis: cached values and pub/sub
// events. Redis is shared, and whoever can write to it (another tenant of
// the instance, a compromised neighbour, a stale build) could otherwise
// plant an audit that hides a conflict or an event a watcher acts on.
// Each value is stored as HMAC-SHA256(key, kind, context, value) followed
// by the value; the context is the value's full key (or the event's
// channel), so that a genuine value copied under another key does not
// verify either.
type MAC struct {
	key     []byte
	metrics *Metrics
	log     *slog.Logger
	// lastWarn (unix nanos) rate-limits the warning: a foreign writer must
	// not be able to flood the log; the metric counts every failure.
	lastWarn atomic.Int64
}

// warnEvery is the least time between two warnings of failed
// verifications.
const warnEvery = 10 * time.Second

// macSize is the length of the tag in front of every sealed value.
const macSize = sha256.Size

// What a MAC authenticates, for the tag and for
// stemma_redis_unauthenticated_total.
const (
	KindCache = "cache"
	KindEvent = "event"
)

// DeriveKey returns the HMAC key of a deployment whose operators set no
// cache key: HMAC-SHA256 of the internal key with a fixed label, so that
// every part holding the internal key agrees on it without a second secret,
// and the internal key itself is never what Redis values are signed with.
func DeriveKey(internalKey string) []byte {
	m := hmac.New(sha256.New, []byte(internalKey))
	m.Write([]byte("stemma redis value authentication v1"))
	return m.Sum(nil)
}

// RandomKey returns a fresh key, for a process whose Redis values no other
// process needs to read (it holds no internal key to derive one from).
func RandomKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (Go 1.24)
	return k
}

// NewMAC returns a MAC with key; failures to verify are counted on m and
// logged on log.
func NewMAC(key []byte, m *Metrics, log *slog.Logger) *MAC {
	return &MAC{key: append([]byte(nil), key...), metrics: m, log: log}
}

func (a *MAC) tag(kind, context string, value []byte) []byte {
	m := hmac.New(sha256.New, a.key)
	// Lengths first: no (kind, context, value) triple may encode like
	// another.
	var n [binary.MaxVarintLen64]byte
	m.Write(n[:binary.PutUvarint(n[:], uint64(len(kind)))])
	m.Write([]byte(kind))
	m.Write(n[:binary.PutUvarint(n[:], uint64(len(context)))])
	m.Write([]byte(context))
	m.Write(value)
	return m.Sum(nil)
}

// Seal returns value with its tag in front.
func (a *MAC) Seal(kind, context string, value []byte) []byte {
	out := make([]byte, 0, macSize+len(value))
	out = append(out, a.tag(kind, context, value)...)
	return append(out, value...)
}

// Open returns the value sealed in sealed, or false if its tag does not
// verify, which it counts and logs: nothing but a process holding the key
// writes a valid one, so a failure is a foreign write, a key mismatch
// between parts, or corruption. The warning is logged at most every
// warnEvery; stemma_redis_unauthenticated_total counts them all.
func (a *MAC) Open(kind, context string, sealed []byte) ([]byte, bool) {
	if len(sealed) >= macSize {
		value := sealed[macSize:]
		if hmac.Equal(sealed[:macSize], a.tag(kind, context, value)) {
			return value, true
		}
	}
	if a.metrics != nil {
		a.metrics.unauthenticated.WithLabelValues(kind).Inc()
	}
	now := time.Now().UnixNano()
	if last := a.lastWarn.Load(); a.log != nil && now-last >= int64(warnEvery) && a.lastWarn.CompareAndSwap(last, now) {
		a.log.Warn("redis: a value failed authentication and was ignored (written by a process without this deployment's cache key?)",
			"kind", kind, "context", context, "bytes", len(sealed))
	}
	return nil, false
}

// Unauthenticated returns the counter of values of a kind that failed
// authentication, for tests of the packages that open events.
func (m *Metrics) Unauthenticated(kind string) prometheus.Counter {
	return m.unauthenticated.WithLabelValues(kind)
}
