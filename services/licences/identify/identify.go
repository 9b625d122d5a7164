// Package identify resolves the licence strings people write in SBOMs and
// package metadata (an SPDX id, an expression, a full name, a well-known
// alias, a URL) and licence texts to an SPDX expression, and says how it
// did so and how sure it is.
//
// Name and URL are map accesses on keys built once from the embedded SPDX
// list plus the alias table in aliases.go, so resolving hundreds of strings
// from one SBOM costs microseconds. Text (text.go) compares a licence text
// with the SPDX texts through an index built once, in well under a
// millisecond for a short licence and a few for a GPL-sized one.
package identify

import (
	"net/url"
	"strings"
	"sync"
	"unicode"

	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/profile"
	"github.com/stemma-registry/stemma/services/licences/spdx"
)

// Method says how a string was resolved.
type Method string

// The methods, in the order Name tries them.
const (
	MethodSPDXID     Method = "spdx-id"    // a listed identifier, any case, deprecated ones replaced
	MethodExpression Method = "expression" // a valid SPDX expression
	MethodName       Method = "name"       // an SPDX full name after normalisation
	MethodAlias      Method = "alias"      // an entry of the alias table
	MethodURL        Method = "url"        // a seeAlso URL or a well-known canonical URL
	// MethodText (text.go) is a licence text compared with the SPDX texts.
	// MethodNone means nothing matched; it is an answer, not an error, so
	// that an SBOM import can record the string as unresolved.
	MethodNone Method = "none"
)

// Result is the answer for one string.
type Result struct {
	Expression string // normalised SPDX expression; "" with MethodNone
	Method     Method
	Warnings   []string // e.g. a deprecated identifier replaced, or why an alias maps where it does
	// Alternatives are the other ids the same input could mean, for
	// example the -or-later twin of a GNU licence whose URL was given.
	Alternatives []string
	// Confidence is how sure the answer is, in [0, 1]. Name and URL answer
	// 1 for every match, since each is an exact lookup; a URL several ids
	// share still answers 1, because the URL certainly names the answer's
	// text and Alternatives carry the ids that share it. Text answers the
	// similarity of the input to the licence text, also when it gives
	// MethodNone (then the similarity to the nearest licence); 0 means
	// nothing was compared.
	Confidence float64
}

// MaxInput bounds the strings Name and URL accept; longer inputs are
// answered with MethodNone rather than scanned, since no name or URL in the
// list comes close.
const MaxInput = 1024

type index struct {
	list  *spdx.List
	names map[string]string // normalised full name or alias -> expression
	notes map[string]string // normalised alias -> why it maps there
	alts  map[string][]string
	urls  map[string]string // normalised URL -> expression
	// urlIDs lists every current id whose seeAlso has the URL, for the
	// alternatives of a URL several licences share.
	urlIDs map[string][]string
}

var (
	defaultOnce sync.Once
	defaultIdx  *index
)

func idx() *index {
	defaultOnce.Do(func() { defaultIdx = build(spdx.Default()) })
	return defaultIdx
}

func build(l *spdx.List) *index {
	ix := &index{list: l, names: map[string]string{}, notes: map[string]string{}, alts: map[string][]string{}, urls: map[string]string{}, urlIDs: map[string][]string{}}
	// Deprecated ids and the -only/-or-later pairs share names' spellings
	// and seeAlso URLs; the lower rank wins, so the answer is never a
	// deprecated id, and a URL (which names a version, not "or later") gives
	// the -only id.
	urlRank := map[string]int{}
	for _, lic := range l.Licences() {
		id, rank := lic.ID, 0
		switch {
		case lic.Deprecated && lic.ReplacedBy == "":
			continue
		case lic.Deprecated:
			id, rank = lic.ReplacedBy, 2
		case strings.HasSuffix(id, "-or-later"):
			rank = 1
		}
		if !lic.Deprecated {
			ix.names[normName(lic.Name)] = id
		} else if _, taken := ix.names[normName(lic.Name)]; !taken {
			ix.names[normName(lic.Name)] = id
		}
		for _, u := range lic.SeeAlso {
			k := normURL(u)
			if k != "" && !lic.Deprecated {
				ix.urlIDs[k] = append(ix.urlIDs[k], id)
			}
			if r, seen := urlRank[k]; k == "" || seen && r <= rank {
				continue
			}
			urlRank[k] = rank
			ix.urls[k] = id
		}
	}
	for _, a := range aliases {
		for _, n := range a.names {
			k := normName(n)
			if ix.names[k] == a.expr {
				continue // an SPDX full name spelt another way: answered by name
			}
			ix.names[k] = a.expr
			ix.notes[k] = a.note
			ix.alts[k] = a.alts
		}
	}
	for u, e := range canonicalURLs {
		ix.urls[normURL(u)] = e
	}
	// The licences outside the SPDX list that Stemma models answer to their
	// full names and the URLs of their texts.
	for _, p := range profile.Default().Refs() {
		ix.names[normName(p.Name)] = p.ID
		ix.urls[normURL(p.Model.URL)] = p.ID
	}
	return ix
}

// Name resolves s, a licence string from a name or licence field, trying
// in turn an SPDX id, an expression, a full name or alias, and a URL.
func Name(s string) Result {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > MaxInput {
		return Result{Method: MethodNone}
	}
	ix := idx()
	if p, err := expression.Parse(ix.list, s); err == nil {
		m := MethodExpression
		if t, single := p.Expr.(*expression.Term); single && t.Exception == "" && !t.IsRef() {
			m = MethodSPDXID
		}
		return Result{Expression: p.Expr.String(), Method: m, Warnings: p.Warnings, Confidence: 1}
	}
	k := normName(s)
	if e, ok := ix.names[k]; ok {
		if note, isAlias := ix.notes[k]; isAlias {
			r := Result{Expression: e, Method: MethodAlias, Alternatives: ix.alts[k], Confidence: 1}
			if note != "" {
				r.Warnings = []string{note}
			}
			return r
		}
		return Result{Expression: e, Method: MethodName, Confidence: 1}
	}
	if looksLikeURL(s) {
		return URL(s)
	}
	return Result{Method: MethodNone}
}

// URL resolves u, a URL where a licence text is published.
func URL(u string) Result {
	u = strings.TrimSpace(u)
	if u == "" || len(u) > MaxInput {
		return Result{Method: MethodNone}
	}
	ix := idx()
	k := normURL(u)
	e, ok := ix.urls[k]
	if !ok {
		return Result{Method: MethodNone}
	}
	r := Result{Expression: e, Method: MethodURL, Confidence: 1}
	for _, id := range ix.urlIDs[k] {
		if id != e {
			r.Alternatives = append(r.Alternatives, id)
		}
	}
	return r
}

func looksLikeURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "www.")
}

// normURL reduces a URL to host and path so that the spellings people use
// for one page meet: scheme, "www.", a trailing slash, index pages and the
// .html/.htm/.txt/.php suffixes are dropped, and case is folded.
func normURL(raw string) string {
	s := strings.ToLower(strings.TrimSpace(raw))
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.TrimPrefix(u.Host, "www.")
	p := strings.TrimRight(u.Path, "/")
	for _, suf := range []string{"/index.html", "/index.htm", "/index.php"} {
		p = strings.TrimSuffix(p, suf)
	}
	for _, suf := range []string{".html", ".htm", ".txt", ".php", ".md"} {
		p = strings.TrimSuffix(p, suf)
	}
	return host + strings.TrimRight(p, "/")
}

// normName folds the ways one licence name is written onto one key: case,
// punctuation, "licence"/"license", "version"/"v", "the", and the words that
// SBOM tools append ("License" after a short name is kept, since "MIT" and
// "MIT License" both resolve through the table).
func normName(s string) string {
	var b strings.Builder
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '+')
	})
	for _, w := range words {
		w, plus := normWord(w)
		switch {
		case w == "" && plus:
			// "GPL 2 +": the plus belongs to the version before it.
			if !strings.HasSuffix(b.String(), "+") {
				b.WriteByte('+')
			}
			continue
		case w == "":
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if plus {
			b.WriteByte('+')
		}
	}
	return b.String()
}

// normWord normalises one word of a name and reports whether it ended in
// "+". It repeats until nothing changes, so that normName is idempotent
// whatever order the suffixes come in ("2.0+", "v2.0.", "2+.0").
func normWord(w string) (string, bool) {
	plus := false
	for {
		prev := w
		w = strings.Trim(w, ".")
		if t := strings.TrimRight(w, "+"); t != w {
			w, plus = t, true
		}
		switch w {
		case "the", "version", "v", "ver":
			w = ""
		case "licence", "licensed", "licenced", "licenses", "licences":
			w = "license"
		}
		// "v2.0" and "2.0" are one version; "2" and "2.0" too.
		if len(w) > 1 && w[0] == 'v' && w[1] >= '0' && w[1] <= '9' {
			w = w[1:]
		}
		w = strings.TrimSuffix(w, ".0")
		if w == prev {
			return w, plus
		}
	}
}
