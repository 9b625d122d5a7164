package sbom

import (
	"fmt"
	"strings"
	"testing"
)

func TestModelCardREADME(t *testing.T) {
	d := readFile(t, "handwritten/helpdesk-llama.card.md")
	if d.FormatName() != "Hugging Face model card" || d.Encoding != "YAML front matter" {
		t.Fatalf("%s, %s", d.FormatName(), d.Encoding)
	}
	p := d.Product()
	// No name field and no id: the first heading names the model.
	if p.Name != "Helpdesk Llama 8B" || p.Kind != "model" || p.PURL != "" {
		t.Errorf("product %+v", p)
	}
	want := LicenceClaim{Path: "line 3 license_name", Name: "llama3.1", URL: "https://llama.meta.com/llama3_1/license/"}
	if len(p.Declared) != 1 || p.Declared[0] != want {
		t.Errorf("claims %+v; want %+v", p.Declared, want)
	}
	base := byName(t, d, "meta-llama/Llama-3.1-8B-Instruct")
	if base.Kind != "model" || base.PURL != "pkg:huggingface/meta-llama/Llama-3.1-8B-Instruct" || base.Path != "line 5 base_model" {
		t.Errorf("base %+v", base)
	}
	if l := linkOf(d, d.Root, base.Ref); l != LinkAdaptation {
		t.Errorf("base link %v; want adaptation (finetune)", l)
	}
	for i, name := range []string{"example-org/support-dialogues", "example-org/support-dialogues-fr"} {
		ds := byName(t, d, name)
		if ds.Kind != "dataset" || ds.PURL != "pkg:huggingface/datasets/"+name || ds.Path != fmt.Sprintf("line %d datasets[%d]", 8+i, i) {
			t.Errorf("dataset %+v", ds)
		}
		if l := linkOf(d, d.Root, ds.Ref); l != LinkTraining {
			t.Errorf("%s link %v; want training", name, l)
		}
	}
}

func TestModelCardHubJSON(t *testing.T) {
	d := readFile(t, "handwritten/helpdesk-llama-gguf.card.json")
	if d.FormatName() != "Hugging Face model card" || d.Encoding != "JSON" {
		t.Fatalf("%s, %s", d.FormatName(), d.Encoding)
	}
	p := d.Product()
	if p.Name != "example-org/helpdesk-llama-8b-GGUF" || p.PURL != "pkg:huggingface/example-org/helpdesk-llama-8b-GGUF" ||
		p.Kind != "model" || len(p.Creators) != 1 || p.Creators[0] != "example-org" {
		t.Errorf("product %+v", p)
	}
	// license_link is a path in the repository: it becomes the file's URL.
	want := LicenceClaim{Path: "cardData.license_name", Name: "llama3.1",
		URL: "https://huggingface.co/example-org/helpdesk-llama-8b-GGUF/blob/main/LICENSE"}
	if len(p.Declared) != 1 || p.Declared[0] != want {
		t.Errorf("claims %+v; want %+v", p.Declared, want)
	}
	base := byName(t, d, "example-org/helpdesk-llama-8b")
	if base.Path != "cardData.base_model[0]" || linkOf(d, d.Root, base.Ref) != LinkCopy {
		t.Errorf("base %+v, link %v; want copy (quantized)", base, linkOf(d, d.Root, base.Ref))
	}
	if l := linkOf(d, d.Root, "dataset:example-org/support-dialogues"); l != LinkTraining {
		t.Errorf("dataset link %v", l)
	}
}

func TestDatasetCard(t *testing.T) {
	d := readFile(t, "handwritten/support-dialogues.card.md")
	p := d.Product()
	if d.FormatName() != "Hugging Face dataset card" || p.Kind != "dataset" || p.Name != "Support Dialogues" {
		t.Fatalf("%s, product %+v", d.FormatName(), p)
	}
	if len(p.Declared) != 1 || p.Declared[0].ID != "cc-by-4.0" || p.Declared[0].Path != "line 2 license" {
		t.Errorf("claims %+v", p.Declared)
	}
	// "original" names no source; "extended|x" names x.
	if len(d.Components) != 2 {
		t.Fatalf("components %+v", d.Components)
	}
	src := d.Components[1]
	if src.Name != "example-org/forum-threads" || src.Kind != "dataset" || linkOf(d, d.Root, src.Ref) != LinkAdaptation {
		t.Errorf("source %+v, link %v", src, linkOf(d, d.Root, src.Ref))
	}
	r := NewResolver(d).Resolve(p)
	if r.Expression != "CC-BY-4.0" {
		t.Errorf("licence %q; want CC-BY-4.0 (the hub's lower-case id)", r.Expression)
	}
}

func TestCardRelations(t *testing.T) {
	for _, tc := range []struct {
		rel  string
		want Link
	}{{"", LinkAdaptation}, {"finetune", LinkAdaptation}, {"adapter", LinkAdaptation}, {"quantized", LinkCopy}, {"merge", LinkRemix}} {
		card := "---\nmodel_name: m\nbase_model:\n  - a/one\n  - b/two\n"
		if tc.rel != "" {
			card += "base_model_relation: " + tc.rel + "\n"
		}
		d, err := Read([]byte(card+"---\n"), Limits{})
		if err != nil {
			t.Fatalf("%q: %v", tc.rel, err)
		}
		for _, b := range []string{"model:a/one", "model:b/two"} {
			if l := linkOf(d, d.Root, b); l != tc.want {
				t.Errorf("%q: %s link %v; want %v", tc.rel, b, l, tc.want)
			}
		}
	}
}

// An "other" licence with a name it does not know resolves to a LicenseRef-
// for curation; with a URL it knows, to the listed licence.
func TestCardOtherLicence(t *testing.T) {
	d, err := Read([]byte("---\nmodel_name: m\nlicense: other\nlicense_name: Acme Model Terms\n---\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r := NewResolver(d).Resolve(d.Product())
	if !strings.HasPrefix(r.Expression, "LicenseRef-") || r.Definite() {
		t.Errorf("unknown name: %+v", r)
	}
	d, err = Read([]byte("---\nmodel_name: m\nlicense: other\nlicense_link: https://www.apache.org/licenses/LICENSE-2.0\n---\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if r := NewResolver(d).Resolve(d.Product()); r.Expression != "Apache-2.0" {
		t.Errorf("known URL: %+v", r)
	}
}

func TestCardErrors(t *testing.T) {
	many := "---\nmodel_name: m\nbase_model:\n" + strings.Repeat("  - a/b\n", 2000) + "---\n"
	for _, tc := range []struct{ doc, want string }{
		{"---\nmodel_name: m\nlicense: mit: x\n---\n", "malformed YAML front matter: line 3"},
		{"---\nmodel_name: m\nbase_model: {a: b}\n---\n", "line 3 base_model: want a string or a list"},
		{"---\nmodel_name: m\nbase_model:\n  - ok/one\n  - [x]\n---\n", "line 5 base_model[1]: want a string"},
		{"---\nmodel_name: m\nbase_model: x/y\nbase_model_relation: distilled\n---\n", `line 4 base_model_relation: "distilled" is no relation`},
		{"---\nmodel_name: m\ndatasets: [\"../etc/passwd\"]\n---\n", "line 3 datasets[0]: \"../etc/passwd\" is not a hub repository id"},
		{"---\nlicense: mit\n---\nno heading\n", "the card names no model"},
		{"---\n- a\n- b\n---\n", "line 2: the front matter is not a mapping"},
		{`{"id": "a/b", "tags": [], "cardData": {"base_model": 3}}`, "cardData.base_model: want a string or a list"},
		{`{"id": "a/b", "tags": [], "cardData": []}`, "cardData: want an object"},
		{`{"id": "not an id", "tags": []}`, "id: \"not an id\" is not a hub repository id"},
		{`{"modelId": "a/b", "cardData": {"base_model": "a/b"}}`, "cardData.base_model: the card names its own repository"},
		{many, "line 3 base_model: 2000 entries; at most 1000"},
		// Aliases are followed once per entry, never expanded.
		{"---\nmodel_name: m\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nbase_model: *b\n---\n", "line 4 base_model[0]: want a string"},
		{"---\nmodel_name: m\nx: " + strings.Repeat("[", 10000) + "\n---\n", "malformed YAML front matter"},
	} {
		_, err := Read([]byte(tc.doc), Limits{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.40q: %v; want %q", tc.doc, err, tc.want)
		}
	}
}

// Detection is conservative: SPDX YAML opening with a document marker is
// still SPDX, and a JSON object with none of the markers is refused.
func TestCardDetection(t *testing.T) {
	d, err := Read([]byte("---\nspdxVersion: SPDX-2.3\n---\n"), Limits{})
	if err == nil && d.Format != SPDX {
		t.Errorf("SPDX YAML read as %s", d.Format)
	}
	if err != nil && strings.Contains(err.Error(), "card") {
		t.Errorf("SPDX YAML with a marker: %v", err)
	}
	if _, err := Read([]byte(`{"id": "a/b"}`), Limits{}); err == nil || !strings.Contains(err.Error(), "no cardData or modelId") {
		t.Errorf("a bare id: %v", err)
	}
	if _, err := Read([]byte("# Just a README\n\nNo front matter.\n"), Limits{}); err == nil || !strings.Contains(err.Error(), "no --- front matter") {
		t.Errorf("a README without front matter: %v", err)
	}
}

// A README written on Windows, with a byte-order mark, is a card too, its
// lines counted as the file's.
func TestCardCRLF(t *testing.T) {
	doc := "\ufeff---\r\nmodel_name: m\r\nbase_model: a/b\r\nbase_model_relation: merged\r\n---\r\n"
	_, err := Read([]byte(doc), Limits{})
	if err == nil || !strings.Contains(err.Error(), "line 4 base_model_relation") {
		t.Errorf("%v", err)
	}
	d, err := Read([]byte(strings.Replace(doc, "merged", "merge", 1)), Limits{})
	if err != nil || linkOf(d, d.Root, "model:a/b") != LinkRemix {
		t.Fatalf("%v", err)
	}
}
