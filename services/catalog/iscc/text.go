package iscc

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text normalisation as ISO 24138 does it, written against what Python's
// str methods do, since the reference is written in Python.

// The Content-Code Text's parameters.
const textNgram = 13 // characters per feature

// TextCode is the Content-Code Text of plain text (markup removed) with a
// body of nbits (a multiple of 32 up to 256), and the number of
// characters of the collapsed text it was computed from.
func TextCode(text string, nbits int) (Code, int, error) {
	collapsed := collapseText(strings.ToValidUTF8(text, "\uFFFD"))
	var features []uint32
	for _, w := range runeWindows(collapsed, textNgram) {
		features = append(features, xxh32([]byte(w)))
	}
	c, err := unit(MainContent, SubText, nbits, minHash256(features))
	return c, utf8.RuneCountInString(collapsed), err
}

// collapseText reduces text to what similarity is computed on: decomposed
// (NFD), without whitespace, in lower case, without control characters,
// marks and punctuation, and recomposed (NFKC).
func collapseText(s string) string {
	s = norm.NFD.String(s)
	s = pyLower(strings.Join(strings.FieldsFunc(s, isPySpace), ""))
	s = strings.Map(func(r rune) rune {
		if isControl(r) || unicode.In(r, unicode.M, unicode.P) {
			return -1
		}
		return r
	}, s)
	return norm.NFKC.String(s)
}

// cleanText prepares a name or description for display and hashing:
// NFKC, control characters removed but newlines kept (each written as
// "\n", at most two in a row), surrounding whitespace trimmed.
func cleanText(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	newlines := 0
	for _, r := range s {
		if isNewline(r) {
			if newlines < 2 {
				b.WriteByte('\n')
				newlines++
			}
			continue
		}
		if isControl(r) {
			continue
		}
		newlines = 0
		b.WriteRune(r)
	}
	return strings.TrimFunc(b.String(), isPySpace)
}

// singleLine joins the words of s with single spaces.
func singleLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, isPySpace), " ")
}

// trimText cuts s to at most n bytes of UTF-8 without splitting a
// character and trims the whitespace around what is left.
func trimText(s string, n int) string {
	if len(s) > n {
		s = s[:n]
		for len(s) > 0 {
			r, size := utf8.DecodeLastRuneInString(s)
			if r != utf8.RuneError || size > 1 {
				break
			}
			s = s[:len(s)-1]
		}
	}
	return strings.TrimFunc(s, isPySpace)
}

func isNewline(r rune) bool {
	switch r {
	case '\n', '\v', '\f', '\r', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// isPySpace is Python's str.isspace: Go's white space and the four
// information separators U+001C to U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}

// isControl is Unicode's general category C, which in Python includes
// unassigned code points (Cn), which Go's unicode.C leaves out.
func isControl(r rune) bool {
	return unicode.Is(unicode.C, r) || !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z)
}

// pyLower is Python's str.lower: Go's simple lower-casing with Python's
// final sigma rule (a capital sigma that ends a word becomes ς). The only
// other full lower-case mapping, of U+0130, is decomposed before this is
// called.
func pyLower(s string) string {
	if !strings.ContainsRune(s, 'Σ') {
		return strings.ToLower(s)
	}
	rs := []rune(s)
	out := make([]rune, len(rs))
	for i, r := range rs {
		if r == 'Σ' && casedBefore(rs, i) && !casedAfter(rs, i) {
			out[i] = 'ς'
			continue
		}
		out[i] = unicode.ToLower(r)
	}
	return string(out)
}

func isCased(r rune) bool { return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) }

func isCaseIgnorable(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk) || strings.ContainsRune("'.:^`\u00b7\u2018\u2019\u2024\u2027", r)
}

func casedBefore(rs []rune, i int) bool {
	for j := i - 1; j >= 0; j-- {
		if !isCaseIgnorable(rs[j]) {
			return isCased(rs[j])
		}
	}
	return false
}

func casedAfter(rs []rune, i int) bool {
	for j := i + 1; j < len(rs); j++ {
		if !isCaseIgnorable(rs[j]) {
			return isCased(rs[j])
		}
	}
	return false
}
