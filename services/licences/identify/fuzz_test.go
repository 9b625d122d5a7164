package identify

import (
	"slices"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/licences/expression"
)

// FuzzName checks that any string gets an answer without panicking, that a
// non-empty answer is a valid SPDX expression, and that the normaliser is
// idempotent.
func FuzzName(f *testing.F) {
	for _, c := range realWorld {
		f.Add(c.in)
	}
	f.Add("http://[::1")
	f.Add("GPL-2.0+ WITH")
	f.Fuzz(func(t *testing.T, s string) {
		r := Name(s)
		if (r.Expression == "") != (r.Method == MethodNone) {
			t.Fatalf("Name(%q) = %+v: expression and method disagree", s, r)
		}
		if (r.Confidence == 1) != (r.Method != MethodNone) || r.Confidence != 0 && r.Confidence != 1 {
			t.Fatalf("Name(%q) = %+v: an exact lookup is sure or has nothing", s, r)
		}
		if r.Expression != "" {
			if _, err := expression.Parse(nil, r.Expression); err != nil {
				t.Fatalf("Name(%q) = %q, not an expression: %v", s, r.Expression, err)
			}
		}
		if n := normName(s); normName(n) != n {
			t.Fatalf("normName not idempotent on %q: %q then %q", s, n, normName(n))
		}
		if u := URL(s); (u.Expression == "") != (u.Method == MethodNone) {
			t.Fatalf("URL(%q) = %+v", s, u)
		}
	})
}

// FuzzText checks that any input gets an answer without panicking, that
// the answer is consistent (an expression exactly when the method is text,
// a confidence in [0, 1] and at least the threshold for a match, a valid
// expression) and that line endings do not matter.
func FuzzText(f *testing.F) {
	f.Add(mitFile)
	f.Add("Copyright (c) 2020\n(a) 1. - * \u2022 licence sub-license https://x")
	f.Add(strings.Repeat("the software ", 20))
	f.Fuzz(func(t *testing.T, s string) {
		r := Text(s)
		if (r.Expression == "") != (r.Method == MethodNone) || (r.Method != MethodNone && r.Method != MethodText) {
			t.Fatalf("Text(%q) = %+v: expression and method disagree", s, r)
		}
		if r.Confidence < 0 || r.Confidence > 1 || r.Method == MethodText && r.Confidence < TextThreshold-0.001 {
			t.Fatalf("Text(%q) = %+v: confidence out of range", s, r)
		}
		if r.Expression != "" {
			if _, err := expression.Parse(nil, r.Expression); err != nil {
				t.Fatalf("Text(%q) = %q, not an expression: %v", s, r.Expression, err)
			}
			if slices.Contains(r.Alternatives, r.Expression) {
				t.Fatalf("Text(%q) = %+v: the answer is also an alternative", s, r)
			}
		}
		if 2*len(s) < MaxText {
			if c := Text(strings.ReplaceAll(s, "\n", "\r\n")); c.Expression != r.Expression || c.Confidence != r.Confidence {
				t.Fatalf("Text(%q) = %+v but with CRLF %+v", s, r, c)
			}
		}
	})
}
