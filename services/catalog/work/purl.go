package work

import (
	"slices"
	"strings"
)

// purlFoldTypes are the purl types whose namespace and name are
// case-insensitive, per the purl specification's type definitions.
var purlFoldTypes = []string{"github", "bitbucket", "composer"}

// normalisePURL accepts a package URL,
// pkg:type/namespace/name@version?qualifiers#subpath. The normal form has
// the scheme and type in lower case, an npm scope's "@" percent-encoded,
// the namespace and name in lower case for the types the specification
// says are case-insensitive (and PyPI names with "-" for "_"), and
// qualifiers with lower-case keys, sorted, empty ones dropped.
func normalisePURL(s string) (string, error) {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || !strings.EqualFold(scheme, "pkg") {
		return "", identifierError("want pkg:type/name")
	}
	rest = strings.TrimLeft(rest, "/")
	rest, subpath, hasSubpath := strings.Cut(rest, "#")
	rest, query, hasQuery := strings.Cut(rest, "?")
	typ, path, ok := strings.Cut(rest, "/")
	if !ok || path == "" {
		return "", identifierError("want pkg:type/name")
	}
	typ = strings.ToLower(typ)
	if !validPURLType(typ) {
		return "", identifierError("the type must be ASCII letters, digits, '.', '+' or '-', starting with a letter")
	}
	path = strings.Trim(path, "/")
	version := ""
	if slash := strings.LastIndexByte(path, '/'); strings.LastIndexByte(path, '@') > slash {
		at := strings.LastIndexByte(path, '@')
		path, version = path[:at], path[at+1:]
		if version == "" {
			return "", identifierError("empty version after @")
		}
	}
	segments := strings.Split(path, "/")
	for i, seg := range segments {
		if seg == "" {
			return "", identifierError("empty path segment")
		}
		if strings.HasPrefix(seg, "@") && i < len(segments)-1 {
			seg = "%40" + seg[1:]
		}
		if slices.Contains(purlFoldTypes, typ) {
			seg = strings.ToLower(seg)
		}
		segments[i] = seg
	}
	if typ == "pypi" {
		last := len(segments) - 1
		segments[last] = strings.ReplaceAll(strings.ToLower(segments[last]), "_", "-")
	}
	var b strings.Builder
	b.WriteString("pkg:" + typ + "/" + strings.Join(segments, "/"))
	if version != "" {
		b.WriteString("@" + version)
	}
	if hasQuery {
		if q := normalisePURLQualifiers(query); q != "" {
			b.WriteString("?" + q)
		}
	}
	if hasSubpath {
		if sp := strings.Trim(subpath, "/"); sp != "" {
			b.WriteString("#" + sp)
		}
	}
	return b.String(), nil
}

func validPURLType(t string) bool {
	if t == "" || !(t[0] >= 'a' && t[0] <= 'z') {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '+' || c == '-') {
			return false
		}
	}
	return true
}

func normalisePURLQualifiers(q string) string {
	var pairs []string
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" || v == "" {
			continue
		}
		pairs = append(pairs, strings.ToLower(k)+"="+v)
	}
	slices.Sort(pairs)
	return strings.Join(pairs, "&")
}
