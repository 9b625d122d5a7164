package storetest

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/filter"
)

func testListFilters(t *testing.T, s store.Store) {
	mk := func(n int, kind work.Kind, title string, lic work.Licence, creators ...string) *work.Work {
		w := sample(n)
		w.Kind, w.Title, w.Licence, w.Creators = kind, title, lic, nil
		for _, c := range creators {
			w.Creators = append(w.Creators, work.Creator{Name: c})
		}
		return w
	}
	a := create(t, s, "alice", mk(1, work.Software, "Left Pad", Licence("MIT", "MIT"), "Azer"))[0]
	b := create(t, s, "alice", mk(2, work.Text, "Ünïcode Notes_100%", Licence("MIT OR Apache-2.0", "Apache-2.0", "MIT"), "Ada Lovelace", "Azer"))[0]
	c := create(t, s, "bob", mk(3, work.Dataset, "Padded Data", Licence("LicenseRef-Mine", "LicenseRef-Mine")))[0]
	d := create(t, s, "bob", mk(4, work.Model, "Weights", Licence("")))[0]

	tests := []struct {
		filter string
		want   []*work.Work
	}{
		{"", []*work.Work{a, b, c, d}},
		{"kind = SOFTWARE", []*work.Work{a}},
		{"kind = WORK_KIND_DATASET OR kind = MODEL", []*work.Work{c, d}},
		{"kind != SOFTWARE", []*work.Work{b, c, d}},
		{`licence = "MIT"`, []*work.Work{a}},
		{`licence = "MIT OR Apache-2.0"`, []*work.Work{b}},
		{`licence = ""`, []*work.Work{d}},
		{`licence_id = "MIT"`, []*work.Work{a, b}},
		{`licence_id = "LicenseRef-Mine"`, []*work.Work{c}},
		{`licence_id != "MIT"`, []*work.Work{c, d}},
		{`creator = "Azer"`, []*work.Work{a, b}},
		{`creator = "Ada Lovelace" AND creator = "Azer"`, []*work.Work{b}},
		{`creator = "azer"`, nil},
		{`owner = "bob"`, []*work.Work{c, d}},
		{`owner = bob AND NOT kind = MODEL`, []*work.Work{c}},
		{`-owner = bob`, []*work.Work{a, b}},
		{`title : "pad"`, []*work.Work{a, c}},
		{`title : "ÜNÏCODE"`, []*work.Work{b}},
		{`title : "_100%"`, []*work.Work{b}},
		{`title : "%"`, []*work.Work{b}},
		{`title : "e_1"`, nil},
		{`title = "Weights"`, []*work.Work{d}},
		{`title = "weights"`, nil},
		{`title = "Ünïcode Notes_100%"`, []*work.Work{b}},
		{`title != "Weights"`, []*work.Work{a, b, c}},
		{`title : "pad" AND NOT title = "Left Pad"`, []*work.Work{c}},
		{`identifier = "purl:pkg:NPM/work-3@1.0.0"`, []*work.Work{c}},
		{`identifier = "purl:pkg:npm/work-3@2.0.0"`, nil},
		{`(kind = TEXT OR owner = bob) AND licence_id = "MIT"`, []*work.Work{b}},
	}
	for _, tt := range tests {
		f, err := filter.Parse(tt.filter, store.FilterSchema)
		if err != nil {
			t.Fatalf("parse %q: %v", tt.filter, err)
		}
		got, next, err := s.List(ctx, f, store.Page{Size: 10})
		if err != nil || next != 0 {
			t.Errorf("%q: %v (next %d)", tt.filter, err, next)
			continue
		}
		if !reflect.DeepEqual(ids(got), ids(tt.want)) {
			t.Errorf("%q = %v; want %v", tt.filter, ids(got), ids(tt.want))
		}
	}

	for _, bad := range []string{`identifier = "nope"`, `identifier = "isbn:123"`, `creator : "Ada"`, `licence : "MIT"`} {
		f, err := filter.Parse(bad, store.FilterSchema)
		if err == nil {
			_, _, err = s.List(ctx, f, store.Page{Size: 10})
		}
		if e := wantKind(t, bad, err, apierr.InvalidArgument); e.Field != "filter" {
			t.Errorf("%q: field %q; want filter", bad, e.Field)
		}
	}
}

func testListPages(t *testing.T, s store.Store) {
	var made []*work.Work
	for i := 0; i < 25; i++ {
		made = append(made, create(t, s, "alice", sample(i))...)
	}
	f, _ := filter.Parse(`owner = "alice"`, store.FilterSchema)
	var got []*work.Work
	p := store.Page{Size: 7}
	for pages := 1; ; pages++ {
		ws, next, err := s.List(ctx, f, p)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ws...)
		if next == 0 {
			if pages != 4 {
				t.Errorf("%d pages of 7 for 25 works; want 4", pages)
			}
			break
		}
		// A work created while paging shows up at the end, not twice.
		if pages == 2 {
			made = append(made, create(t, s, "alice", sample(100))...)
		}
		p.After = next
	}
	if !reflect.DeepEqual(ids(got), ids(made)) {
		t.Fatalf("paged through %d works, want the %d created, oldest first", len(got), len(made))
	}
	// An exact fit ends without an empty page.
	ws, next, err := s.List(ctx, f, store.Page{Size: 26})
	if err != nil || len(ws) != 26 || next != 0 {
		t.Fatalf("a page that holds everything: %d works, next %d, %v", len(ws), next, err)
	}
}

func testLookup(t *testing.T, s store.Store) {
	shared := Digest(42)
	var holders []*work.Work
	for i := 0; i < 5; i++ {
		w := sample(i)
		w.Digests = append(w.Digests, shared)
		w.Identifiers = append(w.Identifiers,
			work.Identifier{Type: work.SWHID, Value: "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2;origin=https://example.org/" + string(rune('a'+i))},
			work.Identifier{Type: work.DOI, Value: "10.5281/zenodo.42"})
		holders = append(holders, create(t, s, []string{"alice", "bob"}[i%2], w)...)
	}
	create(t, s, "alice", sample(99))

	keys := map[string]store.Key{
		"digest": store.DigestKey(shared),
		"swhid":  store.IdentifierKey(work.Identifier{Type: work.SWHID, Value: "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2"}),
		"doi":    store.IdentifierKey(work.Identifier{Type: work.DOI, Value: "10.5281/zenodo.42"}),
	}
	for name, k := range keys {
		var got []*work.Work
		p := store.Page{Size: 2}
		for {
			ws, next, err := s.Lookup(ctx, k, p)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got = append(got, ws...)
			if next == 0 {
				break
			}
			p.After = next
		}
		if !reflect.DeepEqual(ids(got), ids(holders)) {
			t.Errorf("lookup by %s = %v; want %v", name, ids(got), ids(holders))
		}
	}
	none, next, err := s.Lookup(ctx, store.DigestKey(Digest(4242)), store.Page{Size: 10})
	if err != nil || len(none) != 0 || next != 0 {
		t.Errorf("lookup of an unknown digest = %v, %d, %v", ids(none), next, err)
	}
}

// Identifiers, creator names and licences too long for an index entry are
// indexed by digest, and found all the same.
func testLongTerms(t *testing.T, s store.Store) {
	w := sample(1)
	long := "https://example.org/" + strings.Repeat("ä", 900)
	w.Identifiers = []work.Identifier{{Type: work.URL, Value: long}}
	w.Creators = []work.Creator{{Name: strings.Repeat("Ж", 500)}}
	expr := strings.Repeat("GPL-2.0-or-later OR ", 100) + "MIT"
	w.Licence = Licence(expr, "GPL-2.0-or-later", "MIT")
	made := create(t, s, "alice", w)[0]

	got, _, err := s.Lookup(ctx, store.IdentifierKey(work.Identifier{Type: work.URL, Value: long}), store.Page{Size: 10})
	if err != nil || len(got) != 1 || got[0].ID != made.ID {
		t.Errorf("lookup by a long URL = %v, %v", ids(got), err)
	}
	for _, fs := range []string{`licence = "` + expr + `"`, `creator = "` + strings.Repeat("Ж", 500) + `"`} {
		f, err := filter.Parse(fs, store.FilterSchema)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := s.List(ctx, f, store.Page{Size: 10})
		if err != nil || len(got) != 1 || got[0].ID != made.ID {
			t.Errorf("filter on a long value (%d bytes) = %v, %v", len(fs), ids(got), err)
		}
	}
	if !slices.Equal(get(t, s, made.ID).Identifiers, w.Identifiers) {
		t.Error("the long identifier did not come back whole")
	}
}
