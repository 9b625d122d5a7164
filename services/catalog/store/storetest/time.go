package storetest

import (
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/filter"
)

// testLicenceTime is the Terraform case in the store: registered under
// MPL-2.0, relicensed to BUSL-1.1 effective 2023-08-10 (recorded years
// later), then a change dated before that one, then one dated in the
// future, which takes effect by itself.
func testLicenceTime(t *testing.T, s store.Store) {
	w := sample(1)
	w.Licence = Licence("MPL-2.0", "MPL-2.0")
	w = create(t, s, "alice", w)[0]
	relicensed := time.Date(2023, 8, 10, 0, 0, 0, 0, time.UTC)
	change := func(lic work.Licence, at time.Time) *work.Work {
		t.Helper()
		got, err := s.Update(ctx, store.Update{ID: w.ID, Actor: Alice, Fields: work.FieldLicence, Values: &work.Work{Licence: lic}, LicenceEffective: at})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	asOf := func(at time.Time) work.Licence {
		t.Helper()
		got := get(t, s, w.ID)
		if err := s.AsOf(ctx, []*work.Work{got}, at); err != nil {
			t.Fatal(err)
		}
		return got.Licence
	}
	if got := change(Licence("BUSL-1.1", "BUSL-1.1"), relicensed); got.Licence.Expression != "BUSL-1.1" || !got.Licence.Effective.Equal(relicensed) {
		t.Fatalf("after the past-dated relicensing the licence is %+v; want BUSL-1.1 effective %v", got.Licence, relicensed)
	}
	if l := asOf(relicensed.Add(-24 * time.Hour)); l.Expression != "MPL-2.0" || !l.Effective.IsZero() || l.Status != work.LicenceKnown || len(l.IDs) != 1 {
		t.Errorf("as of the day before = %+v; want the registered MPL-2.0, in force from the start", l)
	}
	if l := asOf(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)); l.Expression != "MPL-2.0" {
		t.Errorf("as of before the registration = %+v; want the registered licence", l)
	}
	if l := asOf(relicensed); l.Expression != "BUSL-1.1" {
		t.Errorf("as of the effective time = %+v; want BUSL-1.1", l)
	}

	// Dated before the BUSL change: history only, the licence stays.
	early := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := change(Licence("Apache-2.0", "Apache-2.0"), early); got.Licence.Expression != "BUSL-1.1" {
		t.Errorf("a change dated before a later one made the licence %q; want BUSL-1.1", got.Licence.Expression)
	}
	if l := asOf(early.Add(time.Hour)); l.Expression != "Apache-2.0" || !l.Effective.Equal(early) {
		t.Errorf("as of between the two changes = %+v; want Apache-2.0 effective %v", l, early)
	}
	h, _, err := s.LicenceChanges(ctx, w.ID, store.Page{Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, c := range h {
		order = append(order, c.PreviousLicence+">"+c.Licence)
	}
	if want := []string{">MPL-2.0", "MPL-2.0>Apache-2.0", "Apache-2.0>BUSL-1.1"}; len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Errorf("history in effective-time order = %v; want %v", order, want)
	}

	// Dated in the future: recorded, not yet in force, then in force by
	// itself; the cached version must not outlive it.
	soon := time.Now().Add(300 * time.Millisecond).UTC().Truncate(time.Microsecond)
	before := change(Licence("AGPL-3.0-only", "AGPL-3.0-only"), soon)
	if before.Licence.Expression != "BUSL-1.1" || !before.LicencePending.Equal(soon) {
		t.Fatalf("after a future-dated change the work is %+v (pending %v); want BUSL-1.1 pending %v", before.Licence, before.LicencePending, soon)
	}
	if got := get(t, s, w.ID); got.Licence.Expression != "BUSL-1.1" {
		t.Errorf("before its time the licence is %q; want BUSL-1.1", got.Licence.Expression)
	}
	if l := asOf(soon); l.Expression != "AGPL-3.0-only" {
		t.Errorf("as of the future change = %+v; want AGPL-3.0-only", l)
	}
	time.Sleep(time.Until(soon) + 20*time.Millisecond)
	got := get(t, s, w.ID)
	if got.Licence.Expression != "AGPL-3.0-only" || !got.Licence.Effective.Equal(soon) {
		t.Errorf("once due the licence is %+v; want AGPL-3.0-only effective %v", got.Licence, soon)
	}
	if got.Generation != before.Generation {
		t.Errorf("reading a due change wrote the work (generation %d, was %d)", got.Generation, before.Generation)
	}
	if n, err := s.PromoteDue(ctx, 10); err != nil || n != 1 {
		t.Fatalf("PromoteDue = %d, %v; want 1 work promoted", n, err)
	}
	if n, err := s.PromoteDue(ctx, 10); err != nil || n != 0 {
		t.Errorf("PromoteDue again = %d, %v; want nothing left", n, err)
	}
	got = get(t, s, w.ID)
	if got.Licence.Expression != "AGPL-3.0-only" || got.Generation != before.Generation+1 || !got.LicencePending.IsZero() {
		t.Errorf("after promotion the work is %+v, generation %d (was %d), pending %v", got.Licence, got.Generation, before.Generation, got.LicencePending)
	}
	f, err := filter.Parse(`licence_id = "AGPL-3.0-only"`, store.FilterSchema)
	if err != nil {
		t.Fatal(err)
	}
	if ws, _, err := s.List(ctx, f, store.Page{Size: 10}); err != nil || len(ws) != 1 {
		t.Errorf("licence_id filter after promotion found %d works (%v); want the work", len(ws), err)
	}
}
