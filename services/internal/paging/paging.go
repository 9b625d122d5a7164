// Package paging implements AIP-158 pagination: bounded page sizes and
// opaque page tokens.
//
// A token carries the position after the last item returned and a digest of
// the query it belongs to (the request's filters, not its page size), so a
// token replayed with other filters is refused with INVALID_ARGUMENT rather
// than silently paging through a different result.
package paging

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// Bounds are the page sizes of a deployment.
type Bounds struct {
	Default int
	Max     int
}

// Size returns the page size to use for a request that asked for requested:
// the default for zero, at most Max (AIP-158 coerces, it does not refuse),
// and INVALID_ARGUMENT for a negative size.
func (b Bounds) Size(requested int32) (int, error) {
	switch {
	case requested < 0:
		return 0, apierr.Invalid("page_size", "must not be negative (got %d)", requested)
	case requested == 0:
		return b.Default, nil
	case int(requested) > b.Max:
		return b.Max, nil
	}
	return int(requested), nil
}

// Query identifies what a token pages through: the method and the request
// fields that shape the result. Build it with NewQuery.
type Query string

// NewQuery joins the method name and the shaping fields into a Query.
func NewQuery(method string, fields ...string) Query {
	var b strings.Builder
	b.WriteString(method)
	for _, f := range fields {
		b.WriteByte(0)
		b.WriteString(f)
	}
	return Query(b.String())
}

// digestLen is how much of the query's SHA-256 a token carries: enough that
// a token replayed on another query is refused, short enough to keep
// tokens small.
const digestLen = 9

func (q Query) digest() []byte {
	d := sha256.Sum256([]byte(q))
	return d[:digestLen]
}

// maxToken bounds the tokens Decode reads, so that a forged token costs
// nothing to refuse; MaxCursor is the longest cursor whose token fits.
const (
	maxToken  = 4096
	MaxCursor = maxToken/4*3 - digestLen
)

// Encode returns the token for the page that starts after cursor: the
// query's digest then the cursor's bytes, base64url-encoded. An empty
// cursor means there is no next page and gives the empty token. Cursors
// are the callers' own positions (a sequence number, an offset, an id) and
// must be at most MaxCursor bytes, or Decode will refuse the token.
func Encode(q Query, cursor string) string {
	if cursor == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(append(q.digest(), cursor...))
}

// Decode returns the cursor a token carries; the empty token gives the
// empty cursor (the first page). A token that is malformed or belongs to
// another query is INVALID_ARGUMENT.
func Decode(q Query, tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	bad := apierr.Invalid("page_token", "not a page token this request issued; start again without one")
	if len(tok) > maxToken {
		return "", bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) <= digestLen {
		return "", bad
	}
	if !bytes.Equal(raw[:digestLen], q.digest()) {
		return "", apierr.Invalid("page_token", "the page token belongs to a request with other parameters; send the same parameters or start again without it")
	}
	return string(raw[digestLen:]), nil
}
