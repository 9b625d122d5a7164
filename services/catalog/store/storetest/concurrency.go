package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/filter"
)

const workers, each = 8, 10

// parallel runs fn(worker) on workers goroutines and fails on the first
// error any returns.
func parallel(t *testing.T, fn func(worker int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- fn(g)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Many writers changing one work's licence without etags: every change
// lands, and the history is one unbroken chain, each entry's previous
// licence being the licence of the entry before it.
func testConcurrentUpdates(t *testing.T, s store.Store) {
	w := create(t, s, "alice", sample(1))[0]
	parallel(t, func(g int) error {
		for i := 0; i < each; i++ {
			id := fmt.Sprintf("LicenseRef-g%d-%d", g, i)
			if _, err := s.Update(ctx, store.Update{ID: w.ID, Actor: Alice, Fields: work.FieldLicence,
				Values: &work.Work{Licence: Licence(id, id)}}); err != nil {
				return err
			}
		}
		return nil
	})
	got := get(t, s, w.ID)
	if got.Generation != 1+workers*each {
		t.Errorf("generation %d after %d updates; want %d", got.Generation, workers*each, 1+workers*each)
	}
	h, _, err := s.LicenceChanges(ctx, w.ID, store.Page{Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1+workers*each {
		t.Fatalf("%d history entries; want %d", len(h), 1+workers*each)
	}
	for i := 1; i < len(h); i++ {
		if h[i].PreviousLicence != h[i-1].Licence {
			t.Fatalf("history broken at %d: previous %q, but the entry before says %q", i, h[i].PreviousLicence, h[i-1].Licence)
		}
	}
	if h[len(h)-1].Licence != got.Licence.Expression {
		t.Errorf("the work's licence %q is not the last in its history %q", got.Licence.Expression, h[len(h)-1].Licence)
	}
	// The outbox numbers concurrent changes without gaps, in the order the
	// history recorded them.
	events, err := s.LicenceEvents(ctx, 0, 1000)
	if err != nil || len(events) != workers*each {
		t.Fatalf("%d outbox events, %v; want %d", len(events), err, workers*each)
	}
	for i, e := range events {
		if e.Seq != int64(i+1) || e.Change.Licence != h[i+1].Licence || e.Change.PreviousLicence != h[i+1].PreviousLicence {
			t.Fatalf("outbox event %d = %+v; want sequence %d and the history's change %+v", i, e, i+1, h[i+1])
		}
	}
}

// Many writers each adding a creator by read-modify-write with the etag,
// retrying when it is stale: no creator is lost.
func testConcurrentEtagUpdates(t *testing.T, s store.Store) {
	w := create(t, s, "alice", sample(1))[0]
	parallel(t, func(g int) error {
		for {
			cur, err := s.Get(ctx, w.ID)
			if err != nil {
				return err
			}
			creators := append(cur.Creators, work.Creator{Name: fmt.Sprintf("Writer %d", g)})
			_, err = s.Update(ctx, store.Update{ID: w.ID, Actor: Alice, Etag: cur.Etag(), Fields: work.FieldCreators,
				Values: &work.Work{Creators: creators}})
			if apierr.Is(err, apierr.Aborted) {
				continue
			}
			return err
		}
	})
	got := get(t, s, w.ID)
	if len(got.Creators) != 1+workers {
		t.Fatalf("%d creators; want %d: %+v", len(got.Creators), 1+workers, got.Creators)
	}
	for g := 0; g < workers; g++ {
		f, _ := filter.Parse(fmt.Sprintf(`creator = "Writer %d"`, g), store.FilterSchema)
		if ws, _, err := s.List(ctx, f, store.Page{Size: 10}); err != nil || len(ws) != 1 {
			t.Errorf("creator filter for writer %d = %d works, %v", g, len(ws), err)
		}
	}
}

// Many retries of one create at once make one work, which they all return.
func testConcurrentRetries(t *testing.T, s store.Store) {
	var mu sync.Mutex
	seen := map[string]bool{}
	parallel(t, func(int) error {
		ws, err := s.Create(ctx, "alice", []store.NewWork{{Work: sample(1), RequestID: "same", Fingerprint: "fp"}})
		if err != nil {
			return err
		}
		mu.Lock()
		seen[ws[0].ID] = true
		mu.Unlock()
		return nil
	})
	if len(seen) != 1 || len(all(t, s)) != 1 {
		t.Fatalf("concurrent retries made works %v; want one", seen)
	}
}
