// Package input holds the rules every service applies to what callers
// send, so that catalog and lineage take a note, a request id or a retried
// request alike: free text, request ids (AIP-155), and the fingerprint that
// tells a retry from another request reusing its id.
package input

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// MaxRequestID is the longest request id, in characters.
const MaxRequestID = 128

// CleanText returns s with surrounding space trimmed, or why it is not
// acceptable free text: not valid UTF-8, longer than max characters, or
// holding a control character (but line breaks and tabs where multiline).
func CleanText(s string, max int, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("not valid UTF-8")
	}
	s = strings.TrimSpace(s)
	n := 0
	for _, r := range s {
		n++
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			return "", fmt.Errorf("control character %U at character %d", r, n)
		}
	}
	if n > max {
		return "", fmt.Errorf("%d characters; at most %d", n, max)
	}
	return s, nil
}

// Text is CleanText for a request's field: its error is INVALID_ARGUMENT
// naming the field.
func Text(field, s string, max int, multiline bool) (string, error) {
	t, err := CleanText(s, max, multiline)
	if err != nil {
		return "", apierr.Invalid(field, "%s", err.Error())
	}
	return t, nil
}

// RequestID checks a client's request id: empty (no retries to tell
// apart), or 1 to MaxRequestID printable ASCII characters without spaces;
// a UUID, as AIP-155 suggests, fits.
func RequestID(field, id string) error {
	if len(id) > MaxRequestID {
		return apierr.Invalid(field, "%d characters; at most %d", len(id), MaxRequestID)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' {
			return apierr.Invalid(field, "want printable ASCII without spaces, such as a UUID")
		}
	}
	return nil
}

// Fingerprint digests what a request asks for: every field but its
// request_id, so that a retry (the same request again) can be told from
// another request reusing the id. A field added to the request later is
// covered without anyone remembering to add it here.
func Fingerprint(req proto.Message) (string, error) {
	m := proto.Clone(req)
	if f := m.ProtoReflect().Descriptor().Fields().ByName("request_id"); f != nil {
		m.ProtoReflect().Clear(f)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("fingerprint %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	d := sha256.Sum256(b)
	return hex.EncodeToString(d[:]), nil
}
