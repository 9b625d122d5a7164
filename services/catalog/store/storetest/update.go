package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/filter"
)

func testUpdate(t *testing.T, s store.Store) {
	w := create(t, s, "alice", sample(1))[0]
	time.Sleep(2 * time.Millisecond)
	got, err := s.Update(ctx, store.Update{
		ID: w.ID, Actor: Alice, Etag: w.Etag(),
		Fields: work.FieldTitle | work.FieldVersion,
		Values: &work.Work{Title: "Renamed", Version: "2.0.0", Description: "not in the mask"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Renamed" || got.Version != "2.0.0" || got.Description != w.Description || got.Generation != 2 ||
		got.Etag() == w.Etag() || !got.UpdateTime.After(w.UpdateTime) || !got.CreateTime.Equal(w.CreateTime) {
		t.Fatalf("updated = %+v", got)
	}
	if read := get(t, s, w.ID); !reflect.DeepEqual(read, got) {
		t.Fatalf("read back %+v\nwant        %+v", read, got)
	}

	_, err = s.Update(ctx, store.Update{ID: w.ID, Actor: Alice, Etag: w.Etag(), Fields: work.FieldTitle, Values: &work.Work{Title: "Stale"}})
	wantKind(t, "update with a stale etag", err, apierr.Aborted)
	_, err = s.Update(ctx, store.Update{ID: w.ID, Actor: Bob, Fields: work.FieldTitle, Values: &work.Work{Title: "Bob's"}})
	wantKind(t, "update by another principal", err, apierr.PermissionDenied)
	_, err = s.Update(ctx, store.Update{ID: "nope", Actor: Alice, Fields: work.FieldTitle, Values: &work.Work{Title: "x"}})
	wantKind(t, "update of a missing work", err, apierr.NotFound)
	if read := get(t, s, w.ID); read.Title != "Renamed" || read.Generation != 2 {
		t.Fatalf("refused updates changed the work: %+v", read)
	}

	// Admins may change any work; no etag means no check.
	got, err = s.Update(ctx, store.Update{ID: w.ID, Actor: Root, Fields: work.FieldKind, Values: &work.Work{Kind: work.Dataset}})
	if err != nil || got.Kind != work.Dataset || got.Owner != "alice" || got.Generation != 3 {
		t.Fatalf("admin update = %+v, %v", got, err)
	}
	v, err := s.Version(ctx, w.ID)
	if err != nil || v.Generation != 3 {
		t.Errorf("Version after two updates = %+v, %v", v, err)
	}
}

// testDeclaredLicences: the statements a source made are kept beside the
// concluded licence, and an update of one leaves the other.
func testDeclaredLicences(t *testing.T, s store.Store) {
	w := sample(1)
	w.DeclaredLicences = []work.DeclaredLicence{
		{Statement: "GNU Lesser General Public License", Method: "alias", Expression: "LGPL-2.0-or-later", Confidence: 0.9},
		{Statement: "Bouncy Castle Licence", Method: "none"},
	}
	w = create(t, s, "alice", w)[0]
	if read := get(t, s, w.ID); !reflect.DeepEqual(read.DeclaredLicences, w.DeclaredLicences) {
		t.Fatalf("declared licences read back as %+v; want %+v", read.DeclaredLicences, w.DeclaredLicences)
	}
	got, err := s.Update(ctx, store.Update{ID: w.ID, Actor: Alice, Fields: work.FieldLicence,
		Values: &work.Work{Licence: Licence("Apache-2.0", "Apache-2.0")}})
	if err != nil || !reflect.DeepEqual(got.DeclaredLicences, w.DeclaredLicences) {
		t.Fatalf("a licence update changed the declared licences: %+v, %v", got.DeclaredLicences, err)
	}
	got, err = s.Update(ctx, store.Update{ID: w.ID, Actor: Alice, Fields: work.FieldDeclaredLicences, Values: &work.Work{}})
	if err != nil || got.DeclaredLicences != nil || got.Licence.Expression != "Apache-2.0" {
		t.Fatalf("clearing the declared licences = %+v, %v", got, err)
	}
}

func testUpdateTerms(t *testing.T, s store.Store) {
	w := create(t, s, "alice", sample(1))[0]
	_, err := s.Update(ctx, store.Update{ID: w.ID, Actor: Alice,
		Fields: work.FieldCreators | work.FieldDigests | work.FieldIdentifiers | work.FieldLicence,
		Values: &work.Work{
			Creators:    []work.Creator{{Name: "Grace Hopper"}},
			Digests:     []string{Digest(7)},
			Identifiers: []work.Identifier{{Type: work.DOI, Value: "10.1000/new"}},
			Licence:     Licence("Apache-2.0", "Apache-2.0"),
		}})
	if err != nil {
		t.Fatal(err)
	}
	count := func(fs string) int {
		f, err := filter.Parse(fs, store.FilterSchema)
		if err != nil {
			t.Fatal(err)
		}
		ws, _, err := s.List(ctx, f, store.Page{Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(ws)
	}
	for fs, want := range map[string]int{
		`creator = "Ada Lovelace"`:                 0,
		`creator = "Grace Hopper"`:                 1,
		`licence_id = "MIT"`:                       0,
		`licence_id = "Apache-2.0"`:                1,
		`licence = "Apache-2.0"`:                   1,
		`identifier = "purl:pkg:npm/work-1@1.0.0"`: 0,
		`identifier = "doi:10.1000/NEW"`:           1,
	} {
		if got := count(fs); got != want {
			t.Errorf("after the update, %s matches %d works; want %d", fs, got, want)
		}
	}
	// A licence id is found whether the expression is that id alone or
	// names it among others, as the licence changes between the two.
	for _, step := range []struct {
		lic         work.Licence
		mit, bsd    int
		description string
	}{
		{Licence("MIT AND BSD-2-Clause", "BSD-2-Clause", "MIT"), 1, 1, "compound"},
		{Licence("MIT", "MIT"), 1, 0, "single again"},
		{Licence("BSD-2-Clause WITH x", "BSD-2-Clause"), 0, 1, "one id with more"},
	} {
		if _, err := s.Update(ctx, store.Update{ID: w.ID, Actor: Alice, Fields: work.FieldLicence, Values: &work.Work{Licence: step.lic}}); err != nil {
			t.Fatal(err)
		}
		if got := count(`licence_id = "MIT"`); got != step.mit {
			t.Errorf("%s: licence_id = MIT matches %d; want %d", step.description, got, step.mit)
		}
		if got := count(`licence_id = "BSD-2-Clause"`); got != step.bsd {
			t.Errorf("%s: licence_id = BSD-2-Clause matches %d; want %d", step.description, got, step.bsd)
		}
	}
	if ws, _, _ := s.Lookup(ctx, store.DigestKey(Digest(1)), store.Page{Size: 10}); len(ws) != 0 {
		t.Error("the old digest still finds the work")
	}
	if ws, _, _ := s.Lookup(ctx, store.DigestKey(Digest(7)), store.Page{Size: 10}); len(ws) != 1 {
		t.Error("the new digest does not find the work")
	}
}

func testLicenceHistory(t *testing.T, s store.Store) {
	w := create(t, s, "alice", sample(1))[0]
	effective := time.Date(2020, 1, 2, 3, 4, 5, 6000, time.UTC)
	steps := []struct {
		actor  string
		lic    work.Licence
		note   string
		when   time.Time
		change bool
	}{
		{"alice", Licence("GPL-3.0-or-later", "GPL-3.0-or-later"), "relicensed", effective, true},
		{"alice", Licence("GPL-3.0-or-later", "GPL-3.0-or-later"), "no change", time.Time{}, false},
		{"root", Licence(""), "withdrawn", time.Time{}, true},
	}
	for _, st := range steps {
		actor := Alice
		if st.actor == "root" {
			actor = Root
		}
		if _, err := s.Update(ctx, store.Update{ID: w.ID, Actor: actor, Fields: work.FieldLicence,
			Values: &work.Work{Licence: st.lic}, LicenceNote: st.note, LicenceEffective: st.when}); err != nil {
			t.Fatal(err)
		}
	}
	var h []work.LicenceChange
	p := store.Page{Size: 1}
	for {
		page, next, err := s.LicenceChanges(ctx, w.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		h = append(h, page...)
		if next == 0 {
			break
		}
		p.After = next
	}
	if len(h) != 3 {
		t.Fatalf("history of %d entries; want 3 (created, relicensed, withdrawn): %+v", len(h), h)
	}
	if h[0].Licence != "MIT" || h[0].PreviousLicence != "" || h[0].Actor != "alice" || !h[0].EffectiveTime.Equal(w.CreateTime) || !h[0].RecordTime.Equal(w.CreateTime) {
		t.Errorf("creation entry = %+v", h[0])
	}
	if h[1].Licence != "GPL-3.0-or-later" || h[1].PreviousLicence != "MIT" || h[1].Note != "relicensed" ||
		!h[1].EffectiveTime.Equal(effective) || h[1].Actor != "alice" || h[1].RecordTime.Before(h[0].RecordTime) {
		t.Errorf("relicensing entry = %+v", h[1])
	}
	if h[2].Licence != "" || h[2].PreviousLicence != "GPL-3.0-or-later" || h[2].Actor != "root" || !h[2].EffectiveTime.Equal(h[2].RecordTime) {
		t.Errorf("withdrawal entry = %+v", h[2])
	}
	if got := get(t, s, w.ID); got.Licence.Status != work.LicenceNone || got.Licence.Expression != "" {
		t.Errorf("licence after withdrawal = %+v", got.Licence)
	}
}

func testDelete(t *testing.T, s store.Store) {
	nw := store.NewWork{Work: sample(1), RequestID: "r", Fingerprint: "fp"}
	made, err := s.Create(ctx, "alice", []store.NewWork{nw})
	if err != nil {
		t.Fatal(err)
	}
	w := made[0]
	wantKind(t, "delete by another principal", s.Delete(ctx, store.Delete{ID: w.ID, Actor: Bob}), apierr.PermissionDenied)
	wantKind(t, "delete with a stale etag", s.Delete(ctx, store.Delete{ID: w.ID, Actor: Alice, Etag: "stale"}), apierr.Aborted)
	wantKind(t, "delete of a missing work", s.Delete(ctx, store.Delete{ID: "nope", Actor: Alice}), apierr.NotFound)
	if err := s.Delete(ctx, store.Delete{ID: w.ID, Actor: Alice, Etag: w.Etag()}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, w.ID)
	wantKind(t, "Get after delete", err, apierr.NotFound)
	_, _, err = s.LicenceChanges(ctx, w.ID, store.Page{Size: 10})
	wantKind(t, "history after delete", err, apierr.NotFound)
	if ws, _, _ := s.Lookup(ctx, store.DigestKey(Digest(1)), store.Page{Size: 10}); len(ws) != 0 {
		t.Error("the deleted work is still found by its digest")
	}
	// The request id went with the work: using it again makes a new work,
	// which a retry of an old etag cannot touch.
	again, err := s.Create(ctx, "alice", []store.NewWork{nw})
	if err != nil || again[0].ID == w.ID {
		t.Fatalf("create after delete with the old request id = %v, %v", again, err)
	}
	// A work registered again under a deleted work's id has another etag.
	old := sample(2)
	old.ID = "reused"
	first := create(t, s, "alice", old)[0]
	if err := s.Delete(ctx, store.Delete{ID: "reused", Actor: Root}); err != nil {
		t.Fatal(err)
	}
	second := create(t, s, "alice", old)[0]
	if first.Etag() == second.Etag() {
		t.Error("a work registered again under a deleted work's id has the deleted work's etag")
	}
}

// Every licence change, and nothing else, writes one outbox event in its
// transaction; a refused change writes none.
func testLicenceEvents(t *testing.T, s store.Store) {
	w := create(t, s, "alice", sample(1))[0]
	effective := time.Date(2023, 8, 10, 0, 0, 0, 0, time.UTC)
	if _, err := s.Update(ctx, store.Update{ID: w.ID, Actor: Alice, Fields: work.FieldTitle, Values: &work.Work{Title: "Renamed"}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Update(ctx, store.Update{ID: w.ID, Actor: Alice, Fields: work.FieldLicence, Values: &work.Work{Licence: Licence("BUSL-1.1", "BUSL-1.1")},
		LicenceNote: "relicensed", LicenceEffective: effective})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Update(ctx, store.Update{ID: w.ID, Actor: Bob, Fields: work.FieldLicence, Values: &work.Work{Licence: Licence("MIT", "MIT")}})
	wantKind(t, "a licence change by another principal", err, apierr.PermissionDenied)
	if _, err := s.Update(ctx, store.Update{ID: w.ID, Actor: Alice, Fields: work.FieldLicence, Values: &work.Work{Licence: Licence("MIT", "MIT")}}); err != nil {
		t.Fatal(err)
	}
	events, err := s.LicenceEvents(ctx, 0, 10)
	if err != nil || len(events) != 2 {
		t.Fatalf("LicenceEvents = %+v, %v; want 2", events, err)
	}
	first := events[0]
	if first.Seq != 1 || first.ID == "" || first.WorkID != w.ID || first.Change.Licence != "BUSL-1.1" || first.Change.PreviousLicence != w.Licence.Expression ||
		!first.Change.EffectiveTime.Equal(effective) || first.Change.Actor != "alice" || first.Change.Note != "relicensed" || first.Change.RecordTime.IsZero() {
		t.Fatalf("first event %+v", first)
	}
	if events[1].Seq != 2 || events[1].ID == first.ID || events[1].Change.PreviousLicence != "BUSL-1.1" {
		t.Fatalf("second event %+v", events[1])
	}
	if rest, err := s.LicenceEvents(ctx, 1, 10); err != nil || len(rest) != 1 || rest[0].ID != events[1].ID {
		t.Fatalf("LicenceEvents after 1 = %+v, %v", rest, err)
	}
}
