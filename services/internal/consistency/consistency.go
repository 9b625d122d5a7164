// Package consistency carries read-your-writes across PostgreSQL read
// replicas. A write returns a token, the primary's WAL position (LSN) once
// it committed; the caller sends the token back on later reads, and a read
// carrying one goes only to a replica that has replayed that far.
//
// The token travels as the x-stemma-consistency metadata of gRPC calls
// (response header both to the caller and between services) and as the
// Stemma-Consistency header over REST. Every service of a deployment uses
// the same PostgreSQL cluster, so one LSN orders the writes of all of them
// and a request's token is the largest it has seen.
package consistency

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

const (
	// Header is the REST header carrying the token, both ways.
	Header = "Stemma-Consistency"
	// MetadataKey is the gRPC metadata key carrying the token, both ways.
	MetadataKey = "x-stemma-consistency"
)

// LSN is a position in PostgreSQL's write-ahead log.
type LSN uint64

// ParseLSN reads PostgreSQL's text form of an LSN: two hexadecimal
// numbers of up to 32 bits, "16/B374D848".
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok || hi == "" || lo == "" || len(hi) > 8 || len(lo) > 8 {
		return 0, fmt.Errorf("consistency token %q: want an LSN such as 16/B374D848", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("consistency token %q: want an LSN such as 16/B374D848", s)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("consistency token %q: want an LSN such as 16/B374D848", s)
	}
	return LSN(h<<32 | l), nil
}

// String returns PostgreSQL's text form of the LSN.
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint64(l)&0xffffffff) }

// Tracker holds what one request knows of consistency: the newest WAL
// position it must see (the token it came with, raised by every write it
// makes or hears of from the services it calls), and which source of
// reads each database gave it first, so that its reads never go back in
// time: a cached graph is keyed by an epoch read in the same request, and
// must not be filled from an older replica than the epoch came from.
type Tracker struct {
	mu   sync.Mutex
	lsn  LSN
	pins map[any]int
}

type ctxKey struct{}

// With returns ctx carrying a new tracker that must see at least lsn.
func With(ctx context.Context, lsn LSN) (context.Context, *Tracker) {
	t := &Tracker{lsn: lsn}
	return context.WithValue(ctx, ctxKey{}, t), t
}

// From returns ctx's tracker, or nil; a nil tracker needs nothing and
// pins nothing.
func From(ctx context.Context) *Tracker {
	t, _ := ctx.Value(ctxKey{}).(*Tracker)
	return t
}

// Observe raises the position the request must see to lsn.
func (t *Tracker) Observe(lsn LSN) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.lsn = max(t.lsn, lsn)
	t.mu.Unlock()
}

// LSN returns the position the request must see; 0 if none.
func (t *Tracker) LSN() LSN {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lsn
}

// Pinned returns the source of reads the request was given for key.
func (t *Tracker) Pinned(key any) (int, bool) {
	if t == nil {
		return 0, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	src, ok := t.pins[key]
	return src, ok
}

// Pin records the source of reads the request was given for key.
func (t *Tracker) Pin(key any, src int) {
	if t == nil {
		return
	}
	t.mu.Lock()
	if t.pins == nil {
		t.pins = map[any]int{}
	}
	t.pins[key] = src
	t.mu.Unlock()
}
