package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// CurationsOpener returns a fresh, empty curation store for one test.
type CurationsOpener func(t testing.TB) store.Curations

// RunCurations runs the curation part of the suite against the stores
// open returns.
func RunCurations(t *testing.T, open CurationsOpener) {
	t.Run("Lifecycle", func(t *testing.T) { testCurationLifecycle(t, open(t)) })
}

func testCurationLifecycle(t *testing.T, s store.Curations) {
	ctx := context.Background()
	for _, id := range []string{"c", "a", "b"} {
		c := &store.Curation{ID: id, Purl: "pkg:npm/" + id, Versions: "vers:npm/<1.0.0", Licence: "MIT",
			EvidenceURL: "https://example.com/" + id, EvidenceNote: "LICENSE file", Proposer: "alice", CreateTime: at}
		if err := s.CreateCuration(ctx, c); err != nil {
			t.Fatalf("CreateCuration %s: %v", id, err)
		}
	}
	err := s.CreateCuration(ctx, &store.Curation{ID: "a", Work: "works/x", Licence: "MIT", Proposer: "bob", CreateTime: at})
	wantKind(t, "duplicate", err, apierr.AlreadyExists, "")
	got, err := s.GetCuration(ctx, "a")
	if err != nil || got.Proposer != "alice" || got.State != store.CurationProposed || got.Purl != "pkg:npm/a" ||
		got.Versions != "vers:npm/<1.0.0" || !got.CreateTime.Equal(at.Truncate(time.Microsecond)) || len(got.History) != 1 ||
		got.History[0].Actor != "alice" || got.History[0].State != store.CurationProposed {
		t.Fatalf("GetCuration = %+v, %v", got, err)
	}
	_, err = s.GetCuration(ctx, "nope")
	wantKind(t, "missing", err, apierr.NotFound, "")
	page, err := s.ListCurations(ctx, "", 2)
	if err != nil || len(page) != 2 || page[0].ID != "a" || page[1].ID != "b" || len(page[1].History) != 1 {
		t.Fatalf("first page %+v, %v", page, err)
	}
	page, err = s.ListCurations(ctx, "b", 2)
	if err != nil || len(page) != 1 || page[0].ID != "c" {
		t.Fatalf("second page %+v, %v", page, err)
	}

	later := at.Add(time.Hour)
	accepted, err := s.ReviewCuration(ctx, "b", store.CurationProposed, store.CurationEvent{State: store.CurationAccepted, Actor: "bob", Note: "ok", Time: later})
	if err != nil || accepted.State != store.CurationAccepted || accepted.Reviewer != "bob" || len(accepted.History) != 2 ||
		accepted.History[1].Note != "ok" || !accepted.UpdateTime.Equal(later.Truncate(time.Microsecond)) {
		t.Fatalf("accepted %+v, %v", accepted, err)
	}
	// A second review from the state already left lost the race.
	_, err = s.ReviewCuration(ctx, "b", store.CurationProposed, store.CurationEvent{State: store.CurationRejected, Actor: "root", Time: later})
	wantKind(t, "stale review", err, apierr.Aborted, "CURATION_CHANGED")
	_, err = s.ReviewCuration(ctx, "nope", store.CurationProposed, store.CurationEvent{State: store.CurationAccepted, Actor: "bob", Time: later})
	wantKind(t, "missing review", err, apierr.NotFound, "")
	all, err := s.AcceptedCurations(ctx)
	if err != nil || len(all) != 1 || all[0].ID != "b" {
		t.Fatalf("AcceptedCurations = %+v, %v", all, err)
	}
	rejected, err := s.ReviewCuration(ctx, "b", store.CurationAccepted, store.CurationEvent{State: store.CurationRejected, Actor: "root", Time: later})
	if err != nil || rejected.State != store.CurationRejected || rejected.Reviewer != "root" || len(rejected.History) != 3 {
		t.Fatalf("rejected %+v, %v", rejected, err)
	}
	if all, err := s.AcceptedCurations(ctx); err != nil || len(all) != 0 {
		t.Fatalf("AcceptedCurations after the rejection = %+v, %v", all, err)
	}
}
