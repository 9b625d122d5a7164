package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/names"
)

func testCreateAndGet(t *testing.T, s store.Store) {
	before := time.Now().Add(-time.Second)
	in := sample(1)
	w := create(t, s, "alice", in)[0]
	if err := names.ValidID("id", w.ID); err != nil {
		t.Fatalf("issued id %q: %v", w.ID, err)
	}
	if w.Owner != "alice" || w.Generation != 1 || w.Seq == 0 || w.CreateTime.Before(before) || !w.UpdateTime.Equal(w.CreateTime) {
		t.Fatalf("created %+v", w)
	}
	got := get(t, s, w.ID)
	want := *in
	want.ID, want.Owner, want.Seq, want.Generation, want.CreateTime, want.UpdateTime = w.ID, "alice", w.Seq, 1, w.CreateTime, w.UpdateTime
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("Get = %+v\nwant  %+v", got, &want)
	}
	if got.Etag() != w.Etag() {
		t.Errorf("etag of the created work %q, of the read one %q", w.Etag(), got.Etag())
	}
	v, err := s.Version(ctx, w.ID)
	if err != nil || v.Seq != w.Seq || v.Generation != 1 {
		t.Errorf("Version = %+v, %v", v, err)
	}

	h, _, err := s.LicenceChanges(ctx, w.ID, store.Page{Size: 10})
	if err != nil || len(h) != 1 || h[0].Licence != "MIT" || h[0].PreviousLicence != "" || h[0].Actor != "alice" || !h[0].EffectiveTime.Equal(w.CreateTime) {
		t.Errorf("history after create = %+v, %v; want one entry for MIT by alice", h, err)
	}

	_, err = s.Get(ctx, "nope")
	wantKind(t, "Get(nope)", err, apierr.NotFound)
	_, err = s.Version(ctx, "nope")
	wantKind(t, "Version(nope)", err, apierr.NotFound)
	_, _, err = s.LicenceChanges(ctx, "nope", store.Page{Size: 10})
	wantKind(t, "LicenceChanges(nope)", err, apierr.NotFound)

	// A work without licence or lists.
	bare := &work.Work{Kind: work.Other, Title: "bare", Licence: Licence("")}
	b := create(t, s, "bob", bare)[0]
	if got := get(t, s, b.ID); got.Licence.Status != work.LicenceNone || got.Creators != nil || got.Digests != nil {
		t.Errorf("bare work read back as %+v", got)
	}
}

func testChosenIDs(t *testing.T, s store.Store) {
	w := sample(1)
	w.ID = "my-work"
	if got := create(t, s, "alice", w)[0]; got.ID != "my-work" {
		t.Fatalf("chosen id: %q", got.ID)
	}
	_, err := s.Create(ctx, "bob", []store.NewWork{{Work: w}})
	wantKind(t, "create over a taken id", err, apierr.AlreadyExists)

	a, b := sample(2), sample(3)
	a.ID, b.ID = "twice", "twice"
	_, err = s.Create(ctx, "alice", []store.NewWork{{Work: a}, {Work: b}})
	wantKind(t, "one id twice in a batch", err, apierr.AlreadyExists)
	if _, err := s.Get(ctx, "twice"); !apierr.Is(err, apierr.NotFound) {
		t.Fatalf("the refused batch left works/twice: %v", err)
	}
}

func testRequestIDs(t *testing.T, s store.Store) {
	nw := store.NewWork{Work: sample(1), RequestID: "req-1", Fingerprint: "fp-1"}
	first, err := s.Create(ctx, "alice", []store.NewWork{nw})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Create(ctx, "alice", []store.NewWork{nw})
	if err != nil || again[0].ID != first[0].ID || again[0].Etag() != first[0].Etag() {
		t.Fatalf("retry = %v, %v; want the first work %s", again, err, first[0].ID)
	}
	if n := len(all(t, s)); n != 1 {
		t.Fatalf("%d works after a retry; want 1", n)
	}

	other := nw
	other.Fingerprint = "fp-2"
	other.Field = "requests[0]."
	_, err = s.Create(ctx, "alice", []store.NewWork{other})
	if e := wantKind(t, "request id with other content", err, apierr.InvalidArgument); e.Field != "requests[0].request_id" {
		t.Errorf("field %q; want requests[0].request_id", e.Field)
	}

	// Request ids are per principal.
	bobs, err := s.Create(ctx, "bob", []store.NewWork{nw})
	if err != nil || bobs[0].ID == first[0].ID {
		t.Fatalf("bob's request with alice's id = %v, %v; want a new work", bobs, err)
	}

	// In a batch: a retried request, a new one, and one repeated.
	fresh := store.NewWork{Work: sample(2), RequestID: "req-2", Fingerprint: "fp-3"}
	got, err := s.Create(ctx, "alice", []store.NewWork{nw, fresh, fresh})
	if err != nil || got[0].ID != first[0].ID || got[1].ID != got[2].ID || got[1].ID == first[0].ID {
		t.Fatalf("batch of a retry, a new request and its repeat = %v, %v", ids(got), err)
	}
	clash := fresh
	clash.Fingerprint = "fp-4"
	_, err = s.Create(ctx, "alice", []store.NewWork{fresh, clash})
	wantKind(t, "one request id with two contents in a batch", err, apierr.InvalidArgument)

	// A retry of a large batch (COPY on PostgreSQL) returns the same works.
	var batch []store.NewWork
	for i := 0; i < 40; i++ {
		batch = append(batch, store.NewWork{Work: sample(100 + i), RequestID: fmt.Sprintf("bulk-%d", i), Fingerprint: "fp"})
	}
	b1, err := s.Create(ctx, "alice", batch)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := s.Create(ctx, "alice", batch)
	if err != nil || !reflect.DeepEqual(ids(b1), ids(b2)) {
		t.Fatalf("retried batch = %v, %v; want the same works", err, ids(b2))
	}
	if n := len(all(t, s)); n != 3+40 {
		t.Fatalf("%d works; want 43", n)
	}
}

func testBatchAllOrNothing(t *testing.T, s store.Store) {
	taken := sample(0)
	taken.ID = "taken"
	create(t, s, "alice", taken)
	stored := 1
	for _, size := range []int{3, 40} { // INSERT and, on PostgreSQL, COPY
		var batch []store.NewWork
		for i := 0; i < size; i++ {
			w := sample(size*10 + i)
			w.ID = fmt.Sprintf("b%d-%d", size, i)
			batch = append(batch, store.NewWork{Work: w, RequestID: fmt.Sprintf("r%d-%d", size, i), Fingerprint: "fp"})
		}
		last := *batch[size-1].Work
		last.ID = "taken"
		batch[size-1].Work = &last
		_, err := s.Create(ctx, "alice", batch)
		e := wantKind(t, fmt.Sprintf("batch of %d with a taken id", size), err, apierr.AlreadyExists)
		if e.Resource != "works/taken" {
			t.Errorf("resource %q; want works/taken", e.Resource)
		}
		if n := len(all(t, s)); n != stored {
			t.Fatalf("a refused batch of %d left %d works; want %d", size, n, stored)
		}
		// Nothing of the refused batch remains, not even its request ids.
		batch[size-1].Work = sample(size*10 + size)
		batch[size-1].Work.ID = fmt.Sprintf("b%d-last", size)
		if _, err := s.Create(ctx, "alice", batch); err != nil {
			t.Fatalf("the corrected batch of %d: %v", size, err)
		}
		stored += size
	}
}

func testBatchLarge(t *testing.T, s store.Store) {
	const n = 1000
	ws := make([]*work.Work, n)
	for i := range ws {
		ws[i] = sample(i)
	}
	got := create(t, s, "alice", ws...)
	for i := 1; i < n; i++ {
		if got[i].Seq <= got[i-1].Seq {
			t.Fatalf("works %d and %d out of order: seq %d then %d", i-1, i, got[i-1].Seq, got[i].Seq)
		}
	}
	listed := all(t, s)
	if !reflect.DeepEqual(ids(listed), ids(got)) {
		t.Fatal("the works listed are not the works created, in order")
	}
	for _, i := range []int{0, 499, 999} {
		w := get(t, s, got[i].ID)
		if w.Title != ws[i].Title || w.Digests[0] != Digest(i) {
			t.Errorf("work %d read back as %+v", i, w)
		}
	}
	found, _, err := s.Lookup(ctx, store.DigestKey(Digest(777)), store.Page{Size: 10})
	if err != nil || len(found) != 1 || found[0].ID != got[777].ID {
		t.Errorf("lookup of a bulk-created digest = %v, %v", ids(found), err)
	}
}

func testBatchGet(t *testing.T, s store.Store) {
	ws := create(t, s, "alice", sample(1), sample(2), sample(3))
	got, err := s.BatchGet(ctx, []string{ws[2].ID, "missing", ws[0].ID, ws[2].ID})
	if err != nil || len(got) != 2 || got[ws[2].ID].Title != "Work 3" || got[ws[0].ID].Title != "Work 1" || got["missing"] != nil {
		t.Fatalf("BatchGet = %v, %v", got, err)
	}
	many := make([]string, 1200)
	for i := range many {
		many[i] = fmt.Sprintf("absent-%d", i)
	}
	many[1100] = ws[1].ID
	got, err = s.BatchGet(ctx, many)
	if err != nil || len(got) != 1 || got[ws[1].ID] == nil {
		t.Fatalf("BatchGet of 1200 ids = %d works, %v", len(got), err)
	}
}
