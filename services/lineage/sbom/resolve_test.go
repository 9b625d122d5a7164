package sbom

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/identify"
	"github.com/stemma-registry/stemma/services/licences/spdx"
)

func readString(t *testing.T, doc string) *Document {
	t.Helper()
	d, err := Read([]byte(doc), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func resolveAll(d *Document) (map[string]Resolution, []string) {
	r := NewResolver(d)
	out := map[string]Resolution{}
	for _, c := range d.Components {
		out[c.Name] = r.Resolve(c)
	}
	return out, r.Warnings()
}

const resolveCDX = `{"bomFormat":"CycloneDX","specVersion":"1.6",
 "metadata":{"component":{"type":"application","name":"app","bom-ref":"app","licenses":[{"license":{"id":"mit"}}]}},
 "components":[
  {"type":"library","name":"lgpl","bom-ref":"lgpl","licenses":[{"license":{"name":"GNU Lesser General Public License"}}]},
  {"type":"library","name":"byurl","bom-ref":"byurl","licenses":[{"license":{"name":"see the web site","url":"https://www.apache.org/licenses/LICENSE-2.0"}}]},
  {"type":"library","name":"exprname","bom-ref":"exprname","licenses":[{"license":{"name":"(MIT OR Apache-2.0)"}}]},
  {"type":"library","name":"unknown","bom-ref":"unknown","licenses":[{"license":{"name":"Acme Proprietary\n Licence v2"}}]},
  {"type":"library","name":"unknown2","bom-ref":"unknown2","licenses":[{"license":{"name":"Acme Proprietary Licence v2"}}]},
  {"type":"library","name":"concluded","bom-ref":"concluded","licenses":[
    {"license":{"id":"MIT","acknowledgement":"declared"}},{"license":{"id":"Apache-2.0","acknowledgement":"concluded"}}]},
  {"type":"library","name":"overruled","bom-ref":"overruled","licenses":[
    {"license":{"name":"Acme Proprietary Licence v2","acknowledgement":"declared"}},{"license":{"id":"MIT","acknowledgement":"concluded"}}]},
  {"type":"library","name":"multi","bom-ref":"multi","licenses":[{"license":{"id":"MIT"}},{"license":{"name":"BSD 3-Clause"}},
    {"expression":"MIT OR ISC"}]},
  {"type":"library","name":"evidence","bom-ref":"evidence","licenses":[{"license":{"id":"MIT"}}],
    "evidence":{"licenses":[{"license":{"id":"GPL-3.0-only"}}]}},
  {"type":"library","name":"onlyevidence","bom-ref":"onlyevidence","evidence":{"licenses":[{"license":{"id":"Zlib"}}]}},
  {"type":"library","name":"text","bom-ref":"text","licenses":[{"license":{"name":"Custom","text":{"content":"Do as you please."}}}]},
  {"type":"library","name":"bare","bom-ref":"bare"}
 ]}`

// Every kind of statement resolves the way docs/sbom.md "Licence
// statements" says, with its method and its words kept.
func TestResolveCycloneDX(t *testing.T) {
	got, warnings := resolveAll(readString(t, resolveCDX))
	for _, tc := range []struct {
		comp, expr string
		statement  string
		method     identify.Method
		definite   bool
	}{
		{"app", "MIT", "mit", identify.MethodSPDXID, true},
		{"lgpl", "LGPL-2.1-or-later", "GNU Lesser General Public License", identify.MethodAlias, true},
		{"byurl", "Apache-2.0", "https://www.apache.org/licenses/LICENSE-2.0", identify.MethodURL, true},
		{"exprname", "MIT OR Apache-2.0", "(MIT OR Apache-2.0)", identify.MethodExpression, true},
		{"unknown", "LicenseRef-Acme-Proprietary-Licence-v2", "Acme Proprietary Licence v2", identify.MethodNone, false},
		{"concluded", "Apache-2.0", "MIT", identify.MethodSPDXID, true},
		{"overruled", "MIT", "Acme Proprietary Licence v2", identify.MethodNone, true},
		{"multi", "MIT AND BSD-3-Clause AND (MIT OR ISC)", "MIT", identify.MethodSPDXID, true},
		{"evidence", "MIT", "MIT", identify.MethodSPDXID, true},
		{"onlyevidence", "Zlib", "Zlib", identify.MethodSPDXID, true},
		{"text", "LicenseRef-Custom", "Custom", identify.MethodNone, false},
	} {
		r := got[tc.comp]
		if r.Expression != tc.expr || r.Definite() != tc.definite || len(r.Statements) == 0 ||
			r.Statements[0].Statement != tc.statement || r.Statements[0].Method != tc.method {
			t.Errorf("%s: %q definite %v, statements %+v; want %q definite %v, first %q by %s",
				tc.comp, r.Expression, r.Definite(), r.Statements, tc.expr, tc.definite, tc.statement, tc.method)
		}
	}
	if s := got["lgpl"].Statements[0]; s.Confidence <= 0 || s.Confidence >= 1 {
		t.Errorf("an alias is resolved with confidence %v; want between 0 and 1", s.Confidence)
	}
	if s := got["app"].Statements[0]; s.Confidence != 1 {
		t.Errorf("an identifier is resolved with confidence %v; want 1", s.Confidence)
	}
	if s := got["unknown"].Statements[0]; s.Confidence != 0 {
		t.Errorf("an unresolved statement has confidence %v", s.Confidence)
	}
	// The losing statements are kept, as written.
	if c := got["concluded"]; len(c.Statements) != 2 || c.Statements[1].Expression != "Apache-2.0" || !c.Statements[1].Concluded {
		t.Errorf("concluded: %+v", c.Statements)
	}
	if c := got["evidence"]; len(c.Statements) != 2 || c.Statements[1].Expression != "GPL-3.0-only" || !c.Statements[1].Evidence {
		t.Errorf("evidence: %+v", c.Statements)
	}
	if c := got["bare"]; c.Expression != "" || len(c.Statements) != 0 || c.Definite() {
		t.Errorf("bare: %+v", c)
	}
	// One warning per unresolved statement, naming every component making it.
	var named []string
	for _, w := range warnings {
		if strings.Contains(w, "Acme Proprietary Licence v2") {
			named = append(named, w)
		}
	}
	if len(named) != 1 || !strings.Contains(named[0], "unknown, unknown2, overruled") || !strings.Contains(named[0], "LicenseRef-Acme-Proprietary-Licence-v2") {
		t.Errorf("warnings %q", warnings)
	}
	if !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, `"Custom"`) }) {
		t.Errorf("no warning about the unresolved licence text: %q", warnings)
	}
}

const resolveSPDX = `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"d","documentNamespace":"https://example.org/d",
 "documentDescribes":["SPDXRef-app"],
 "packages":[
  {"SPDXID":"SPDXRef-app","name":"app","downloadLocation":"NOASSERTION","licenseDeclared":"LicenseRef-mit-copy AND LicenseRef-eula"},
  {"SPDXID":"SPDXRef-byurl","name":"byurl","downloadLocation":"NOASSERTION","licenseConcluded":"LicenseRef-bsd"},
  {"SPDXID":"SPDXRef-named","name":"named","downloadLocation":"NOASSERTION","licenseDeclared":"Apache License, Version 2.0"},
  {"SPDXID":"SPDXRef-pd","name":"pd","downloadLocation":"NOASSERTION","licenseDeclared":"Public Domain"},
  {"SPDXID":"SPDXRef-compound","name":"compound","downloadLocation":"NOASSERTION","licenseDeclared":"Apache License 2.0 OR MIT"},
  {"SPDXID":"SPDXRef-rpm","name":"rpm","downloadLocation":"NOASSERTION","licenseDeclared":"(GPLv2+ and BSD) or (MIT)"},
  {"SPDXID":"SPDXRef-half","name":"half","downloadLocation":"NOASSERTION","licenseDeclared":"MIT or Frobozz"},
  {"SPDXID":"SPDXRef-orlater","name":"orlater","downloadLocation":"NOASSERTION","licenseDeclared":"GPLv2 or later"},
  {"SPDXID":"SPDXRef-unbalanced","name":"unbalanced","downloadLocation":"NOASSERTION","licenseDeclared":"(MIT or BSD"},
  {"SPDXID":"SPDXRef-none","name":"none","downloadLocation":"NOASSERTION","licenseConcluded":"NONE","licenseDeclared":"MIT"}
 ],
 "hasExtractedLicensingInfos":[
  {"licenseId":"LicenseRef-mit-copy","name":"The MIT License","extractedText":"Permission is hereby granted…"},
  {"licenseId":"LicenseRef-bsd","name":"our licence","extractedText":"…","seeAlsos":["https://opensource.org/licenses/BSD-2-Clause"]},
  {"licenseId":"LicenseRef-eula","name":"Acme EULA","extractedText":"All rights reserved."}
 ]}`

// A LicenseRef- the document defines as a listed licence is read as that
// licence, and the method says how; one it defines as its own terms stays,
// for a curator.
func TestResolveSPDXExtracted(t *testing.T) {
	got, warnings := resolveAll(readString(t, resolveSPDX))
	app := got["app"]
	if app.Expression != "MIT AND LicenseRef-eula" || app.Definite() || !slices.Equal(app.Unresolved, []string{"LicenseRef-eula"}) {
		t.Errorf("app: %+v", app)
	}
	if s := app.Statements[0]; s.Statement != "LicenseRef-mit-copy AND LicenseRef-eula" || s.Method != identify.MethodName {
		t.Errorf("app statement %+v; want the expression as written, resolved by the name of its extracted licence", s)
	}
	if b := got["byurl"]; b.Expression != "BSD-2-Clause" || !b.Definite() || b.Statements[0].Method != identify.MethodURL {
		t.Errorf("byurl: %+v", b)
	}
	if n := got["named"]; n.Expression != "Apache-2.0" || n.Statements[0].Method != identify.MethodName {
		t.Errorf("a name in an SPDX licence field: %+v", n)
	}
	// Names joined by AND and OR, which no parser reads, resolve operand by
	// operand; one that does not is kept as a LicenseRef- beside the rest.
	for _, tc := range []struct {
		comp, expr string
		method     identify.Method
	}{
		{"compound", "Apache-2.0 OR MIT", identify.MethodName},
		{"rpm", "GPL-2.0-or-later AND BSD-3-Clause OR MIT", identify.MethodAlias},
		{"half", "MIT OR LicenseRef-Frobozz", identify.MethodSPDXID},
		{"orlater", "GPL-2.0-or-later", identify.MethodAlias},
		{"unbalanced", "LicenseRef-MIT-or-BSD", identify.MethodNone},
	} {
		if r := got[tc.comp]; r.Expression != tc.expr || r.Statements[0].Method != tc.method {
			t.Errorf("%s: %q by %s; want %q by %s", tc.comp, r.Expression, r.Statements[0].Method, tc.expr, tc.method)
		}
	}
	if h := got["half"]; h.Definite() || !slices.Equal(h.Unresolved, []string{"LicenseRef-Frobozz"}) {
		t.Errorf("half resolved: %+v; want Frobozz left for a curator", h)
	}
	if !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, "LicenseRef-Frobozz") }) {
		t.Errorf("no warning names LicenseRef-Frobozz: %q", warnings)
	}
	if pd := got["pd"]; pd.Definite() || !slices.Equal(pd.Unresolved, []string{"LicenseRef-Public-Domain"}) {
		t.Errorf("public domain: %+v", pd)
	}
	if n := got["none"]; n.Expression != "" || len(n.Statements) != 2 || n.Statements[0].Statement != "NONE" || n.Statements[0].Method != identify.MethodNone {
		t.Errorf("NONE concluded: %+v", n)
	}
	for _, want := range []string{`LicenseRef-mit-copy, the document's own licence "The MIT License", is read as MIT`,
		"LicenseRef-bsd, the document's own licence \"our licence\", is read as BSD-2-Clause: its URL",
		`LicenseRef-eula, the document's own licence "Acme EULA", matches no listed licence (components app)`} {
		if !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, want) }) {
			t.Errorf("no warning %q in %q", want, warnings)
		}
	}
}

// The corpus's licence statements resolve: per document, the components,
// those that state a licence, the share of those whose licence resolves to
// a definite expression (every licence in it on the SPDX list), and the
// statements left unresolved. docs/sbom.md quotes the table; at least 99%
// of the components stating a licence must resolve.
func TestCorpusLicences(t *testing.T) {
	var table strings.Builder
	table.WriteString("| document | components | with licence data | resolved | share | statements by method | unresolved statements |\n|---|---:|---:|---:|---:|---|---|\n")
	var stated, resolved int
	all := map[identify.Method]int{}
	for _, f := range corpusFiles(t) {
		d := readFile(t, strings.TrimPrefix(f, "testdata/"))
		r := NewResolver(d)
		n, ok := 0, 0
		var unresolved []string
		methods := map[identify.Method]int{}
		for _, c := range d.Components {
			res := r.Resolve(c)
			checkResolution(t, c, res)
			for _, s := range res.Statements {
				methods[s.Method]++
				all[s.Method]++
			}
			if len(c.Declared) == 0 {
				continue
			}
			n++
			if res.Definite() {
				ok++
			}
			for _, u := range res.Unresolved {
				if q := strconv.Quote(u); !slices.Contains(unresolved, q) {
					unresolved = append(unresolved, q)
				}
			}
		}
		stated, resolved = stated+n, resolved+ok
		fmt.Fprintf(&table, "| `%s` | %d | %d | %d | %s | %s | %s |\n", filepath.Base(f), len(d.Components), n, ok, share(ok, n),
			byMethod(methods), strings.Join(unresolved, ", "))
	}
	fmt.Fprintf(&table, "| **all** | | %d | %d | %s | %s | |\n", stated, resolved, share(resolved, stated), byMethod(all))
	t.Log("\n" + table.String())
	if stated == 0 || float64(resolved) < 0.99*float64(stated) {
		t.Errorf("%d of %d components stating a licence resolve to a definite expression; want at least 99%%", resolved, stated)
	}
}

func share(n, of int) string {
	if of == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}

// byMethod lists the counts of statements per method, most first.
func byMethod(m map[identify.Method]int) string {
	var ms []identify.Method
	for k := range m {
		ms = append(ms, k)
	}
	slices.SortFunc(ms, func(a, b identify.Method) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(string(a), string(b))
	})
	var out []string
	for _, k := range ms {
		out = append(out, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(out, ", ")
}

// checkResolution checks what every resolution must satisfy: every
// expression in it parses, each statement is one line, a resolved
// statement has an expression and a confidence, an unresolved one neither
// a confidence nor a listed licence.
func checkResolution(t *testing.T, c Component, r Resolution) {
	t.Helper()
	if r.Expression != "" {
		if _, err := expression.Parse(nil, r.Expression); err != nil {
			t.Errorf("%s: licence %q does not parse: %v", c.Path, r.Expression, err)
		}
	}
	if len(r.Statements) != max(len(c.Declared), min(len(c.Licence), 1)) {
		t.Errorf("%s: %d statements resolved of %d", c.Path, len(r.Statements), len(c.Declared))
	}
	for _, s := range r.Statements {
		if s.Statement == "" || strings.ContainsFunc(s.Statement, unicode.IsControl) || s.Statement != strings.TrimSpace(s.Statement) {
			t.Errorf("%s: statement %q", c.Path, s.Statement)
		}
		switch {
		case s.Method == identify.MethodNone && s.Confidence != 0:
			t.Errorf("%s: %q unresolved with confidence %v", c.Path, s.Statement, s.Confidence)
		case s.Method != identify.MethodNone && (s.Expression == "" || s.Confidence <= 0 || s.Confidence > 1):
			t.Errorf("%s: %q resolved by %s to %q with confidence %v", c.Path, s.Statement, s.Method, s.Expression, s.Confidence)
		}
		if s.Expression == "" {
			continue
		}
		p, err := expression.Parse(nil, s.Expression)
		if err != nil {
			t.Errorf("%s: %q resolved to %q, which does not parse: %v", c.Path, s.Statement, s.Expression, err)
			continue
		}
		if s.Method == identify.MethodNone && (len(expression.Terms(p.Expr)) != 1 || !expression.Terms(p.Expr)[0].IsRef()) {
			t.Errorf("%s: unresolved %q recorded as %q; want one LicenseRef-", c.Path, s.Statement, s.Expression)
		}
	}
}

// Statements that each parse but together name more licences than an
// expression may leave the licence unknown, with a warning, rather than
// failing the import.
func TestResolveTooManyLicences(t *testing.T) {
	var ids []string
	for _, l := range spdx.Default().Licences() {
		if !l.Deprecated && len(ids) <= expression.MaxTerms {
			ids = append(ids, fmt.Sprintf(`{"license":{"id":%q}}`, l.ID))
		}
	}
	d := readString(t, `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"application","name":"app","bom-ref":"app",
		"licenses":[`+strings.Join(ids, ",")+`]}}}`)
	r := NewResolver(d)
	res := r.Resolve(d.Product())
	checkResolution(t, d.Product(), res)
	if res.Expression != "" || len(res.Statements) != expression.MaxTerms+1 {
		t.Errorf("%d statements make %q", len(res.Statements), res.Expression)
	}
	if w := r.Warnings(); len(w) != 1 || !strings.Contains(w[0], "recorded as unknown") {
		t.Errorf("warnings %q", w)
	}
}

// mitText is the MIT licence as a project's LICENSE file has it, shared
// with the identify package's tests.
var mitText = func() string {
	b, err := os.ReadFile("../../licences/identify/testdata/MIT-LICENSE.txt")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// A licence given only by its text, in a CycloneDX entry or as the text of
// an SPDX document's own licence, is identified by the text; the statement
// names the text by its digest.
func TestResolveTexts(t *testing.T) {
	q := strconv.Quote(mitText)
	cdx := readString(t, `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"application","name":"app","bom-ref":"app",
		"licenses":[{"license":{"name":"Project licence","text":{"content":`+q+`}}}]}}}`)
	r := NewResolver(cdx).Resolve(cdx.Product())
	checkResolution(t, cdx.Product(), r)
	s := r.Statements[0]
	if r.Expression != "MIT" || s.Method != identify.MethodText || s.Statement != textStatement(mitText) ||
		!strings.HasPrefix(s.Statement, "text sha256:") || s.Confidence < identify.TextThreshold || s.Confidence > 1 {
		t.Errorf("a CycloneDX licence text: %q, %+v", r.Expression, s)
	}
	// Half the text is no licence, but the warning names the one it is
	// nearest.
	half := mitText[:len(mitText)/2]
	cdx = readString(t, `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"application","name":"app","bom-ref":"app",
		"licenses":[{"license":{"name":"Project licence","text":{"content":`+strconv.Quote(half)+`}}}]}}}`)
	resolver := NewResolver(cdx)
	r = resolver.Resolve(cdx.Product())
	if r.Expression != "LicenseRef-Project-licence" || r.Statements[0].Statement != "Project licence" {
		t.Errorf("half a text: %+v", r)
	}
	if w := resolver.Warnings(); len(w) != 1 || !strings.Contains(w[0], "its text is nearest MIT's") {
		t.Errorf("half a text: warnings %q", w)
	}
	spdxDoc := readString(t, `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"d","documentNamespace":"https://example.org/d",
		"documentDescribes":["SPDXRef-app"],
		"packages":[{"SPDXID":"SPDXRef-app","name":"app","downloadLocation":"NOASSERTION","licenseDeclared":"LicenseRef-project OR Apache-2.0"}],
		"hasExtractedLicensingInfos":[{"licenseId":"LicenseRef-project","name":"Project licence","extractedText":`+q+`}]}`)
	resolver = NewResolver(spdxDoc)
	r = resolver.Resolve(spdxDoc.Product())
	checkResolution(t, spdxDoc.Product(), r)
	if s := r.Statements[0]; r.Expression != "MIT OR Apache-2.0" || !r.Definite() || s.Method != identify.MethodText ||
		s.Statement != "LicenseRef-project OR Apache-2.0" || s.Confidence < identify.TextThreshold {
		t.Errorf("an extracted licence text: %q, %+v", r.Expression, s)
	}
	if w := resolver.Warnings(); len(w) != 1 || !strings.Contains(w[0], `LicenseRef-project, the document's own licence "Project licence", is read as MIT: its text identifies it`) {
		t.Errorf("warnings %q", w)
	}
}
