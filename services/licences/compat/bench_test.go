package compat

import (
	"testing"

	"github.com/stemma-registry/stemma/services/licences/expression"
)

// BenchmarkCheckPair measures a simple pair check: MIT into GPL-3.0-only
// (target: under 2 µs).
func BenchmarkCheckPair(b *testing.B) {
	in := &expression.Term{ID: "MIT"}
	out := &expression.Term{ID: "GPL-3.0-only"}
	testEngine.Check(in, out, Incorporate)
	b.ReportAllocs()
	for b.Loop() {
		testEngine.Check(in, out, Incorporate)
	}
}

// BenchmarkCheck10Terms measures a 10-term inbound expression against an
// outbound one (target: under 50 µs).
func BenchmarkCheck10Terms(b *testing.B) {
	in := mustParse(b, "(MIT OR Apache-2.0) AND BSD-3-Clause AND (GPL-2.0-or-later WITH Classpath-exception-2.0 OR MPL-2.0) AND ISC AND LGPL-2.1-only AND (CC-BY-4.0 OR CC0-1.0) AND Zlib")
	out := mustParse(b, "GPL-3.0-or-later")
	if n := len(expression.Terms(in)); n != 10 {
		b.Fatalf("%d terms, want 10", n)
	}
	testEngine.Check(in, out, Incorporate)
	b.ReportAllocs()
	for b.Loop() {
		testEngine.Check(in, out, Incorporate)
	}
}

// BenchmarkCheckPairCold measures a pair check without the pair cache, the
// cost of a first question.
func BenchmarkCheckPairCold(b *testing.B) {
	e, err := New(testEngine.cat.List())
	if err != nil {
		b.Fatal(err)
	}
	in := &expression.Term{ID: "MIT"}
	out := &expression.Term{ID: "GPL-3.0-only"}
	b.ReportAllocs()
	for b.Loop() {
		e.termPair(in, out, Incorporate)
	}
}
