package notice

import (
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/lineage/attribution"
)

func TestBuild(t *testing.T) {
	entries := []Entry{
		{Work: "works/a", Title: "A", Licence: "MIT OR Apache-2.0", Creators: []attribution.Creator{{Name: "Ada", Role: "author"}}},
		{Work: "works/b", Title: "B\nwith a line break", Licence: "GPL-2.0-only WITH Classpath-exception-2.0"},
		{Work: "works/c", Title: "C", Licence: "MIT AND LicenseRef-acme"},
		{Work: "works/d", Title: "D", Licence: "LicenseRef-own"},
		{Work: "works/e", Title: "E", Licence: "(MIT"},
		{Work: "works/f", Title: "F"},
	}
	n := Build("works/app", "App", entries, false, map[string]Defined{"LicenseRef-own": {Name: "Own licence", Text: "Use it well."}})
	var ids []string
	got := map[string]Licence{}
	for _, l := range n.Licences {
		ids = append(ids, l.ID)
		got[l.ID] = l
	}
	if strings.Join(ids, " ") != "Apache-2.0 MIT GPL-2.0-only Classpath-exception-2.0 LicenseRef-acme LicenseRef-own" {
		t.Fatalf("licences %v", ids)
	}
	if m := got["MIT"]; !strings.Contains(m.Text, "Permission is hereby granted") || strings.Join(m.Works, " ") != "works/a works/c" {
		t.Errorf("MIT: %+v", m)
	}
	if x := got["Classpath-exception-2.0"]; !x.Exception || x.Text != "" || !strings.Contains(x.Note, "not held") || x.URL == "" {
		t.Errorf("exception: %+v", x)
	}
	if r := got["LicenseRef-acme"]; r.Text != "" || !strings.Contains(r.Note, "outside the SPDX list") {
		t.Errorf("LicenseRef-acme: %+v", r)
	}
	if r := got["LicenseRef-own"]; r.Text != "Use it well." || r.Name != "Own licence" {
		t.Errorf("a defined LicenseRef: %+v", r)
	}
	if len(n.Warnings) != 1 || !strings.Contains(n.Warnings[0], "works/e") {
		t.Errorf("warnings %v", n.Warnings)
	}
	for _, want := range []string{"1. A (works/a)", "Copyright: Ada (author)", "2. B with a line break (works/b)",
		"Licence: none recorded", "Used by: works/a, works/c", "Licence texts: the SPDX License List"} {
		if !strings.Contains(n.Text, want) {
			t.Errorf("the text lacks %q", want)
		}
	}
	if strings.Count(n.Text, "Permission is hereby granted") != 1 {
		t.Error("the MIT text is not there exactly once")
	}
}

func TestBuildNothingUpstream(t *testing.T) {
	n := Build("works/app", "App", nil, false, nil)
	if len(n.Licences) != 0 || !strings.Contains(n.Text, "No other work is credited") {
		t.Errorf("%+v", n)
	}
}
