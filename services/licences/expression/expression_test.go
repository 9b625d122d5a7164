package expression

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stemma-registry/stemma/services/licences/spdx"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     string
		warnings []string
	}{
		{name: "single id", in: "MIT", want: "MIT"},
		{name: "id case ignored", in: "apache-2.0", want: "Apache-2.0"},
		{name: "id upper case", in: "APACHE-2.0", want: "Apache-2.0"},
		{name: "lower-case spelling kept by SPDX", in: "ZLIB", want: "Zlib"},
		{name: "and", in: "MIT AND Apache-2.0", want: "MIT AND Apache-2.0"},
		{name: "or", in: "MIT OR Apache-2.0", want: "MIT OR Apache-2.0"},
		{name: "operand order kept", in: "Apache-2.0 OR MIT", want: "Apache-2.0 OR MIT"},
		{name: "duplicates kept", in: "MIT OR MIT", want: "MIT OR MIT"},
		{name: "lower-case operators", in: "mit and apache-2.0 or isc", want: "MIT AND Apache-2.0 OR ISC"},
		{name: "lower-case with", in: "gpl-2.0-only with classpath-exception-2.0", want: "GPL-2.0-only WITH Classpath-exception-2.0"},
		{name: "and binds tighter than or", in: "MIT OR Apache-2.0 AND ISC", want: "MIT OR Apache-2.0 AND ISC"},
		{name: "parentheses kept where needed", in: "(MIT OR Apache-2.0) AND ISC", want: "(MIT OR Apache-2.0) AND ISC"},
		{name: "needless parentheses dropped", in: "(MIT AND Apache-2.0) OR ISC", want: "MIT AND Apache-2.0 OR ISC"},
		{name: "parenthesised single", in: "((MIT))", want: "MIT"},
		{name: "and flattened", in: "MIT AND (Apache-2.0 AND (ISC AND Zlib))", want: "MIT AND Apache-2.0 AND ISC AND Zlib"},
		{name: "or flattened", in: "((MIT OR Apache-2.0) OR ISC) OR Zlib", want: "MIT OR Apache-2.0 OR ISC OR Zlib"},
		{name: "and of ors", in: "(MIT OR ISC) AND (Apache-2.0 OR Zlib)", want: "(MIT OR ISC) AND (Apache-2.0 OR Zlib)"},
		{name: "or inside and inside or", in: "MIT OR (ISC AND (Zlib OR 0BSD))", want: "MIT OR ISC AND (Zlib OR 0BSD)"},
		{name: "with", in: "GPL-2.0-or-later WITH Classpath-exception-2.0", want: "GPL-2.0-or-later WITH Classpath-exception-2.0"},
		{name: "with binds tighter than and", in: "MIT AND GPL-2.0-only WITH Classpath-exception-2.0 OR ISC", want: "MIT AND GPL-2.0-only WITH Classpath-exception-2.0 OR ISC"},
		{name: "with inside parentheses", in: "(GPL-3.0-only WITH GCC-exception-3.1)", want: "GPL-3.0-only WITH GCC-exception-3.1"},
		{name: "plus kept without or-later id", in: "Apache-1.0+", want: "Apache-1.0+"},
		{name: "plus kept MPL", in: "MPL-1.1+", want: "MPL-1.1+"},
		{name: "plus kept CC", in: "cc-by-sa-3.0+", want: "CC-BY-SA-3.0+"},
		{name: "plus with exception", in: "Apache-1.0+ WITH LLVM-exception", want: "Apache-1.0+ WITH LLVM-exception"},
		{name: "whitespace", in: " \t\nMIT\r\n  AND\t( ISC )\n", want: "MIT AND ISC"},
		{name: "no space around parentheses", in: "MIT AND(ISC OR(Zlib))OR 0BSD", want: "MIT AND (ISC OR Zlib) OR 0BSD"},
		{name: "no space after closing parenthesis", in: "(MIT)AND(ISC)", want: "MIT AND ISC"},
		{name: "licence ref", in: "LicenseRef-Acme-1.0", want: "LicenseRef-Acme-1.0"},
		{name: "licence ref prefix case", in: "licenseref-acme.1", want: "LicenseRef-acme.1"},
		{name: "document ref", in: "documentref-spdx-tool-1.2:LICENSEREF-MIT-Style-2", want: "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"},
		{name: "ref with exception", in: "LicenseRef-X WITH Classpath-exception-2.0", want: "LicenseRef-X WITH Classpath-exception-2.0"},
		{name: "addition ref", in: "MIT WITH additionref-my.exc", want: "MIT WITH AdditionRef-my.exc"},
		{name: "document addition ref", in: "MIT WITH DocumentRef-d:AdditionRef-e", want: "MIT WITH DocumentRef-d:AdditionRef-e"},
		{name: "ref and ids", in: "LicenseRef-a OR mit AND LicenseRef-a", want: "LicenseRef-a OR MIT AND LicenseRef-a"},
		{
			name: "deprecated", in: "GPL-2.0", want: "GPL-2.0-only",
			warnings: []string{`deprecated licence identifier "GPL-2.0" replaced by "GPL-2.0-only"`},
		},
		{
			name: "deprecated lower case", in: "lgpl-2.1", want: "LGPL-2.1-only",
			warnings: []string{`deprecated licence identifier "LGPL-2.1" replaced by "LGPL-2.1-only"`},
		},
		{
			name: "deprecated plus id", in: "GPL-2.0+", want: "GPL-2.0-or-later",
			warnings: []string{`deprecated licence identifier "GPL-2.0+" replaced by "GPL-2.0-or-later"`},
		},
		{
			name: "deprecated plus id lower case", in: "gpl-3.0+", want: "GPL-3.0-or-later",
			warnings: []string{`deprecated licence identifier "GPL-3.0+" replaced by "GPL-3.0-or-later"`},
		},
		{
			name: "deprecated plus without plus id", in: "AGPL-3.0+", want: "AGPL-3.0-or-later",
			warnings: []string{`deprecated licence identifier "AGPL-3.0+" replaced by "AGPL-3.0-or-later"`},
		},
		{
			name: "deprecated GFDL plus", in: "GFDL-1.3+", want: "GFDL-1.3-or-later",
			warnings: []string{`deprecated licence identifier "GFDL-1.3+" replaced by "GFDL-1.3-or-later"`},
		},
		{
			name: "deprecated with exception replacement", in: "GPL-2.0-with-classpath-exception", want: "GPL-2.0-only WITH Classpath-exception-2.0",
			warnings: []string{`deprecated licence identifier "GPL-2.0-with-classpath-exception" replaced by "GPL-2.0-only WITH Classpath-exception-2.0"`},
		},
		{
			name: "deprecated with exception replacement and plus", in: "GPL-2.0-with-GCC-exception+", want: "GPL-2.0-or-later WITH GCC-exception-2.0",
			warnings: []string{`deprecated licence identifier "GPL-2.0-with-GCC-exception+" replaced by "GPL-2.0-or-later WITH GCC-exception-2.0"`},
		},
		{
			name: "deprecated replacement already or-later, plus", in: "wxWindows+", want: "LGPL-2.0-or-later WITH WxWindows-exception-3.1",
			warnings: []string{`deprecated licence identifier "wxWindows+" replaced by "LGPL-2.0-or-later WITH WxWindows-exception-3.1"`},
		},
		{
			name: "deprecated in a compound", in: "MIT OR (GPL-2.0-with-autoconf-exception AND ISC)", want: "MIT OR GPL-2.0-only WITH Autoconf-exception-2.0 AND ISC",
			warnings: []string{`deprecated licence identifier "GPL-2.0-with-autoconf-exception" replaced by "GPL-2.0-only WITH Autoconf-exception-2.0"`},
		},
		{
			name: "deprecated then explicit exception", in: "GPL-2.0 WITH Classpath-exception-2.0", want: "GPL-2.0-only WITH Classpath-exception-2.0",
			warnings: []string{`deprecated licence identifier "GPL-2.0" replaced by "GPL-2.0-only"`},
		},
		{
			name: "deprecated plus then explicit exception", in: "GPL-2.0+ WITH Classpath-exception-2.0", want: "GPL-2.0-or-later WITH Classpath-exception-2.0",
			warnings: []string{`deprecated licence identifier "GPL-2.0+" replaced by "GPL-2.0-or-later"`},
		},
		{
			name: "deprecated non-GNU replacement keeps plus", in: "Nunit+", want: "zlib-acknowledgement+",
			warnings: []string{`deprecated licence identifier "Nunit+" replaced by "zlib-acknowledgement+"`},
		},
		{
			name: "deprecated without replacement", in: "Net-SNMP OR MIT", want: "Net-SNMP OR MIT",
			warnings: []string{`deprecated licence identifier "Net-SNMP" has no replacement; kept as it is`},
		},
		{
			name: "deprecated exception kept", in: "LGPL-2.1-only WITH nokia-qt-exception-1.1", want: "LGPL-2.1-only WITH Nokia-Qt-exception-1.1",
			warnings: []string{`deprecated exception identifier "Nokia-Qt-exception-1.1" has no replacement; kept as it is`},
		},
		{
			name: "repeated warning given once", in: "GPL-2.0 OR GPL-2.0 AND gpl-2.0", want: "GPL-2.0-only OR GPL-2.0-only AND GPL-2.0-only",
			warnings: []string{`deprecated licence identifier "GPL-2.0" replaced by "GPL-2.0-only"`},
		},
		{
			name: "two warnings in order", in: "LGPL-3.0 AND GPL-1.0+", want: "LGPL-3.0-only AND GPL-1.0-or-later",
			warnings: []string{
				`deprecated licence identifier "LGPL-3.0" replaced by "LGPL-3.0-only"`,
				`deprecated licence identifier "GPL-1.0+" replaced by "GPL-1.0-or-later"`,
			},
		},
		{
			name: "only plus", in: "GPL-2.0-only+", want: "GPL-2.0-or-later",
			warnings: []string{`"GPL-2.0-only+" normalised to "GPL-2.0-or-later"`},
		},
		{
			name: "only plus GFDL variant", in: "gfdl-1.2-invariants-only+", want: "GFDL-1.2-invariants-or-later",
			warnings: []string{`"GFDL-1.2-invariants-only+" normalised to "GFDL-1.2-invariants-or-later"`},
		},
		{
			name: "only plus with exception", in: "LGPL-2.1-only+ WITH OCaml-LGPL-linking-exception", want: "LGPL-2.1-or-later WITH OCaml-LGPL-linking-exception",
			warnings: []string{`"LGPL-2.1-only+" normalised to "LGPL-2.1-or-later"`},
		},
		{
			name: "or-later plus", in: "AGPL-3.0-or-later+", want: "AGPL-3.0-or-later",
			warnings: []string{`"AGPL-3.0-or-later+" normalised to "AGPL-3.0-or-later"`},
		},
		{
			name:     "deprecated without replacement plus",
			in:       "Net-SNMP+",
			want:     "Net-SNMP+",
			warnings: []string{`deprecated licence identifier "Net-SNMP+" has no replacement; kept as it is`},
		},
	}
	l := spdx.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(l, tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := p.Expr.String(); got != tt.want {
				t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !slices.Equal(p.Warnings, tt.warnings) {
				t.Errorf("Parse(%q) warnings = %q, want %q", tt.in, p.Warnings, tt.warnings)
			}
			checkShape(t, p.Expr)
			checkRoundTrip(t, l, p)
		})
	}
}

// checkRoundTrip checks that the canonical form of p parses to an equal
// tree with the same canonical form and no new warnings.
func checkRoundTrip(t *testing.T, l *spdx.List, p *Parsed) {
	t.Helper()
	s := p.Expr.String()
	q, err := Parse(l, s)
	if err != nil {
		t.Fatalf("canonical form %q does not parse: %v", s, err)
	}
	if !Equal(p.Expr, q.Expr) {
		t.Errorf("canonical form %q parses to a different tree %q", s, q.Expr)
	}
	if got := q.Expr.String(); got != s {
		t.Errorf("canonical form %q prints back as %q", s, got)
	}
	for _, w := range q.Warnings {
		if !slices.Contains(p.Warnings, w) {
			t.Errorf("canonical form %q warns %q", s, w)
		}
	}
}

// checkShape checks the invariants ast.go documents: every And and Or has
// two or more operands, none of its own kind.
func checkShape(t *testing.T, e Expr) {
	t.Helper()
	var ops []Expr
	switch x := e.(type) {
	case *Term:
		if x.ID == "" {
			t.Errorf("term with an empty ID: %#v", x)
		}
		return
	case *And:
		ops = x.Operands
		for _, o := range ops {
			if _, ok := o.(*And); ok {
				t.Errorf("And directly inside And in %q", e)
			}
		}
	case *Or:
		ops = x.Operands
		for _, o := range ops {
			if _, ok := o.(*Or); ok {
				t.Errorf("Or directly inside Or in %q", e)
			}
		}
	default:
		t.Fatalf("unexpected node %#v", e)
	}
	if len(ops) < 2 {
		t.Errorf("%T with %d operands in %q", e, len(ops), e)
	}
	for _, o := range ops {
		checkShape(t, o)
	}
}

func TestParseTree(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Expr
	}{
		{name: "term", in: "mit", want: &Term{ID: "MIT"}},
		{name: "plus", in: "Apache-1.0+", want: &Term{ID: "Apache-1.0", OrLater: true}},
		{name: "or-later id has no plus", in: "GPL-2.0+", want: &Term{ID: "GPL-2.0-or-later"}},
		{name: "exception", in: "GPL-2.0-with-bison-exception", want: &Term{ID: "GPL-2.0-or-later", Exception: "Bison-exception-2.2"}},
		{name: "document ref", in: "DocumentRef-a:LicenseRef-b", want: &Term{DocumentRef: "DocumentRef-a", ID: "LicenseRef-b"}},
		{name: "addition ref", in: "LicenseRef-b WITH DocumentRef-c:AdditionRef-d", want: &Term{ID: "LicenseRef-b", Exception: "DocumentRef-c:AdditionRef-d"}},
		{
			name: "precedence",
			in:   "MIT OR ISC AND Zlib WITH LLVM-exception OR 0BSD",
			want: &Or{Operands: []Expr{
				&Term{ID: "MIT"},
				&And{Operands: []Expr{&Term{ID: "ISC"}, &Term{ID: "Zlib", Exception: "LLVM-exception"}}},
				&Term{ID: "0BSD"},
			}},
		},
		{
			name: "left to right",
			in:   "MIT AND ISC AND Zlib",
			want: &And{Operands: []Expr{&Term{ID: "MIT"}, &Term{ID: "ISC"}, &Term{ID: "Zlib"}}},
		},
		{
			name: "flattened through parentheses",
			in:   "(MIT AND (ISC AND Zlib)) AND 0BSD",
			want: &And{Operands: []Expr{&Term{ID: "MIT"}, &Term{ID: "ISC"}, &Term{ID: "Zlib"}, &Term{ID: "0BSD"}}},
		},
		{
			name: "or kept under and",
			in:   "MIT AND (ISC OR (Zlib OR 0BSD))",
			want: &And{Operands: []Expr{
				&Term{ID: "MIT"},
				&Or{Operands: []Expr{&Term{ID: "ISC"}, &Term{ID: "Zlib"}, &Term{ID: "0BSD"}}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(nil, tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !Equal(p.Expr, tt.want) {
				t.Errorf("Parse(%q) = %#v (%q), want %q", tt.in, p.Expr, p.Expr, tt.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		offset  int
		token   string
		message string // a part of the message
	}{
		{name: "empty", in: "", offset: 0, token: "", message: "empty expression"},
		{name: "blank", in: " \t\n ", offset: 4, token: "", message: "empty expression"},
		{name: "trailing and", in: "MIT AND", offset: 7, token: "", message: `expected a licence after "AND"`},
		{name: "trailing or lower case", in: "MIT or ", offset: 7, token: "", message: `expected a licence after "or"`},
		{name: "double and", in: "MIT AND AND GPL-2.0-only", offset: 8, token: "AND", message: `expected a licence after "AND"`},
		{name: "leading operator", in: "OR MIT", offset: 0, token: "OR", message: "expected a licence"},
		{name: "leading with", in: "WITH Classpath-exception-2.0", offset: 0, token: "WITH", message: "expected a licence"},
		{name: "unclosed", in: "(MIT", offset: 4, token: "", message: `expected ")" to close the "(" at position 0`},
		{name: "unclosed nested", in: "(MIT AND (ISC)", offset: 14, token: "", message: `expected ")" to close the "(" at position 0`},
		{name: "unopened", in: "MIT)", offset: 3, token: ")", message: "closing parenthesis without an opening one"},
		{name: "empty parentheses", in: "MIT AND ()", offset: 9, token: ")", message: `expected a licence after "("`},
		{name: "leading close", in: ")", offset: 0, token: ")", message: "expected a licence"},
		{name: "missing operator", in: "MIT Apache-2.0", offset: 4, token: "Apache-2.0", message: `expected "AND" or "OR"`},
		{name: "missing operator in parentheses", in: "(MIT ISC)", offset: 5, token: "ISC", message: `expected "AND", "OR" or ")"`},
		{name: "missing operator before parenthesis", in: "MIT (ISC)", offset: 4, token: "(", message: `expected "AND" or "OR"`},
		{name: "with at end", in: "MIT WITH", offset: 8, token: "", message: `expected an exception after "WITH"`},
		{name: "with then operator", in: "MIT with OR ISC", offset: 9, token: "OR", message: `expected an exception after "with"`},
		{name: "with then parenthesis", in: "MIT WITH (Classpath-exception-2.0)", offset: 9, token: "(", message: `expected an exception after "WITH"`},
		{name: "unknown licence", in: "Foo-1.0", offset: 0, token: "Foo-1.0", message: "unknown licence identifier"},
		{name: "NOASSERTION", in: "noassertion", offset: 0, token: "noassertion", message: "NONE and NOASSERTION stand in place of a licence expression"},
		{name: "NONE inside", in: "MIT OR NONE", offset: 7, token: "NONE", message: "NONE and NOASSERTION stand in place of a licence expression"},
		{name: "unknown licence later", in: "MIT OR Foo", offset: 7, token: "Foo", message: "unknown licence identifier"},
		{name: "unknown exception", in: "MIT WITH Foo-exception", offset: 9, token: "Foo-exception", message: "unknown exception identifier"},
		{name: "licence as exception", in: "MIT WITH MIT", offset: 9, token: "MIT", message: "a licence is not an exception"},
		{name: "licence ref as exception", in: "MIT WITH LicenseRef-x", offset: 9, token: "LicenseRef-x", message: "a LicenseRef names a licence"},
		{name: "exception as licence", in: "MIT OR classpath-exception-2.0", offset: 7, token: "classpath-exception-2.0", message: "an exception is not a licence"},
		{name: "addition ref as licence", in: "AdditionRef-x", offset: 0, token: "AdditionRef-x", message: "an AdditionRef names an exception"},
		{name: "mixed-case and", in: "mit And gpl-2.0-only", offset: 4, token: "And", message: "operator must be all upper case or all lower case"},
		{name: "mixed-case or", in: "MIT oR ISC", offset: 4, token: "oR", message: "operator must be all upper case or all lower case"},
		{name: "mixed-case with", in: "MIT With Classpath-exception-2.0", offset: 4, token: "With", message: "operator must be all upper case or all lower case"},
		{name: "mixed-case operator where a licence is expected", in: "MIT AND And", offset: 8, token: "And", message: "operator must be all upper case or all lower case"},
		{name: "spaced plus", in: "MIT ++", offset: 4, token: "+", message: `"+" may appear only once`},
		{name: "double plus", in: "MIT++", offset: 4, token: "+", message: `"+" may appear only once`},
		{name: "plus after space", in: "GPL-2.0 +", offset: 8, token: "+", message: `"+" may appear only once`},
		{name: "leading plus", in: "+MIT", offset: 0, token: "+", message: `"+" may appear only once`},
		{name: "plus after parenthesis", in: "(MIT)+", offset: 5, token: "+", message: `"+" may appear only once`},
		{name: "plus after exception", in: "GPL-2.0-only WITH Classpath-exception-2.0+", offset: 41, token: "+", message: `"+" may appear only once`},
		{name: "plus after licence ref", in: "LicenseRef-a+", offset: 12, token: "+", message: `"+" cannot follow a LicenseRef`},
		{name: "two exceptions", in: "GPL-2.0-only WITH Classpath-exception-2.0 WITH GCC-exception-2.0", offset: 42, token: "WITH", message: "a licence takes only one exception"},
		{
			name: "exception on deprecated id that has one", in: "GPL-2.0-with-classpath-exception WITH Classpath-exception-2.0", offset: 33, token: "WITH",
			message: `"GPL-2.0-with-classpath-exception" already stands for "GPL-2.0-only WITH Classpath-exception-2.0"`,
		},
		{name: "with after parentheses", in: "(MIT OR ISC) WITH Classpath-exception-2.0", offset: 13, token: "WITH", message: `"WITH" must follow a single licence`},
		{name: "empty licence ref", in: "LicenseRef-", offset: 0, token: "LicenseRef-", message: `an idstring must follow "LicenseRef-"`},
		{name: "empty addition ref", in: "MIT WITH AdditionRef-", offset: 9, token: "AdditionRef-", message: `an idstring must follow "AdditionRef-"`},
		{name: "empty document ref", in: "DocumentRef-:LicenseRef-a", offset: 0, token: "DocumentRef-:LicenseRef-a", message: `an idstring must follow "DocumentRef-"`},
		{name: "document ref alone", in: "DocumentRef-a", offset: 0, token: "DocumentRef-a", message: "a DocumentRef must be followed by"},
		{name: "document ref to listed id", in: "DocumentRef-a:MIT", offset: 0, token: "DocumentRef-a:MIT", message: "a DocumentRef must be followed by"},
		{name: "two colons", in: "DocumentRef-a:LicenseRef-b:c", offset: 0, token: "DocumentRef-a:LicenseRef-b:c", message: `":" may appear only once`},
		{name: "stray colon", in: "MIT:2", offset: 0, token: "MIT:2", message: `":" may appear only once`},
		{name: "colon in licence ref", in: "LicenseRef-a:b", offset: 0, token: "LicenseRef-a:b", message: `":" may appear only once`},
		{name: "slash", in: "MIT/X11", offset: 3, token: "/", message: "invalid character"},
		{name: "comma", in: "MIT, ISC", offset: 3, token: ",", message: "invalid character"},
		{name: "underscore", in: "LicenseRef-a_b", offset: 12, token: "_", message: "invalid character"},
		{name: "non-ASCII glued to a word", in: "MIT AND Bjørn", offset: 10, token: "ø", message: "invalid character"},
		{name: "non-ASCII alone", in: "MIT AND é", offset: 8, token: "é", message: "invalid character"},
		{name: "non-breaking space", in: "MIT\u00a0AND ISC", offset: 3, token: "\u00a0", message: "invalid character"},
		{name: "NUL", in: "MIT\x00", offset: 3, token: "\x00", message: "invalid character"},
		{name: "vertical tab", in: "MIT\vAND ISC", offset: 3, token: "\v", message: "invalid character"},
		{name: "invalid UTF-8", in: "MIT AND \xc3\x28", offset: 8, token: "\xc3", message: "invalid character"},
		{name: "invalid UTF-8 first", in: "\xff", offset: 0, token: "\xff", message: "invalid character"},
		{name: "earlier error wins", in: "MIT AND AND é", offset: 8, token: "AND", message: `expected a licence after "AND"`},
	}
	l := spdx.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSyntaxError(t, l, tt.in, tt.offset, tt.token, tt.message)
		})
	}
}

// checkSyntaxError parses in, which must fail with a *SyntaxError at
// offset, naming token, with a message containing message.
func checkSyntaxError(t *testing.T, l *spdx.List, in string, offset int, token, message string) {
	t.Helper()
	p, err := Parse(l, in)
	if err == nil {
		t.Fatalf("Parse(%.60q) = %q, want an error", in, p.Expr)
	}
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("Parse(%.60q): %T %v, want a *SyntaxError", in, err, err)
	}
	if se.Offset != offset || se.Token != token || !strings.Contains(se.Message, message) {
		t.Errorf("Parse(%.60q) = {Offset: %d, Token: %.60q, Message: %q}, want {%d, %q, %q}",
			in, se.Offset, se.Token, se.Message, offset, token, message)
	}
	if se.Offset < 0 || se.Offset > utf8.RuneCountInString(in) {
		t.Errorf("offset %d outside the input", se.Offset)
	}
}

func TestParseBounds(t *testing.T) {
	// chain returns n terms joined by op; each term and operator is 7
	// characters ("0BSD OR "), so term i starts at 8*i.
	chain := func(n int, op string) string {
		return strings.Repeat("0BSD "+op+" ", n-1) + "0BSD"
	}
	nest := func(n int) string {
		return strings.Repeat("(", n) + "MIT" + strings.Repeat(")", n)
	}
	atLimit := strings.Repeat(" ", MaxLength-3) + "MIT"
	tests := []struct {
		name    string
		in      string
		ok      bool
		offset  int
		token   string
		message string
	}{
		{name: "max terms", in: chain(MaxTerms, "OR"), ok: true},
		{name: "one term too many", in: chain(MaxTerms+1, "OR"), offset: 8 * MaxTerms, token: "0BSD", message: "more than 512 licences"},
		{name: "10,000-term chain", in: chain(10000, "AND"), offset: 9 * MaxTerms, token: "0BSD", message: "more than 512 licences"},
		{name: "max depth", in: nest(MaxDepth), ok: true},
		{name: "one level too deep", in: nest(MaxDepth + 1), offset: MaxDepth, token: "(", message: "parentheses nested deeper than 64"},
		{name: "10,000-deep nest", in: nest(10000), offset: MaxDepth, token: "(", message: "parentheses nested deeper than 64"},
		{name: "10,000 unclosed", in: strings.Repeat("(", 10000), offset: MaxDepth, token: "(", message: "parentheses nested deeper than 64"},
		{name: "depth counts open parentheses only", in: strings.Repeat("(MIT) AND ", 100) + "MIT", ok: true},
		{name: "max length", in: atLimit, ok: true},
		{name: "trailing space past the limit", in: atLimit + " ", offset: MaxLength, token: " ", message: "expression longer than 8192 characters"},
		{name: "word across the limit", in: atLimit + "X", offset: MaxLength - 3, token: "MIT", message: "expression longer than 8192 characters"},
		{name: "huge word", in: "LicenseRef-" + strings.Repeat("a", 1<<20), offset: 0, token: "LicenseRef-" + strings.Repeat("a", MaxLength-11), message: "longer than"},
		{name: "non-ASCII past the limit", in: atLimit + " é", offset: MaxLength, token: " ", message: "longer than"},
		{name: "invalid UTF-8 at the limit", in: atLimit + "\xff", offset: MaxLength, token: "\xff", message: "longer than"},
		{name: "error before the limit wins", in: "MIT AND AND " + strings.Repeat(" ", 1<<20), offset: 8, token: "AND", message: "expected a licence"},
	}
	l := spdx.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.ok {
				p, err := Parse(l, tt.in)
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				checkShape(t, p.Expr)
				checkRoundTrip(t, l, p)
				return
			}
			checkSyntaxError(t, l, tt.in, tt.offset, tt.token, tt.message)
		})
	}
}

func TestSyntaxErrorError(t *testing.T) {
	tests := []struct {
		name string
		err  SyntaxError
		want string
	}{
		{
			name: "token",
			err:  SyntaxError{Offset: 5, Token: "Foo", Message: "unknown licence identifier"},
			want: `unknown licence identifier: "Foo" at position 5`,
		},
		{
			name: "end of input",
			err:  SyntaxError{Offset: 7, Message: `expected a licence after "AND"`},
			want: `expected a licence after "AND": end of input at position 7`,
		},
		{
			name: "control character quoted",
			err:  SyntaxError{Offset: 3, Token: "\x00", Message: "invalid character"},
			want: `invalid character: "\x00" at position 3`,
		},
		{
			name: "long token shortened",
			err:  SyntaxError{Offset: 0, Token: strings.Repeat("a", 100), Message: "expression longer than 8192 characters"},
			want: `expression longer than 8192 characters: "` + strings.Repeat("a", maxEcho) + `…" at position 0`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

// Every identifier on the list parses, in any case, to the identifier as
// SPDX spells it (deprecated ones to their replacement), and the result
// round-trips without warnings unless nothing replaces it.
func TestEveryListedIdentifier(t *testing.T) {
	l := spdx.Default()
	for _, lic := range l.Licences() {
		for _, in := range []string{lic.ID, strings.ToLower(lic.ID), strings.ToUpper(lic.ID), lic.ID + " WITH Classpath-exception-2.0"} {
			if strings.Contains(lic.ReplacedBy, " WITH ") && strings.Contains(in, " WITH ") {
				continue
			}
			p, err := Parse(l, in)
			if err != nil {
				t.Errorf("Parse(%q): %v", in, err)
				continue
			}
			term, ok := p.Expr.(*Term)
			switch {
			case !ok:
				t.Errorf("Parse(%q) = %q, want a single term", in, p.Expr)
			case !lic.Deprecated && (term.ID != lic.ID || len(p.Warnings) != 0):
				t.Errorf("Parse(%q) = %q, %q; want %q and no warning", in, term, p.Warnings, lic.ID)
			case lic.Deprecated && len(p.Warnings) != 1:
				t.Errorf("Parse(%q) warnings = %q, want one", in, p.Warnings)
			}
			checkRoundTrip(t, l, p)
			if lic.Deprecated && lic.ReplacedBy != "" {
				q, _ := Parse(l, p.Expr.String())
				if len(q.Warnings) != 0 {
					t.Errorf("replacement %q of %q warns %q", p.Expr, lic.ID, q.Warnings)
				}
			}
		}
	}
	for _, x := range l.Exceptions() {
		in := "MIT with " + strings.ToUpper(x.ID)
		p, err := Parse(l, in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if term := p.Expr.(*Term); term.Exception != x.ID {
			t.Errorf("Parse(%q) exception = %q, want %q", in, term.Exception, x.ID)
		}
	}
}

// Parse must never leave a "+" it could have folded into an "-or-later"
// identifier.
func TestPlusUsesOrLaterIdentifiers(t *testing.T) {
	l := spdx.Default()
	for _, lic := range l.Licences() {
		in := lic.ID + "+"
		p, err := Parse(l, in)
		if err != nil {
			if !strings.HasSuffix(lic.ID, "+") {
				t.Errorf("Parse(%q): %v", in, err)
			}
			continue
		}
		term := p.Expr.(*Term)
		if !term.AllowsLaterVersions() {
			t.Errorf("Parse(%q) = %q: later versions lost", in, term)
		}
		if _, ok := l.Licence(strings.TrimSuffix(term.ID, "-only") + "-or-later"); ok && term.OrLater {
			t.Errorf("Parse(%q) = %q: an -or-later identifier exists", in, term)
		}
	}
}

func TestParseNilListIsDefault(t *testing.T) {
	p, err := Parse(nil, "gpl-3.0-or-later")
	if err != nil || p.Expr.String() != "GPL-3.0-or-later" {
		t.Fatalf("Parse(nil, ...) = %v, %v", p, err)
	}
}

func TestMustParse(t *testing.T) {
	if got := MustParse("mit or isc").String(); got != "MIT OR ISC" {
		t.Errorf("MustParse = %q", got)
	}
	defer func() {
		r := recover()
		if s, ok := r.(string); !ok || !strings.Contains(s, `unknown licence identifier: "Foo"`) {
			t.Errorf("MustParse(Foo) panicked with %v", r)
		}
	}()
	MustParse("Foo")
}

// With Options.Unlisted an identifier off the list is a leaf like a
// LicenseRef, spelt as written and warned about; what is malformed still
// fails, and without the option the identifier does.
func TestParseUnlisted(t *testing.T) {
	for _, tc := range []struct{ in, canonical, warning string }{
		{"NONESUCH OR X11", "NONESUCH OR X11", `"NONESUCH" is not on the SPDX licence list; its terms are unknown`},
		{"Foo-1.0+", "Foo-1.0+", `"Foo-1.0" is not on the SPDX licence list; its terms are unknown`},
		{"MIT WITH Made-Up-exception", "MIT WITH Made-Up-exception", `"Made-Up-exception" is not on the SPDX exception list; its terms are unknown`},
	} {
		p, err := ParseWith(nil, tc.in, Options{Unlisted: true})
		if err != nil {
			t.Errorf("ParseWith(%q): %v", tc.in, err)
			continue
		}
		if p.Expr.String() != tc.canonical || !slices.Contains(p.Warnings, tc.warning) {
			t.Errorf("ParseWith(%q) = %q, warnings %q; want %q warning %q", tc.in, p.Expr, p.Warnings, tc.canonical, tc.warning)
		}
		if _, err := Parse(nil, tc.in); err == nil {
			t.Errorf("Parse(%q) accepted an unlisted identifier", tc.in)
		}
	}
	p, _ := ParseWith(nil, "NONESUCH", Options{Unlisted: true})
	if term, ok := p.Expr.(*Term); !ok || !term.Unlisted || !term.IsRef() {
		t.Errorf("NONESUCH = %#v; want an unlisted term, a reference", p.Expr)
	}
	for _, bad := range []string{"MIT$", "NOASSERTION", "MIT WITH MIT", "Classpath-exception-2.0"} {
		if _, err := ParseWith(nil, bad, Options{Unlisted: true}); err == nil {
			t.Errorf("ParseWith(%q) accepted it", bad)
		}
	}
}
