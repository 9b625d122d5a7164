// Package storetest is the conformance suite of catalog stores: what every
// store.Store must do, whatever its engine and whatever decorates it. Run
// it against each backend (see store's own test, which runs it on SQLite
// and on the real PostgreSQL).
package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
)

// Opener returns a fresh, empty store for one test.
type Opener func(t testing.TB) store.Store

// The principals the suite acts as.
var (
	Alice = auth.Principal{Name: "alice"}
	Bob   = auth.Principal{Name: "bob"}
	Root  = auth.Principal{Name: "root", Admin: true}
	// Lineage is the internal principal, as the lineage service calls.
	Lineage = auth.Principal{Name: auth.InternalPrincipal, Internal: true}
)

// Run runs every conformance test, each on a fresh store.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"ChosenIDs", testChosenIDs},
		{"RequestIDs", testRequestIDs},
		{"BatchCreateIsAllOrNothing", testBatchAllOrNothing},
		{"BatchCreateLarge", testBatchLarge},
		{"BatchGet", testBatchGet},
		{"ListFilters", testListFilters},
		{"ListPages", testListPages},
		{"Lookup", testLookup},
		{"LongTerms", testLongTerms},
		{"Update", testUpdate},
		{"DeclaredLicences", testDeclaredLicences},
		{"UpdateTerms", testUpdateTerms},
		{"LicenceHistory", testLicenceHistory},
		{"Similar", testSimilar},
		{"LicenceTime", testLicenceTime},
		{"Delete", testDelete},
		{"LicenceEventsOutbox", testLicenceEvents},
		{"Liens", testLiens},
		{"ConcurrentUpdatesLoseNothing", testConcurrentUpdates},
		{"ConcurrentEtagUpdatesLoseNothing", testConcurrentEtagUpdates},
		{"ConcurrentRetriesMakeOneWork", testConcurrentRetries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var ctx = context.Background()

// Licence returns a licence as the licences service would have validated
// it.
func Licence(expr string, ids ...string) work.Licence {
	if expr == "" {
		return work.Licence{Status: work.LicenceNone}
	}
	status := work.LicenceKnown
	for _, id := range ids {
		if strings.HasPrefix(id, "LicenseRef-") {
			status = work.LicenceUnknown
		}
	}
	return work.Licence{Expression: expr, IDs: ids, Status: status}
}

// sample returns a normalised work; n makes its digest and identifier its
// own.
func sample(n int) *work.Work {
	w := &work.Work{
		Kind:        work.Software,
		Title:       fmt.Sprintf("Work %d", n),
		Description: "A work of the conformance suite.",
		Creators:    []work.Creator{{Name: "Ada Lovelace", Role: "author", URI: "https://orcid.org/0000-0002-1825-0097"}},
		SourceURIs:  []string{fmt.Sprintf("https://example.org/src/%d", n)},
		Identifiers: []work.Identifier{{Type: work.PURL, Value: fmt.Sprintf("pkg:npm/work-%d@1.0.0", n)}},
		Digests:     []string{Digest(n)},
		Version:     "1.0.0",
		Licence:     Licence("MIT", "MIT"),
	}
	if err := work.Normalise(w, work.AllFields, ""); err != nil {
		panic(err)
	}
	return w
}

// Digest returns a sha256 digest made from n.
func Digest(n int) string { return fmt.Sprintf("sha256:%064x", n) }

func create(t testing.TB, s store.Store, owner string, ws ...*work.Work) []*work.Work {
	t.Helper()
	nws := make([]store.NewWork, len(ws))
	for i, w := range ws {
		nws[i] = store.NewWork{Work: w}
	}
	out, err := s.Create(ctx, owner, nws)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return out
}

func get(t testing.TB, s store.Store, id string) *work.Work {
	t.Helper()
	w, err := s.Get(ctx, id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return w
}

// wantKind fails unless err is an apierr.Error of kind k.
func wantKind(t testing.TB, what string, err error, k apierr.Kind) *apierr.Error {
	t.Helper()
	e, ok := apierr.As(err)
	if !ok || e.Kind != k {
		t.Fatalf("%s: %v; want kind %d", what, err, k)
	}
	return e
}

// all lists every work, page by page.
func all(t testing.TB, s store.Store) []*work.Work {
	t.Helper()
	var out []*work.Work
	p := store.Page{Size: 100}
	for {
		ws, next, err := s.List(ctx, nil, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ws...)
		if next == 0 {
			return out
		}
		p.After = next
	}
}

func ids(ws []*work.Work) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.ID
	}
	return out
}
