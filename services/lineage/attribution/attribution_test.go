package attribution_test

import (
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/lineage/attribution"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

func TestBuild(t *testing.T) {
	ds := map[string]*graph.Derivation{
		"cb": {ID: "cb", Derivative: "c", Source: "b", Relation: graph.Adaptation, Use: graph.UseIncorporate,
			SourceLicence: "GPL-3.0-only", Note: "colours\nchanged"},
		"ba": {ID: "ba", Derivative: "b", Source: "a", Relation: graph.Inclusion, Use: graph.UseLinkDynamic,
			SourceLicence: "MIT OR Apache-2.0"},
		"cz": {ID: "cz", Derivative: "c", Source: "z", Relation: graph.Translation, SourceLicence: "CC-BY-4.0"},
	}
	var edges []graph.Edge
	for _, d := range ds {
		edges = append(edges, graph.Edge{ID: d.ID, Derivative: d.Derivative, Source: d.Source, Relation: d.Relation})
	}
	c := graph.NewClosure(graph.Walk{Root: "c", Direction: graph.Up, MaxDepth: 10}, edges)
	works := map[string]attribution.Work{
		"c": {Title: "Cee"},
		"b": {Title: "Bee *bold*", Creators: []attribution.Creator{{Name: "Bob", URI: "https://orcid.org/0000-0002-1825-0097"}, {Name: "Ann"}, {Name: "Al"}},
			SourceURI: "https://example.org/b"},
		"a": {Title: "Ay", Creators: []attribution.Creator{{Name: "Ada"}}},
	}
	a := attribution.Build(c, ds, works)
	if len(a.Credits) != 3 || a.Truncated {
		t.Fatalf("credits = %+v", a.Credits)
	}
	b := a.Credits[0]
	if b.Work != "b" || b.Licence != "GPL-3.0-only" || b.LicenceURL != "https://spdx.org/licenses/GPL-3.0-only.html" ||
		b.Change != "adapted: colours\nchanged" || b.Depth != 1 || strings.Join(b.Path, ",") != "c,b" {
		t.Errorf("credit of b = %+v", b)
	}
	if z := a.Credits[1]; z.Work != "z" || !z.Deleted || z.Licence != "CC-BY-4.0" {
		t.Errorf("credit of the deleted z = %+v", z)
	}
	if x := a.Credits[2]; x.Work != "a" || x.LicenceURL != "" || x.Change != "included, linked dynamically" || x.Depth != 2 {
		t.Errorf("credit of a = %+v", x)
	}
	wantText := `Credits for “Cee”:

- “Bee *bold*” (https://example.org/b) by Bob, Ann and Al, licensed under GPL-3.0-only (https://spdx.org/licenses/GPL-3.0-only.html); adapted in “Cee”: colours changed.
- “Untitled” (works/z, since removed from the catalogue), licensed under CC-BY-4.0 (https://spdx.org/licenses/CC-BY-4.0.html); translated in “Cee”.
- “Ay” by Ada, licensed under MIT OR Apache-2.0; included, linked dynamically in “Bee *bold*”.
`
	if a.Text != wantText {
		t.Errorf("text =\n%s\nwant\n%s", a.Text, wantText)
	}
	for _, want := range []string{
		`[Bee \*bold\*](https://example.org/b) by [Bob](https://orcid.org/0000-0002-1825-0097), Ann and Al`,
		`[GPL-3.0-only](https://spdx.org/licenses/GPL-3.0-only.html)`,
		`[MIT](https://spdx.org/licenses/MIT.html) OR [Apache-2.0](https://spdx.org/licenses/Apache-2.0.html)`,
		`in “Bee \*bold\*”`,
	} {
		if !strings.Contains(a.Markdown, want) {
			t.Errorf("markdown lacks %s:\n%s", want, a.Markdown)
		}
	}
}

func TestNoAncestry(t *testing.T) {
	c := graph.NewClosure(graph.Walk{Root: "c", Direction: graph.Up, MaxDepth: 10}, nil)
	a := attribution.Build(c, nil, map[string]attribution.Work{"c": {Title: "Cee"}})
	if len(a.Credits) != 0 || a.Markdown != "" || a.Text != "" {
		t.Fatalf("attribution of a work with no ancestry = %+v", a)
	}
}

func TestSourceURI(t *testing.T) {
	if got := attribution.SourceURI(nil, []attribution.Identifier{{Type: "purl", Value: "pkg:npm/x"}, {Type: "doi", Value: "10.1/x"}}); got != "https://doi.org/10.1/x" {
		t.Errorf("SourceURI = %q", got)
	}
	if got := attribution.LicenceURL("LicenseRef-x"); got != "" {
		t.Errorf("LicenceURL(LicenseRef-x) = %q", got)
	}
}

// A URI field is a link in Markdown only when it is an http(s) URL: a
// javascript: or data: URI, in a source or a creator, is shown as text.
func TestMarkdownLinksOnlyWebURLs(t *testing.T) {
	ds := map[string]*graph.Derivation{"ba": {ID: "ba", Derivative: "b", Source: "a", Relation: graph.Adaptation, SourceLicence: "MIT"}}
	c := graph.NewClosure(graph.Walk{Root: "b", Direction: graph.Up, MaxDepth: 10},
		[]graph.Edge{{ID: "ba", Derivative: "b", Source: "a", Relation: graph.Adaptation}})
	a := attribution.Build(c, ds, map[string]attribution.Work{
		"b": {Title: "Bee"},
		"a": {Title: "Ay", SourceURI: "javascript:alert(document.cookie)", Creators: []attribution.Creator{
			{Name: "Ada", URI: "data:text/html,<script>alert(1)</script>"},
			{Name: "Al", URI: "JavaScript:alert(2)"},
			{Name: "Ann", URI: "https://orcid.org/0000-0002-1825-0097"},
		}},
	})
	for _, bad := range []string{"](javascript", "](data", "](JavaScript", "<script>"} {
		if strings.Contains(a.Markdown, bad) {
			t.Errorf("markdown holds %q:\n%s", bad, a.Markdown)
		}
	}
	for _, want := range []string{"javascript:alert(document.cookie)", "[Ann](https://orcid.org/0000-0002-1825-0097)"} {
		if !strings.Contains(a.Markdown, want) {
			t.Errorf("markdown lacks %s:\n%s", want, a.Markdown)
		}
	}
}
