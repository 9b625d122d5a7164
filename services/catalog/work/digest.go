package work

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/input"
)

// digestHexLen maps each digest algorithm Stemma accepts to the length of
// its hex digest.
var digestHexLen = map[string]int{
	"md5":         32,
	"sha1":        40,
	"sha224":      56,
	"sha256":      64,
	"sha384":      96,
	"sha512":      128,
	"sha3-256":    64,
	"sha3-384":    96,
	"sha3-512":    128,
	"blake2b-256": 64,
	"blake2b-512": 128,
	"blake3":      64,
}

// DigestAlgorithms lists the digest algorithms Stemma accepts, sorted.
func DigestAlgorithms() []string {
	out := make([]string, 0, len(digestHexLen))
	for a := range digestHexLen {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// NormaliseDigest validates a content digest, <algorithm>:<hex>, and
// returns it with the algorithm and the hex digits in lower case. The
// SHA-1 and SHA-2 algorithms may also be written with a hyphen
// ("SHA-256").
func NormaliseDigest(field, s string) (string, error) {
	s, err := input.Text(field, s, 200, false)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", apierr.Missing(field)
	}
	alg, hex, ok := strings.Cut(strings.ToLower(s), ":")
	if !ok {
		return "", apierr.Invalid(field, "%q: want <algorithm>:<hex digest>, for example sha256:9f86d0…", clip(s))
	}
	if strings.HasPrefix(alg, "sha-") {
		alg = "sha" + alg[4:]
	}
	n, known := digestHexLen[alg]
	if !known {
		return "", apierr.Invalid(field, "unknown digest algorithm %q; want one of %s", clip(alg), strings.Join(DigestAlgorithms(), ", "))
	}
	if !isHex(hex, n) {
		return "", apierr.Invalid(field, "%s digest: want %d hexadecimal digits, got %q", alg, n, clip(hex))
	}
	return alg + ":" + hex, nil
}

func normaliseDigests(field string, ds []string) ([]string, error) {
	if len(ds) > MaxDigests {
		return nil, apierr.Invalid(field, "%d digests; at most %d", len(ds), MaxDigests)
	}
	out := make([]string, 0, len(ds))
	for i, d := range ds {
		n, err := NormaliseDigest(fmt.Sprintf("%s[%d]", field, i), d)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}
