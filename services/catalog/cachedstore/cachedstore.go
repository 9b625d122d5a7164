// Package cachedstore decorates a catalog store with a cache of works by
// id, under versioned keys.
//
// A key names one version of a work: catalog:work:v2:{id}:{seq}:{generation}.
// A read asks the store for the work's current version (one small indexed
// read), then looks that version up in the cache, and reads the whole work
// from the store only on a miss. A write therefore never has to delete
// anything: it makes a new version, the next read through any replica asks
// for the new key, and old entries are unreachable until their TTL
// reclaims them. The sequence in the key tells a work from an earlier,
// deleted one that had its id. A cache that fails or is down answers as a
// miss (internal/cache), so losing it costs latency, not correctness.
//
// Time changes a work too: a licence change recorded for the future takes
// effect without a write until the catalog's promoter writes it (a new
// generation). The version says when the next change is due; once it is,
// the cached entry of that version is out of date, and reads go to the
// store, which settles the licence from the history, until the promoter
// has made the new version.
package cachedstore

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/cache"
)

// TTL is how long a version stays cached; it only reclaims memory.
const TTL = time.Hour

// Store is a store whose Get goes through the cache. Every other method is
// the inner store's; Create and Update also put what they return into the
// cache, so that the read after a write is a hit.
type Store struct {
	store.Store
	cache cache.Cache
}

var _ store.Store = (*Store)(nil)

// New returns s with its works by id cached in c.
func New(s store.Store, c cache.Cache) *Store { return &Store{Store: s, cache: c} }

// Key returns the cache key of one version of a work.
func Key(id string, v store.Version) string {
	return "catalog:work:v2:" + id + ":" + strconv.FormatInt(v.Seq, 10) + ":" + strconv.FormatInt(v.Generation, 10)
}

// Get returns the work, from the cache when its current version is there.
func (s *Store) Get(ctx context.Context, id string) (*work.Work, error) {
	v, err := s.Store.Version(ctx, id)
	if err != nil {
		return nil, err
	}
	if !v.LicencePending.IsZero() && !v.LicencePending.After(time.Now()) {
		return s.Store.Get(ctx, id)
	}
	if b, ok := s.cache.Get(ctx, Key(id, v)); ok {
		var w work.Work
		if json.Unmarshal(b, &w) == nil {
			return &w, nil
		}
	}
	w, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	s.put(ctx, w)
	return w, nil
}

// Create creates works and caches them.
func (s *Store) Create(ctx context.Context, owner string, ws []store.NewWork) ([]*work.Work, error) {
	out, err := s.Store.Create(ctx, owner, ws)
	if err == nil && len(out) == 1 {
		// A bulk load would only push out what readers use.
		s.put(ctx, out[0])
	}
	return out, err
}

// Update updates a work and caches its new version.
func (s *Store) Update(ctx context.Context, u store.Update) (*work.Work, error) {
	w, err := s.Store.Update(ctx, u)
	if err == nil {
		s.put(ctx, w)
	}
	return w, err
}

// put caches w under its own version: the version it was read at, which
// is not necessarily the one Get asked for if a write came in between.
func (s *Store) put(ctx context.Context, w *work.Work) {
	b, err := json.Marshal(w)
	if err != nil {
		return // a work is plain data and always marshals
	}
	s.cache.Set(ctx, Key(w.ID, store.Version{Seq: w.Seq, Generation: w.Generation}), b, TTL)
}
