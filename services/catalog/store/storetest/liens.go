package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
)

func testLiens(t *testing.T, s store.Store) {
	w := create(t, s, "alice", sample(1))[0]
	lien := work.Lien{WorkID: w.ID, ID: "d1", Origin: "derivations/d1", Reason: "works/x derives from it", Creator: Lineage.Name}
	made, err := s.CreateLien(ctx, lien)
	if err != nil || made.Origin != "derivations/d1" || made.CreateTime.IsZero() || made.Creator != Lineage.Name {
		t.Fatalf("CreateLien = %+v, %v", made, err)
	}
	again, err := s.CreateLien(ctx, lien)
	if err != nil || !again.CreateTime.Equal(made.CreateTime) {
		t.Fatalf("CreateLien again = %+v, %v; want the first lien", again, err)
	}
	clash := lien
	clash.Origin = "derivations/other"
	_, err = s.CreateLien(ctx, clash)
	wantKind(t, "a lien id with another origin", err, apierr.AlreadyExists)
	missing := lien
	missing.WorkID = "nope"
	_, err = s.CreateLien(ctx, missing)
	wantKind(t, "a lien on a missing work", err, apierr.NotFound)

	for i := 2; i <= 3; i++ {
		l := lien
		l.ID, l.Origin = fmt.Sprintf("d%d", i), fmt.Sprintf("derivations/d%d", i)
		if _, err := s.CreateLien(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	var listed []string
	p := store.Page{Size: 2}
	for {
		ls, next, err := s.Liens(ctx, w.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			listed = append(listed, l.ID)
		}
		if next == 0 {
			break
		}
		p.After = next
	}
	if strings.Join(listed, ",") != "d1,d2,d3" {
		t.Errorf("liens listed = %v", listed)
	}

	// Liens hold the work, even against its owner; the refusal names
	// what they stand for.
	err = s.Delete(ctx, store.Delete{ID: w.ID, Actor: Alice})
	e := wantKind(t, "delete of a held work", err, apierr.FailedPrecondition)
	if e.Reason != "WORK_HAS_LIENS" || len(e.Violations) != 3 || e.Violations[0].Subject != "derivations/d1" || !strings.Contains(e.Message, "derivations/d2") {
		t.Errorf("refusal = %+v", e)
	}
	wantKind(t, "force by the owner", s.Delete(ctx, store.Delete{ID: w.ID, Actor: Alice, Force: true}), apierr.PermissionDenied)

	for _, id := range []string{"d1", "d2"} {
		if err := s.DeleteLien(ctx, w.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	wantKind(t, "lifting a lifted lien", s.DeleteLien(ctx, w.ID, "d1"), apierr.NotFound)
	wantKind(t, "lifting a lien of a missing work", s.DeleteLien(ctx, "nope", "d1"), apierr.NotFound)
	_, _, err = s.Liens(ctx, "nope", store.Page{Size: 10})
	wantKind(t, "liens of a missing work", err, apierr.NotFound)

	err = s.Delete(ctx, store.Delete{ID: w.ID, Actor: Alice})
	if e := wantKind(t, "delete held by one lien", err, apierr.FailedPrecondition); len(e.Violations) != 1 {
		t.Errorf("violations = %+v", e.Violations)
	}
	if err := s.Delete(ctx, store.Delete{ID: w.ID, Actor: Root, Force: true}); err != nil {
		t.Fatalf("forced delete by an admin: %v", err)
	}
	// The work and its liens are gone, and its id is retired: what the
	// liens stood for outlives it elsewhere, and a new work with the id
	// would inherit that.
	w2 := sample(2)
	w2.ID = w.ID
	_, err = s.Create(ctx, "alice", []store.NewWork{{Work: w2}})
	wantKind(t, "a new work with a force-deleted id", err, apierr.AlreadyExists)
	// The same in a batch large enough for PostgreSQL's COPY path.
	batch := []store.NewWork{{Work: w2}}
	for i := range 20 {
		batch = append(batch, store.NewWork{Work: sample(10 + i)})
	}
	_, err = s.Create(ctx, "alice", batch)
	wantKind(t, "a batch with a force-deleted id", err, apierr.AlreadyExists)
	_, _, err = s.Liens(ctx, w.ID, store.Page{Size: 10})
	wantKind(t, "liens of the force-deleted work", err, apierr.NotFound)
}
