package expression

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stemma-registry/stemma/services/licences/spdx"
)

// FuzzParse checks that Parse never panics, that whatever it accepts prints
// in a canonical form that parses back to the same tree and the same text,
// and that whatever it refuses is a *SyntaxError pointing into the input.
// More seeds, including past findings, are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"MIT",
		"mit and apache-2.0 or isc",
		"(MIT OR Apache-2.0) AND (ISC OR Zlib)",
		"GPL-2.0+ WITH Classpath-exception-2.0",
		"GPL-2.0-with-classpath-exception WITH Classpath-exception-2.0",
		"LGPL-2.1-only+ OR AGPL-3.0+ OR Apache-1.0+",
		"DocumentRef-a:LicenseRef-b WITH DocumentRef-c:AdditionRef-d",
		"licenseref-x AND Net-SNMP+",
		"MIT And ISC",
		"MIT AND (",
		"MIT)++",
		"((((MIT))))",
		"Bjørn\x00\xff",
	} {
		f.Add(s)
	}
	l := spdx.Default()
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(l, s)
		if err != nil {
			checkFuzzError(t, s, err)
			return
		}
		checkShape(t, p.Expr)
		checkRoundTrip(t, l, p)
		if n := len(Terms(p.Expr)); n > MaxTerms {
			t.Errorf("%d terms accepted", n)
		}
	})
}

func checkFuzzError(t *testing.T, s string, err error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("Parse(%q): %T %v, want a *SyntaxError", s, err, err)
	}
	n := utf8.RuneCountInString(s)
	if se.Offset < 0 || se.Offset > n {
		t.Fatalf("Parse(%q): offset %d outside [0, %d]", s, se.Offset, n)
	}
	if se.Message == "" {
		t.Errorf("Parse(%q): empty message", s)
	}
	if se.Token == "" {
		if se.Offset != n {
			t.Errorf("Parse(%q): no token at offset %d, before the end %d", s, se.Offset, n)
		}
		return
	}
	// The token must be what the input holds at Offset, counted in runes.
	at := 0
	for i := 0; i < se.Offset; i++ {
		_, size := utf8.DecodeRuneInString(s[at:])
		at += size
	}
	if !strings.HasPrefix(s[at:], se.Token) {
		t.Errorf("Parse(%q): token %q is not at offset %d", s, se.Token, se.Offset)
	}
}
