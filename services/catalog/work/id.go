package work

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// NewID returns a fresh work id: 26 characters of an order-preserving
// base32 (digits and lower-case letters, so a valid AIP-122 id) encoding
// 48 bits of milliseconds since the epoch and 80 random bits. Ids issued
// later sort later, so a store's id index grows at its end instead of
// splitting pages at random, which keeps bulk loads fast.
func NewID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	// crypto/rand.Read never returns an error (Go 1.24 and later).
	_, _ = rand.Read(b[6:])
	return etagEncoding.EncodeToString(b[:])
}
