package expression

import (
	"slices"
	"strings"
	"testing"
)

func TestEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b Expr
		want bool
	}{
		{name: "same term", a: MustParse("MIT"), b: &Term{ID: "MIT"}, want: true},
		{name: "spelling ignored", a: MustParse("mit OR gpl-2.0"), b: MustParse("MIT OR GPL-2.0-only"), want: true},
		{name: "ref case ignored", a: MustParse("LicenseRef-Acme"), b: MustParse("licenseref-acme"), want: true},
		{name: "layout ignored", a: MustParse("(MIT AND (ISC AND Zlib))"), b: MustParse("MIT AND ISC AND Zlib"), want: true},
		{name: "different ids", a: MustParse("MIT"), b: MustParse("ISC"), want: false},
		{name: "order matters", a: MustParse("MIT OR ISC"), b: MustParse("ISC OR MIT"), want: false},
		{name: "operation matters", a: MustParse("MIT OR ISC"), b: MustParse("MIT AND ISC"), want: false},
		{name: "operand count matters", a: MustParse("MIT OR ISC"), b: MustParse("MIT OR ISC OR ISC"), want: false},
		{name: "plus matters", a: MustParse("Apache-1.0"), b: MustParse("Apache-1.0+"), want: false},
		{name: "exception matters", a: MustParse("GPL-2.0-only"), b: MustParse("GPL-2.0-only WITH Classpath-exception-2.0"), want: false},
		{name: "document ref matters", a: MustParse("LicenseRef-a"), b: MustParse("DocumentRef-d:LicenseRef-a"), want: false},
		{name: "term against and", a: MustParse("MIT"), b: MustParse("MIT AND MIT"), want: false},
		{name: "and against term", a: MustParse("MIT AND MIT"), b: MustParse("MIT"), want: false},
		{name: "or against term", a: MustParse("MIT OR MIT"), b: MustParse("MIT"), want: false},
		{name: "nil and nil", a: nil, b: nil, want: true},
		{name: "nil and term", a: nil, b: MustParse("MIT"), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Equal(tt.a, tt.b); got != tt.want {
				t.Errorf("Equal(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestIDs(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		licences   []string
		exceptions []string
	}{
		{name: "single", in: "MIT", licences: []string{"MIT"}},
		{
			name:       "sorted and deduplicated",
			in:         "Zlib OR MIT AND (ISC OR MIT) OR GPL-2.0-only WITH Classpath-exception-2.0 OR GPL-3.0-only WITH Classpath-exception-2.0",
			licences:   []string{"GPL-2.0-only", "GPL-3.0-only", "ISC", "MIT", "Zlib"},
			exceptions: []string{"Classpath-exception-2.0"},
		},
		{name: "plus dropped", in: "Apache-1.0+ OR GPL-2.0+", licences: []string{"Apache-1.0", "GPL-2.0-or-later"}},
		{
			name:       "refs as written canonically",
			in:         "documentref-d:licenseref-x WITH additionref-y OR LicenseRef-z WITH DocumentRef-e:AdditionRef-f",
			licences:   []string{"DocumentRef-d:LicenseRef-x", "LicenseRef-z"},
			exceptions: []string{"AdditionRef-y", "DocumentRef-e:AdditionRef-f"},
		},
		{name: "replacement exception included", in: "GPL-2.0-with-font-exception", licences: []string{"GPL-2.0-only"}, exceptions: []string{"Font-exception-2.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lic, exc := IDs(MustParse(tt.in))
			if !slices.Equal(lic, tt.licences) || !slices.Equal(exc, tt.exceptions) {
				t.Errorf("IDs(%q) = %q, %q; want %q, %q", tt.in, lic, exc, tt.licences, tt.exceptions)
			}
		})
	}
}

func TestChoices(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string // each choice's terms joined by " & "
		ok    bool
	}{
		{name: "term", in: "MIT", limit: 10, want: []string{"MIT"}, ok: true},
		{name: "or", in: "MIT OR Apache-2.0", limit: 10, want: []string{"MIT", "Apache-2.0"}, ok: true},
		{name: "and", in: "MIT AND ISC", limit: 10, want: []string{"MIT & ISC"}, ok: true},
		{
			name: "and of ors in written order", in: "(MIT OR ISC) AND (Zlib OR 0BSD)", limit: 10,
			want: []string{"MIT & Zlib", "MIT & 0BSD", "ISC & Zlib", "ISC & 0BSD"}, ok: true,
		},
		{
			name: "nested", in: "MIT OR ISC AND (Zlib OR GPL-2.0-only WITH Classpath-exception-2.0)", limit: 10,
			want: []string{"MIT", "ISC & Zlib", "ISC & GPL-2.0-only WITH Classpath-exception-2.0"}, ok: true,
		},
		{name: "repeats kept", in: "MIT AND MIT", limit: 10, want: []string{"MIT & MIT"}, ok: true},
		{name: "exactly at the limit", in: "(MIT OR ISC) AND (Zlib OR 0BSD)", limit: 4, want: []string{"MIT & Zlib", "MIT & 0BSD", "ISC & Zlib", "ISC & 0BSD"}, ok: true},
		{name: "and over the limit", in: "(MIT OR ISC) AND (Zlib OR 0BSD)", limit: 3},
		{name: "or over the limit", in: "MIT OR ISC OR Zlib", limit: 2},
		{name: "zero limit", in: "MIT", limit: 0},
		{name: "exponential refused", in: strings.Repeat("(MIT OR ISC) AND ", 200) + "Zlib", limit: 1 << 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			choices, ok := Choices(MustParse(tt.in), tt.limit)
			var got []string
			for _, c := range choices {
				var parts []string
				for _, term := range c {
					parts = append(parts, term.String())
				}
				got = append(got, strings.Join(parts, " & "))
			}
			if ok != tt.ok || !slices.Equal(got, tt.want) {
				t.Errorf("Choices(%q, %d) = %q, %v; want %q, %v", tt.in, tt.limit, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// Choices must not let one choice's terms leak into another's through a
// shared backing array.
func TestChoicesIndependent(t *testing.T) {
	choices, ok := Choices(MustParse("MIT AND (ISC OR Zlib) AND (0BSD OR Unlicense)"), 100)
	if !ok || len(choices) != 4 {
		t.Fatalf("Choices = %v, %v", choices, ok)
	}
	choices[0][2] = &Term{ID: "changed"}
	for _, c := range choices[1:] {
		if c[2].ID == "changed" {
			t.Fatal("choices share their terms slice")
		}
	}
}
