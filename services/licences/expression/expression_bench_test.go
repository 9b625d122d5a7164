package expression

import (
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/licences/spdx"
)

func BenchmarkParse(b *testing.B) {
	benchmarks := []struct {
		name string
		in   string
	}{
		{name: "single id", in: "MIT"},
		{name: "single id lower case", in: "apache-2.0"},
		{name: "ten terms", in: "(MIT OR Apache-2.0) AND BSD-3-Clause AND (GPL-2.0-or-later WITH Classpath-exception-2.0 OR LGPL-2.1-only) AND ISC AND Zlib AND (MPL-2.0 OR EPL-2.0) AND LicenseRef-Acme"},
		{name: "ten terms deprecated", in: "GPL-2.0+ OR GPL-2.0 OR LGPL-2.1+ OR AGPL-3.0 OR GFDL-1.3+ OR GPL-2.0-with-classpath-exception OR wxWindows OR Nunit OR eCos-2.0 OR Net-SNMP"},
		{name: "max terms", in: strings.Repeat("MIT OR ", MaxTerms-1) + "MIT"},
		{name: "max depth", in: strings.Repeat("(", MaxDepth) + "MIT" + strings.Repeat(")", MaxDepth)},
		{name: "refused 1 MiB", in: strings.Repeat("(", 1<<20)},
	}
	l := spdx.Default()
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(l, bm.in)
			}
		})
	}
}

func BenchmarkString(b *testing.B) {
	e := MustParse("(MIT OR Apache-2.0) AND BSD-3-Clause AND (GPL-2.0-or-later WITH Classpath-exception-2.0 OR LGPL-2.1-only) AND ISC AND Zlib AND (MPL-2.0 OR EPL-2.0) AND LicenseRef-Acme")
	b.ReportAllocs()
	for b.Loop() {
		_ = e.String()
	}
}
