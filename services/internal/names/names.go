// Package names parses and formats AIP-122 resource names such as
// "works/abc" and "works/abc/liens/def".
package names

import (
	"crypto/rand"
	"encoding/base32"
	"strings"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// MaxIDLength bounds every resource id Stemma issues or accepts.
const MaxIDLength = 63

// Parse returns the id in a name of the form "<collection>/<id>". The id
// must be a valid ID. field names the request field, for the error.
func Parse(field, name, collection string) (string, error) {
	if name == "" {
		return "", apierr.Missing(field)
	}
	id, ok := strings.CutPrefix(name, collection+"/")
	if !ok {
		return "", apierr.Invalid(field, "%q is not a %s name (want %s/{id})", clip(name), collection, collection)
	}
	if err := ValidID(field, id); err != nil {
		return "", err
	}
	return id, nil
}

// ValidID checks a resource id: 1 to 63 lower-case letters, digits and
// hyphens, starting with a letter or digit (AIP-122). Nothing else can
// reach a store or a URL path: no slashes, no dots, no quotes.
func ValidID(field, id string) error {
	if id == "" || len(id) > MaxIDLength {
		return apierr.Invalid(field, "id %q: want 1 to %d characters", clip(id), MaxIDLength)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0:
		default:
			return apierr.Invalid(field, "id %q: want lower-case letters, digits and hyphens, starting with a letter or digit", clip(id))
		}
	}
	return nil
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a fresh resource id: 128 random bits, 26 characters, a
// valid ID.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24 and later)
	return idEncoding.EncodeToString(b[:])
}

// clip shortens what is echoed back in an error message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
