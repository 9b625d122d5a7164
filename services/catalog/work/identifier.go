package work

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/stemma-registry/stemma/services/catalog/iscc"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/input"
)

// The identifier schemes.
const (
	DOI   = "doi"
	SWHID = "swhid"
	PURL  = "purl"
	ISBN  = "isbn"
	ISCC  = "iscc"
	URL   = "url"
)

// Schemes lists the identifier schemes a work may carry.
var Schemes = []string{DOI, SWHID, PURL, ISBN, ISCC, URL}

var normalisers = map[string]func(string) (string, error){
	DOI:   normaliseDOI,
	SWHID: normaliseSWHID,
	PURL:  normalisePURL,
	ISBN:  normaliseISBN,
	ISCC:  normaliseISCC,
	URL:   normaliseURL,
}

// NormaliseIdentifier validates an identifier of the given scheme (any
// case) and returns it in normal form. field names the identifier in
// errors, which name its ".type" or ".value".
func NormaliseIdentifier(field, scheme, value string) (Identifier, error) {
	scheme = strings.ToLower(strings.TrimSpace(scheme))
	if _, ok := normalisers[scheme]; !ok {
		if scheme == "" {
			return Identifier{}, apierr.Missing(field + ".type")
		}
		return Identifier{}, apierr.Invalid(field+".type", "unknown identifier type %q; want one of %s", clip(scheme), strings.Join(Schemes, ", "))
	}
	return IdentifierValue(field+".value", scheme, value)
}

// IdentifierValue validates the value of an identifier of a known scheme
// (lower case) and returns the identifier in normal form; errors name
// field.
func IdentifierValue(field, scheme, value string) (Identifier, error) {
	norm, ok := normalisers[scheme]
	if !ok {
		return Identifier{}, apierr.Invalid(field, "unknown identifier type %q", clip(scheme))
	}
	v, err := input.Text(field, value, MaxIdentifier, false)
	if err != nil {
		return Identifier{}, err
	}
	if v == "" {
		return Identifier{}, apierr.Missing(field)
	}
	n, err := norm(v)
	if err != nil {
		return Identifier{}, apierr.Invalid(field, "%s %q: %v", scheme, clip(v), err)
	}
	return Identifier{Type: scheme, Value: n}, nil
}

func normaliseIdentifiers(field string, ids []Identifier) ([]Identifier, error) {
	if len(ids) > MaxIdentifiers {
		return nil, apierr.Invalid(field, "%d identifiers; at most %d", len(ids), MaxIdentifiers)
	}
	out := make([]Identifier, 0, len(ids))
	seen := make(map[Identifier]bool, len(ids))
	for i, id := range ids {
		n, err := NormaliseIdentifier(fmt.Sprintf("%s[%d]", field, i), id.Type, id.Value)
		if err != nil {
			return nil, err
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

type identifierError string

func (e identifierError) Error() string { return string(e) }

// normaliseDOI accepts "10.1000/xyz", "doi:10.1000/xyz" and resolver URLs
// (https://doi.org/…, https://dx.doi.org/…). DOIs are case-insensitive, so
// the normal form is lower case.
func normaliseDOI(s string) (string, error) {
	lower := strings.ToLower(s)
	for _, p := range []string{"doi:", "https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/"} {
		if strings.HasPrefix(lower, p) {
			lower = lower[len(p):]
			if strings.HasPrefix(p, "http") {
				u, err := url.PathUnescape(lower)
				if err != nil {
					return "", identifierError("bad percent-encoding")
				}
				lower = u
			}
			break
		}
	}
	prefix, suffix, ok := strings.Cut(lower, "/")
	if !ok || suffix == "" || !strings.HasPrefix(prefix, "10.") {
		return "", identifierError("want 10.<registrant>/<suffix>")
	}
	for _, part := range strings.Split(prefix[3:], ".") {
		if part == "" || strings.Trim(part, "0123456789") != "" {
			return "", identifierError("the registrant code must be digits separated by dots")
		}
	}
	if strings.ContainsFunc(suffix, func(r rune) bool { return r == ' ' }) {
		return "", identifierError("spaces in the suffix")
	}
	return lower, nil
}

// swhidTypes are the object types of SWHID 1.
var swhidTypes = []string{"cnt", "dir", "rev", "rel", "snp"}

// normaliseSWHID accepts swh:1:<type>:<40 hex digits>, with qualifiers
// (;origin=…;path=…), which are kept. The core is in lower case.
func normaliseSWHID(s string) (string, error) {
	core, quals, hasQuals := strings.Cut(s, ";")
	parts := strings.Split(strings.ToLower(core), ":")
	if len(parts) != 4 || parts[0] != "swh" || parts[1] != "1" {
		return "", identifierError("want swh:1:<type>:<40 hex digits>")
	}
	if !slices.Contains(swhidTypes, parts[2]) {
		return "", identifierError("object type must be one of " + strings.Join(swhidTypes, ", "))
	}
	if !isHex(parts[3], 40) {
		return "", identifierError("want 40 hexadecimal digits")
	}
	out := strings.Join(parts, ":")
	if hasQuals {
		for _, q := range strings.Split(quals, ";") {
			k, v, ok := strings.Cut(q, "=")
			if !ok || k == "" || v == "" {
				return "", identifierError("qualifiers are ;key=value")
			}
		}
		out += ";" + quals
	}
	return out, nil
}

// normaliseISCC accepts an International Standard Content Code with or
// without its "ISCC:" prefix, in any case, as the iscc package decodes it:
// base32 (RFC 4648) without padding of a valid header and the body it
// announces. The normal form is upper case with the prefix.
func normaliseISCC(s string) (string, error) {
	c, err := iscc.Parse(s)
	if err != nil {
		return "", identifierError(strings.TrimPrefix(err.Error(), "iscc: "))
	}
	return c.String(), nil
}

// normaliseURL accepts an absolute http or https URL; scheme and host come
// out in lower case, a default port is dropped and an empty path is "/".
func normaliseURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", identifierError("want an absolute http or https URL")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", identifierError("want an http or https URL")
	}
	u.Host = strings.ToLower(u.Host)
	if port := u.Port(); (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		u.Host = strings.TrimSuffix(u.Host, ":"+port)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
