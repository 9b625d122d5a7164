package identify

import (
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
