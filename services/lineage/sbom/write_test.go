package sbom

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/licences/expression"
)

// TestWriteReadsBack writes every document of the corpus in both formats
// and reads each back: the same components in the same order (name,
// version, purl, licence, kind where the format carries it, hashes the
// format has an algorithm for, the first creator) and the same edges, with
// their links where the format says them.
func TestWriteReadsBack(t *testing.T) {
	var files []string
	for _, g := range []string{"testdata/generated/*.*", "testdata/handwritten/*.*"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	opts := WriteOptions{Created: time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)}
	for _, file := range files {
		if strings.HasSuffix(file, ".md") && !strings.HasSuffix(file, ".card.md") {
			continue
		}
		name := strings.TrimPrefix(file, "testdata/")
		t.Run(name, func(t *testing.T) {
			orig := readFile(t, name)
			valid(orig)
			for _, w := range []struct {
				format Format
				write  func(*Document, WriteOptions) ([]byte, error)
			}{{CycloneDX, WriteCycloneDX}, {SPDX, WriteSPDX}} {
				b, err := w.write(orig, opts)
				if err != nil {
					t.Fatalf("%s: %v", w.format, err)
				}
				again, err := Read(b, Limits{MaxComponents: len(orig.Components), MaxEdges: len(orig.Edges) + 1})
				if err != nil {
					t.Fatalf("%s written, not read back: %v", w.format, err)
				}
				if again.Format != w.format {
					t.Fatalf("wrote %s, read %s", w.format, again.Format)
				}
				compareDocs(t, w.format, orig, again)
			}
		})
	}
}

// valid keeps the licences the writers are given: valid SPDX expressions,
// as the import's resolution makes them. The reader's literal Licence may
// be anything a document wrote.
func valid(d *Document) {
	for i, c := range d.Components {
		if _, err := expression.ParseWith(nil, c.Licence, expression.Options{Unlisted: true}); err != nil {
			d.Components[i].Licence = ""
		}
	}
}

func compareDocs(t *testing.T, f Format, a, b *Document) {
	t.Helper()
	if len(a.Components) != len(b.Components) {
		t.Fatalf("%s: %d components, read back %d", f, len(a.Components), len(b.Components))
	}
	refs := map[string]string{} // a's ref -> b's ref
	for i, x := range a.Components {
		y := b.Components[i]
		refs[x.Ref] = y.Ref
		if x.Name != y.Name || x.Version != y.Version || x.PURL != y.PURL || x.Licence != y.Licence || x.Description != y.Description {
			t.Errorf("%s: component %d\n was  %q %q %q %q\n read %q %q %q %q", f, i, x.Name, x.Version, x.PURL, x.Licence, y.Name, y.Version, y.PURL, y.Licence)
		}
		if f == CycloneDX && x.Kind != y.Kind {
			t.Errorf("%s: component %d kind %s, read back %s", f, i, x.Kind, y.Kind)
		}
		if len(x.Creators) > 0 && (len(y.Creators) == 0 || x.Creators[0] != y.Creators[0]) {
			t.Errorf("%s: component %d creators %q, read back %q", f, i, x.Creators, y.Creators)
		}
		for _, h := range x.Hashes {
			if (f == SPDX && h.Algorithm == "sha224") || slices.Contains(y.Hashes, h) {
				continue
			}
			t.Errorf("%s: component %d lost hash %s", f, i, h.Digest())
		}
	}
	type edge struct {
		from, to string
		link     Link
	}
	var want, got []edge
	for _, e := range a.Edges {
		l := e.Link
		if f == SPDX && l == LinkTraining || !slices.Contains([]Link{LinkStatic, LinkDynamic, LinkContains, LinkDepends, LinkTool, LinkTraining}, l) {
			l = LinkDepends
		}
		want = append(want, edge{refs[e.From], refs[e.To], l})
	}
	for _, e := range b.Edges {
		got = append(got, edge{e.From, e.To, e.Link})
	}
	key := func(e edge) string { return e.from + "\x00" + e.to }
	if f == CycloneDX {
		// CycloneDX does not say how a dependency is used: compare the
		// edges only.
		for i := range want {
			want[i].link = 0
		}
		for i := range got {
			got[i].link = 0
		}
	}
	slices.SortFunc(want, func(x, y edge) int { return strings.Compare(key(x), key(y)) })
	slices.SortFunc(got, func(x, y edge) int { return strings.Compare(key(x), key(y)) })
	if !slices.Equal(want, got) {
		t.Errorf("%s: edges differ\n was  %v\n read %v", f, want, got)
	}
}

// TestWriteSPDXDefinesLicenceRefs: every LicenseRef- an SPDX expression
// uses is defined, with the document's text or NotHeld.
func TestWriteSPDXDefinesLicenceRefs(t *testing.T) {
	d := &Document{Root: "a", Components: []Component{
		{Ref: "a", Name: "app", Kind: "software", Licence: "MIT AND LicenseRef-acme"},
		{Ref: "b", Name: "data", Kind: "dataset", Licence: "LicenseRef-own"},
	}, Edges: []Edge{{From: "a", To: "b", Link: LinkDepends}},
		Extracted: map[string]ExtractedLicence{"LicenseRef-own": {Name: "Own", Text: "Use it well."}}}
	b, err := WriteSPDX(d, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Extracted []spdxOutExtracted `json:"hasExtractedLicensingInfos"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	want := []spdxOutExtracted{{LicenseID: "LicenseRef-acme", ExtractedText: NotHeld}, {LicenseID: "LicenseRef-own", ExtractedText: "Use it well.", Name: "Own"}}
	if !slices.EqualFunc(doc.Extracted, want, func(x, y spdxOutExtracted) bool {
		return x.LicenseID == y.LicenseID && x.ExtractedText == y.ExtractedText && x.Name == y.Name
	}) {
		t.Fatalf("extracted %+v, want %+v", doc.Extracted, want)
	}
}

// FuzzWrite: whatever document Read accepts, both writers write one that
// Read accepts again, with the same components and edges.
func FuzzWrite(f *testing.F) {
	for _, g := range []string{"testdata/handwritten/*", "testdata/generated/npm-web.*"} {
		m, err := filepath.Glob(g)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range m {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxBytes: 1 << 16, MaxDecompressed: 1 << 17, MaxComponents: 200, MaxEdges: 2000}
		d, err := Read(data, lim)
		if err != nil {
			return
		}
		valid(d)
		for _, w := range []struct {
			format Format
			write  func(*Document, WriteOptions) ([]byte, error)
		}{{CycloneDX, WriteCycloneDX}, {SPDX, WriteSPDX}} {
			b, err := w.write(d, WriteOptions{})
			if err != nil {
				t.Fatalf("%s: %v", w.format, err)
			}
			again, err := Read(b, Limits{MaxBytes: 1 << 30, MaxComponents: len(d.Components), MaxEdges: len(d.Edges) + 1})
			if err != nil {
				t.Fatalf("%s written, not read back: %v\n%s", w.format, err, b)
			}
			compareDocs(t, w.format, d, again)
		}
	})
}
