package sbom

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpusComponents is how many components each document of the corpus
// has, the product included, as counted outside Go (the JSON documents'
// components or packages with python's json, the XML's <component and the
// tag-value's PackageName: lines with grep).
var corpusComponents = map[string]int{
	"cyclonedx-gomod-old-stemma.cdx.json": 44, "cyclonedx-gomod-stemma-1.2.cdx.xml": 44, "cyclonedx-gomod-stemma-1.4.cdx.json": 44,
	"cyclonedx-gomod-stemma-1.5.cdx.xml": 44, "cyclonedx-gomod-stemma.cdx.json": 44,
	"cyclonedx-npm-project-1.2.cdx.json": 103, "cyclonedx-npm-project-1.2.cdx.xml": 103,
	"cyclonedx-npm-project-1.3.cdx.json": 103, "cyclonedx-npm-project-1.3.cdx.xml": 103,
	"cyclonedx-npm-project-1.4.cdx.json": 103, "cyclonedx-npm-project-1.4.cdx.xml": 103,
	"cyclonedx-npm-project-1.5.cdx.json": 103, "cyclonedx-npm-project-1.5.cdx.xml": 103,
	"cyclonedx-npm-project-1.6.cdx.json": 103, "cyclonedx-npm-project-1.6.cdx.xml": 103,
	"npm-project.cdx.json": 102, "npm-project.spdx.json": 102, "npm-web.cdx.json": 20, "npm-web.spdx.json": 20,
	"tools-golang-npm-project-2.2.spdx": 102, "tools-golang-npm-project-2.2.spdx.json": 102, "tools-golang-npm-project-2.2.spdx.yaml": 102,
	"tools-golang-npm-project.spdx": 102, "tools-golang-npm-project.spdx.yaml": 102,
	"ai-model.spdx3.json":    5,
	"helpdesk-llama.card.md": 4, "helpdesk-llama-gguf.card.json": 3, "support-dialogues.card.md": 2,
}

// TestCorpus reads every document of the corpus, asserts each is accepted
// with its component count, and logs the table docs/sbom.md quotes
// (go test -run TestCorpus -v).
// corpusFiles are the corpus's documents: the generated ones and the
// SPDX 3 AI profile example.
func corpusFiles(t *testing.T) []string {
	files, err := filepath.Glob("testdata/generated/*")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return filepath.Base(f) == "README.md" })
	cards, err := filepath.Glob("testdata/handwritten/*.card.*")
	if err != nil {
		t.Fatal(err)
	}
	return append(append(files, "testdata/handwritten/ai-model.spdx3.json"), cards...)
}

func TestCorpus(t *testing.T) {
	var table strings.Builder
	table.WriteString("| document | format | encoding | components | edges | with a licence claim |\n|---|---|---|---:|---:|---:|\n")
	seen := 0
	for _, f := range corpusFiles(t) {
		name := filepath.Base(f)
		seen++
		d := readFile(t, strings.TrimPrefix(f, "testdata/"))
		claimed := 0
		for _, c := range d.Components {
			if len(c.Declared) > 0 {
				claimed++
			}
		}
		fmt.Fprintf(&table, "| `%s` | %s | %s | %d | %d | %d |\n", name, d.FormatName(), d.Encoding, len(d.Components), len(d.Edges), claimed)
		if want, ok := corpusComponents[name]; !ok || want != len(d.Components) {
			t.Errorf("%s: %d components; want %d (listed: %v)", name, len(d.Components), want, ok)
		}
	}
	if seen != len(corpusComponents) {
		t.Errorf("%d documents in the corpus; %d listed", seen, len(corpusComponents))
	}
	t.Log("\n" + table.String())
}

func TestSPDX3AIProfile(t *testing.T) {
	d := readFile(t, "handwritten/ai-model.spdx3.json")
	const base = "https://example.org/spdx/acme-ml/"
	if d.FormatName() != "SPDX 3.0.1" || d.Encoding != "JSON-LD" || d.Root != base+"sentiment-model" {
		t.Fatalf("%s %s, root %s", d.FormatName(), d.Encoding, d.Root)
	}
	model := d.Product()
	if model.Kind != "model" || model.Licence != "Apache-2.0" || model.PURL != "pkg:huggingface/acme/acme-sentiment@2.1.0" ||
		len(model.Hashes) != 1 || !slices.Equal(model.Creators, []string{"ACME Research"}) {
		t.Errorf("model %+v", model)
	}
	for _, tc := range []struct {
		to   string
		want Link
	}{
		{"reviews-train", LinkTraining}, {"reviews-test", LinkTraining}, {"tokenizer", LinkDepends}, {"trainer", LinkTool},
	} {
		if got := linkOf(d, d.Root, base+tc.to); got != tc.want {
			t.Errorf("model -> %s: %v; want %v", tc.to, got, tc.want)
		}
	}
	train := byName(t, d, "reviews-train")
	if train.Kind != "dataset" || byName(t, d, "reviews-test").Kind != "dataset" || train.Licence != "CC-BY-4.0 AND LicenseRef-acme-reviews" {
		t.Errorf("datasets: %+v", train)
	}
	x, ok := d.Extracted["LicenseRef-acme-reviews"]
	if !ok || x.Name != "ACME Reviews Terms" || !strings.Contains(x.Text, "may not be redistributed") || len(x.URLs) != 1 {
		t.Errorf("extracted %+v", d.Extracted)
	}
	// A concluded licence wins, and both statements are kept.
	tok := byName(t, d, "tokenizers")
	if tok.Licence != "Apache-2.0" || len(tok.Declared) != 2 || tok.Declared[0].Concluded || !tok.Declared[1].Concluded || tok.Declared[1].Path != "@graph[20]" {
		t.Errorf("tokenizers %+v", tok)
	}
	for _, w := range []string{"1 software_File", "md2", "contains outside this document's packages"} {
		if !hasWarning(d, w) {
			t.Errorf("no warning about %q in %q", w, d.Warnings)
		}
	}
}

func TestCycloneDXModelCard(t *testing.T) {
	d := readFile(t, "handwritten/ml-model.cdx.json")
	if l := linkOf(d, "model", "train-data"); l != LinkTraining {
		t.Errorf("model -> train-data: %v; want training", l)
	}
	model := byName(t, d, "acme-sentiment")
	want := LicenceClaim{Path: "components[0].licenses[0]", Name: "ACME Model Licence", URL: "https://example.org/model-licence", Text: "Use it well."}
	if model.Kind != "model" || len(model.Declared) != 1 || model.Declared[0] != want {
		t.Errorf("model %+v", model)
	}
	for _, w := range []string{"datasets[1]: a dataset given inline", `datasets[2]: dataset "not-here"`} {
		if !hasWarning(d, w) {
			t.Errorf("no warning about %q in %q", w, d.Warnings)
		}
	}
	// Before 1.5 there is no model card: the same document as 1.4 links
	// nothing for training.
	b, err := os.ReadFile("testdata/handwritten/ml-model.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	old, err := Read(bytes.Replace(b, []byte(`"1.6"`), []byte(`"1.4"`), 1), Limits{})
	if err != nil || linkOf(old, "model", "train-data") == LinkTraining {
		t.Errorf("1.4: %v, link %v", err, linkOf(old, "model", "train-data"))
	}
}

// The same content reads the same in every encoding: the corpus's
// documents that one generator wrote in several agree on their components.
func TestEncodingsAgree(t *testing.T) {
	groups := map[string][]string{
		"cyclonedx-npm": {"cyclonedx-npm-project-1.2.cdx.json", "cyclonedx-npm-project-1.2.cdx.xml", "cyclonedx-npm-project-1.3.cdx.json",
			"cyclonedx-npm-project-1.3.cdx.xml", "cyclonedx-npm-project-1.4.cdx.json", "cyclonedx-npm-project-1.4.cdx.xml",
			"cyclonedx-npm-project-1.5.cdx.json", "cyclonedx-npm-project-1.5.cdx.xml", "cyclonedx-npm-project-1.6.cdx.json", "cyclonedx-npm-project-1.6.cdx.xml"},
		"spdx": {"npm-project.spdx.json", "tools-golang-npm-project.spdx.yaml", "tools-golang-npm-project.spdx",
			"tools-golang-npm-project-2.2.spdx.json", "tools-golang-npm-project-2.2.spdx.yaml", "tools-golang-npm-project-2.2.spdx"},
		"cyclonedx-gomod": {"cyclonedx-gomod-stemma.cdx.json", "cyclonedx-gomod-stemma-1.2.cdx.xml", "cyclonedx-gomod-stemma-1.5.cdx.xml"},
	}
	for group, files := range groups {
		t.Run(group, func(t *testing.T) {
			first := readFile(t, "generated/"+files[0])
			for _, f := range files[1:] {
				d := readFile(t, "generated/"+f)
				if summary(d) != summary(first) {
					t.Errorf("%s differs from %s:\n%s\n%s", f, files[0], summary(d), summary(first))
				}
			}
		})
	}
}

// summary is what every encoding of a document must agree on: each
// component's name, version, purl, licence and hashes, and the edges by
// component name.
func summary(d *Document) string {
	var lines []string
	name := map[string]string{}
	for _, c := range d.Components {
		name[c.Ref] = c.Name + "@" + c.Version
		lines = append(lines, fmt.Sprintf("%s@%s %s [%s] %d", c.Name, c.Version, c.PURL, c.Licence, len(c.Hashes)))
	}
	for _, e := range d.Edges {
		lines = append(lines, fmt.Sprintf("%s -> %s %v", name[e.From], name[e.To], e.Link))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGzip(t *testing.T) {
	b, err := os.ReadFile("testdata/generated/cyclonedx-gomod-stemma.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Read(gz(t, b), Limits{})
	if err != nil || d.Encoding != "gzip+JSON" || len(d.Components) != len(readFile(t, "generated/cyclonedx-gomod-stemma.cdx.json").Components) {
		t.Fatalf("Read(gzip) = %v, %v", d, err)
	}
	// A bomb: a small body that decompresses far beyond the limit is
	// refused before it is decompressed in full.
	bomb := gz(t, make([]byte, 8<<20))
	for _, tc := range []struct {
		name string
		data []byte
		lim  Limits
		want string
	}{
		{"bomb", bomb, Limits{MaxDecompressed: 1 << 20}, "decompresses to more than 1048576 bytes"},
		{"twice", gz(t, gz(t, b)), Limits{}, "compressed twice"},
		{"corrupt", append(gz(t, b)[:40:40], 0, 1, 2), Limits{}, "gzip stream is corrupt"},
		{"just the magic", []byte{0x1f, 0x8b}, Limits{}, "gzip stream is corrupt"},
		{"compressed size", bomb, Limits{MaxBytes: 1000}, "at most 1000 are accepted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.data) > 100_000 {
				t.Fatalf("the bomb is %d bytes compressed", len(tc.data))
			}
			_, err := Read(tc.data, tc.lim)
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Read = %v; want an *Error containing %q", err, tc.want)
			}
		})
	}
}

// Every malformed document in the other encodings is refused with the
// line (XML, tag-value) or JSON path (YAML, SPDX 3) of the problem.
func TestErrorsNameTheLine(t *testing.T) {
	const cdx = "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.3\" version=\"1\">\n<metadata><component type=\"application\" bom-ref=\"app\"><name>app</name></component></metadata>\n"
	const tv = "SPDXVersion: SPDX-2.2\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: d\n"
	const tvPkg = tv + "PackageName: p\nSPDXID: SPDXRef-p\n"
	const yml = "spdxVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\nname: d\n"
	const ld = `{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[`
	for _, tc := range []struct{ name, doc, want string }{
		{"xml malformed", cdx + "<components><component type=\"library\"><name>x</name></components>\n</bom>", "line 4: malformed XML"},
		{"xml not cyclonedx", `<bom xmlns="http://example.org/bom"/>`, `<bom xmlns="http://example.org/bom"> is no CycloneDX document`},
		{"xml old version", `<bom xmlns="http://cyclonedx.org/schema/bom/1.1"/>`, `CycloneDX "1.1" is not supported`},
		{"xml no product", `<bom xmlns="http://cyclonedx.org/schema/bom/1.4"/>`, "<metadata><component>: missing"},
		{"xml no name", cdx + "<components>\n<component type=\"library\"></component></components></bom>", "line 5 <component>.name: missing"},
		{"xml bad hash", cdx + "<components>\n\n<component type=\"library\"><name>x</name><hashes><hash alg=\"SHA-256\">zz</hash></hashes></component></components></bom>", "line 6 <component>.hashes[0].content"},
		{"xml dangling", cdx + "<dependencies>\n<dependency ref=\"app\"><dependency ref=\"ghost\"/></dependency></dependencies></bom>", `line 5 <dependency>.dependsOn[0]: "ghost" names no component`},
		{"xml empty licence", cdx + "<components><component type=\"library\"><name>x</name><licenses>\n<license></license></licenses></component></components></bom>", "line 5: want license.id"},
		{"xml bad base64", cdx + "<components><component type=\"library\"><name>x</name><licenses>\n<license><name>n</name><text encoding=\"base64\">!!</text></license></licenses></component></components></bom>", "line 5.license.text: encoded base64"},
		{"xml entity", cdx + "<components><component type=\"library\"><name>&ghost;</name></component></components></bom>", "line 4: malformed XML: invalid character entity &ghost;"},
		{"xml truncated", cdx, "malformed XML: unexpected EOF"},
		{"tag-value no tag", tv + "this line has no tag\n", `line 5: "this line has no tag" is no "Tag: value" line`},
		{"tag-value open text", tv + "DocumentComment: <text>never closed\nmore\n", "line 5 DocumentComment: <text> is not closed"},
		{"tag-value orphan package tag", tv + "PackageVersion: 1.0\n", "line 5 PackageVersion: outside a package"},
		{"tag-value version", "SPDXVersion: SPDX-2.1\n", `line 1 SPDXVersion: "SPDX-2.1" is not supported`},
		{"tag-value bad checksum", tvPkg + "PackageChecksum: SHA1: 12\n", "line 7 PackageChecksum: a SHA1 digest has 40"},
		{"tag-value bad purl", tvPkg + "ExternalRef: PACKAGE-MANAGER purl npm/x\n", "line 7 ExternalRef: \"npm/x\" is not a package URL"},
		{"tag-value short external ref", tvPkg + "ExternalRef: PACKAGE-MANAGER purl\n", "line 7 ExternalRef: \"PACKAGE-MANAGER purl\"; want CATEGORY TYPE LOCATOR"},
		{"tag-value relationship", tvPkg + "Relationship: SPDXRef-DOCUMENT DESCRIBES\n", "line 7 Relationship:"},
		{"tag-value dangling", tvPkg + "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-p\nRelationship: SPDXRef-p DEPENDS_ON SPDXRef-q\n", `line 8 Relationship: "SPDXRef-q" names no package`},
		{"tag-value package id", tv + "PackageName: p\nSPDXID: p\n", `line 6 SPDXID: "p"; want SPDXRef-`},
		{"tag-value no package id", tv + "PackageName: p\n", `line 5 PackageName.SPDXID: ""; want SPDXRef-`},
		{"tag-value no product", tv + "PackageName: p\nSPDXID: SPDXRef-p\n", "Relationship: no package is DESCRIBED"},
		{"tag-value no name", tv + "PackageName:\nSPDXID: SPDXRef-p\n", "line 5 PackageName.name: missing"},
		{"yaml malformed", yml + "packages: [\n", "malformed YAML: line"},
		{"yaml wrong type", yml + "packages:\n  - SPDXID: SPDXRef-p\n    name: [1]\n", "packages[0].name: want a string"},
		{"yaml bad key", yml + "packages:\n  - {1: 2}\n", "no JSON form"},
		{"not a format", "hello: world\n", "neither JSON, XML, SPDX tag-value"},
		{"spdx3 context", `{"@context":"https://example.org/ctx","@graph":[]}`, `@context: "https://example.org/ctx" is not SPDX 3.0's context`},
		{"spdx3 no type", ld + `{"spdxId":"x"}]}`, "@graph[0].type: missing"},
		{"spdx3 no root", ld + `{"type":"software_Package","spdxId":"p","name":"p"}]}`, "@graph: no SpdxDocument"},
		{"spdx3 no name", ld + `{"type":"software_Package","spdxId":"p"}]}`, "@graph[0].name: missing"},
		{"spdx3 dangling", ld + `{"type":"SpdxDocument","rootElement":["p"]},{"type":"software_Package","spdxId":"p","name":"p"},{"type":"Relationship","from":"p","relationshipType":"dependsOn","to":["q"]}]}`, `@graph[2].to[0]: "q" names no element`},
		{"spdx3 hash", ld + `{"type":"software_Package","spdxId":"p","name":"p","verifiedUsing":[{"algorithm":"sha256","hashValue":"x"}]}]}`, "@graph[0].verifiedUsing[0].hashValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read([]byte(tc.doc), Limits{})
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Read = %v; want an *Error containing %q", err, tc.want)
			}
		})
	}
}

// Hostile documents are refused quickly with an *Error, never expanded.
func TestHostile(t *testing.T) {
	const laughs = `<?xml version="1.0"?>
<!DOCTYPE bom [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><metadata><component type="application"><name>&lol3;</name></component></metadata></bom>`
	const external = `<?xml version="1.0"?>
<!DOCTYPE bom [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><metadata><component type="application"><name>&x;</name></component></metadata></bom>`
	// yaml.v3 refuses a document whose aliases expand it far beyond its
	// size.
	var yamlBomb strings.Builder
	yamlBomb.WriteString("spdxVersion: SPDX-2.3\na: &a [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 'b'; i <= 'j'; i++ {
		fmt.Fprintf(&yamlBomb, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	deepJSON := `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":` +
		strings.Repeat(`{"type":"library","name":"x","components":[`, 40) + strings.Repeat("]}", 40) + "}}"
	deepXML := `<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><metadata>` +
		strings.Repeat(`<component type="library"><name>x</name><components>`, 40) + strings.Repeat("</components></component>", 40) + "</metadata></bom>"
	var manyPkgs strings.Builder
	manyPkgs.WriteString("SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\n")
	for i := range 2000 {
		fmt.Fprintf(&manyPkgs, "PackageName: p\nSPDXID: SPDXRef-p%d\n", i)
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"billion laughs", laughs, "invalid character entity &lol3;"},
		{"external entity", external, "invalid character entity &x;"},
		{"yaml aliases", yamlBomb.String(), "excessive aliasing"},
		{"deep JSON", deepJSON, "nested more than 32 deep"},
		{"deep XML", deepXML, "nested more than 32 deep"},
		{"many packages", manyPkgs.String(), "more than 1000 components"},
		{"json depth", strings.Repeat("[", 20000), "malformed JSON"},
		{"xml depth", strings.Repeat("<a>", 20000), "malformed XML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read([]byte(tc.doc), Limits{})
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Read = %v; want an *Error containing %q", err, tc.want)
			}
		})
	}
}

// Every licence statement is kept as written, with where it was written.
func TestLicenceClaims(t *testing.T) {
	for _, tc := range []struct {
		file, name string
		want       LicenceClaim
	}{
		{"generated/tools-golang-npm-project.spdx", "json-schema", LicenceClaim{Path: "line 705 PackageLicenseDeclared", Expression: "(AFL-2.1 OR BSD-3-Clause)"}},
		{"generated/cyclonedx-npm-project-1.6.cdx.xml", "argparse", LicenceClaim{Path: "line 185", ID: "Python-2.0"}},
		{"generated/cyclonedx-npm-project-1.2.cdx.xml", "json-schema", LicenceClaim{Path: "line 1303", Expression: "(AFL-2.1 OR BSD-3-Clause)"}},
		{"handwritten/edge-cases.spdx.json", "libstatic", LicenceClaim{Path: "packages[1].licenseConcluded", Expression: "LGPL-2.1-only", Concluded: true}},
	} {
		d := readFile(t, tc.file)
		c := byName(t, d, tc.name)
		if !slices.Contains(c.Declared, tc.want) {
			t.Errorf("%s: %s claims %+v; want %+v among them", tc.file, tc.name, c.Declared, tc.want)
		}
	}
	d := readFile(t, "handwritten/edge-cases.spdx.json")
	if x := d.Extracted["LicenseRef-acme-eula"]; x.Name != "Acme end-user licence agreement" || x.Text != "All rights reserved." {
		t.Errorf("extracted %+v", d.Extracted)
	}
	// NOASSERTION is no statement; NONE is one (no licence).
	if c := byName(t, d, "libnone"); len(c.Declared) != 2 || c.Declared[0].Expression != "NONE" || !c.Declared[0].Concluded {
		t.Errorf("libnone claims %+v", c.Declared)
	}
	cdx := readFile(t, "handwritten/edge-cases.cdx.json")
	if c := byName(t, cdx, "lib-named"); len(c.Declared) != 1 || c.Declared[0].Name != "Acme Proprietary Licence v2" {
		t.Errorf("lib-named claims %+v", c.Declared)
	}
}

// Tag-value's extracted licences come with their multi-line texts.
func TestTagValueExtracted(t *testing.T) {
	doc := "SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\n\nPackageName: p\nSPDXID: SPDXRef-p\nPackageLicenseDeclared: LicenseRef-x\n" +
		"Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-p\n\nLicenseID: LicenseRef-x\nExtractedText: <text>line one\nline two</text>\n" +
		"LicenseName: X licence\nLicenseCrossReference: https://example.org/x\n"
	d, err := Read([]byte(doc), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := ExtractedLicence{Name: "X licence", Text: "line one\nline two", URLs: []string{"https://example.org/x"}}
	if x := d.Extracted["LicenseRef-x"]; x.Name != want.Name || x.Text != want.Text || !slices.Equal(x.URLs, want.URLs) {
		t.Errorf("extracted %+v; want %+v", x, want)
	}
	if p := d.Product(); p.Licence != "LicenseRef-x" || p.Declared[0].Path != "line 6 PackageLicenseDeclared" {
		t.Errorf("product %+v", p)
	}
}

func TestCycloneDXXMLEdgeCases(t *testing.T) {
	d := readFile(t, "handwritten/edge-cases.cdx.xml")
	if d.FormatName() != "CycloneDX 1.6" || d.Encoding != "XML" || d.Product().Licence != "MIT" {
		t.Fatalf("%s %s, product %+v", d.FormatName(), d.Encoding, d.Product())
	}
	lib := byName(t, d, "org.example/lib-text")
	want := LicenceClaim{Path: "line 17", Name: "Acme Licence", URL: "https://example.org/licence", Text: "Use it well."}
	if lib.Licence != "LicenseRef-Acme-Licence AND Apache-2.0" || len(lib.Declared) != 2 || lib.Declared[0] != want ||
		len(lib.Hashes) != 1 || lib.PURL != "pkg:maven/org.example/lib-text@1.0" {
		t.Errorf("lib-text %+v", lib)
	}
	file := byName(t, d, "bundled.txt")
	for _, tc := range []struct {
		from, to string
		want     Link
	}{{"lib-text", file.Ref, LinkContains}, {"model", "data", LinkTraining}, {"app", "tool", LinkTool}, {"app", "lib-text", LinkDepends}} {
		if got := linkOf(d, tc.from, tc.to); got != tc.want {
			t.Errorf("%s -> %s: %v; want %v", tc.from, tc.to, got, tc.want)
		}
	}
	if !hasWarning(d, "line 10 <component>.hashes[1].alg") {
		t.Errorf("warnings %q", d.Warnings)
	}
}

func TestSPDXTextEncodings(t *testing.T) {
	tv := readFile(t, "handwritten/small.spdx")
	if tv.FormatName() != "SPDX 2.3" || tv.Encoding != "tag-value" || tv.Product().Description != "A service\non two lines" {
		t.Errorf("%s %s, product %+v", tv.FormatName(), tv.Encoding, tv.Product())
	}
	dep := byName(t, tv, "libdep")
	if dep.PURL != "pkg:pypi/libdep@0.9.1" || len(dep.Hashes) != 1 || dep.Creators[0] != "Ada Lovelace" ||
		linkOf(tv, tv.Root, dep.Ref) != LinkStatic || tv.Extracted["LicenseRef-acme-eula"].Text != "All rights reserved." {
		t.Errorf("libdep %+v, extracted %+v", dep, tv.Extracted)
	}
	// Written on Windows (CRLF) and compressed, it reads the same.
	b, err := os.ReadFile("testdata/handwritten/small.spdx")
	if err != nil {
		t.Fatal(err)
	}
	crlf, err := Read(gz(t, bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))), Limits{})
	if err != nil || summary(crlf) != summary(tv) || crlf.Encoding != "gzip+tag-value" || crlf.Product().Description != tv.Product().Description {
		t.Errorf("CRLF: %v\n%s\n%s", err, summary(crlf), summary(tv))
	}
	yml := readFile(t, "handwritten/small.spdx.yaml")
	if yml.FormatName() != "SPDX 2.2" || yml.Encoding != "YAML" || len(yml.Components) != 2 ||
		linkOf(yml, yml.Root, "SPDXRef-Package-libdep") != LinkDynamic || byName(t, yml, "libdep").Licence != "MIT" {
		t.Errorf("%s %s %+v", yml.FormatName(), yml.Encoding, yml.Components)
	}
}
