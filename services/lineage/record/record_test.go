package record_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
	"github.com/stemma-registry/stemma/services/lineage/audit"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/record"
	"github.com/stemma-registry/stemma/services/lineage/sbom"
	"github.com/stemma-registry/stemma/services/lineage/store"
	"github.com/stemma-registry/stemma/services/lineage/watch"
)

// These tests drive the use cases over in-memory ports to reach what the
// loopback tests of lineageservice cannot: a called service failing in
// the middle of a write. The lineage store is the real one, on SQLite.

// catalog is the catalog port: works by id, the liens placed, and a fault
// to answer the n-th PlaceLiens call with.
type catalog struct {
	works    map[string]*record.Work
	liens    map[string]bool // work/id
	calls    int
	failCall int
	fail     error
	deleted  []string
}

func (c *catalog) Works(_ context.Context, ids []string, _ time.Time) (map[string]*record.Work, error) {
	out := map[string]*record.Work{}
	for _, id := range ids {
		if w := c.works[id]; w != nil {
			out[id] = w
		}
	}
	return out, nil
}

func (c *catalog) Lookup(_ context.Context, ls []record.Lookup) ([][]*record.Work, error) {
	return make([][]*record.Work, len(ls)), nil
}

func (c *catalog) PlaceLiens(_ context.Context, ls []record.Lien) error {
	c.calls++
	if c.calls == c.failCall {
		return c.fail
	}
	for _, l := range ls {
		c.liens[l.Work+"/"+l.ID] = true
	}
	return nil
}

func (c *catalog) LiftLien(_ context.Context, work, id string) error {
	if !c.liens[work+"/"+id] {
		return &record.ServiceError{Service: "catalog", Fault: record.Missing, Message: "no such lien", Index: -1}
	}
	delete(c.liens, work+"/"+id)
	return nil
}

func (c *catalog) DeleteWork(_ context.Context, id string) error {
	c.deleted = append(c.deleted, id)
	delete(c.works, id)
	return nil
}

// registry registers works into the catalog, or refuses with fail.
type registry struct {
	c    *catalog
	fail error
}

func (r *registry) CreateWorks(_ context.Context, ws []record.NewWork) ([]*record.Work, error) {
	if r.fail != nil {
		return nil, r.fail
	}
	out := make([]*record.Work, len(ws))
	for i, w := range ws {
		id := fmt.Sprintf("w%d", len(r.c.works)+1)
		out[i] = &record.Work{ID: id, Owner: "alice", Kind: w.Kind, Title: w.Title, Version: w.Version, Licence: w.Licence, CreateTime: time.Now()}
		r.c.works[id] = out[i]
	}
	return out, nil
}

// licences finds every licence compatible with every other.
type licences struct{}

func (licences) Check(_ context.Context, qs []audit.Question) ([]graph.Check, error) {
	out := make([]graph.Check, len(qs))
	for i, q := range qs {
		out[i] = graph.Check{Verdict: graph.Compatible, Use: q.Use, Inbound: q.Inbound, Outbound: q.Outbound}
	}
	return out, nil
}

func (licences) Parse(_ context.Context, expr string) (record.Expression, error) {
	return record.Expression{Canonical: expr, IDs: []string{expr}}, nil
}

func (licences) Suggest(context.Context, []string, graph.Use, []string) ([]record.Suggestion, []string, error) {
	return nil, nil, nil
}

type noCurations struct{}

func (noCurations) ForPackages(context.Context) (func(string, string) (record.Curated, bool), error) {
	return func(string, string) (record.Curated, bool) { return record.Curated{}, false }, nil
}

type events struct{ published []watch.Event }

func (e *events) Publish(_ context.Context, ev watch.Event) { e.published = append(e.published, ev) }

const doc = `{"bomFormat": "CycloneDX", "specVersion": "1.5",
 "metadata": {"component": {"bom-ref": "app", "type": "application", "name": "app", "version": "1.0",
   "licenses": [{"license": {"id": "MIT"}}]}},
 "components": [
  {"bom-ref": "lib", "type": "library", "name": "lib", "version": "2.0", "purl": "pkg:golang/example.com/lib@2.0",
   "licenses": [{"license": {"id": "MIT"}}]},
  {"bom-ref": "base", "type": "library", "name": "base", "version": "3.0", "purl": "pkg:golang/example.com/base@3.0",
   "licenses": [{"license": {"id": "Apache-2.0"}}]}],
 "dependencies": [{"ref": "app", "dependsOn": ["lib"]}, {"ref": "lib", "dependsOn": ["base"]}]}`

func setup(t *testing.T) (*record.Recorder, *catalog, *registry, *events, store.Store) {
	t.Helper()
	st := store.New(storagetest.OpenSQLite(t, store.Service, store.Migrations()))
	c := &catalog{works: map[string]*record.Work{}, liens: map[string]bool{}}
	reg := &registry{c: c}
	ev := &events{}
	r := &record.Recorder{
		Catalog: c, Registry: reg, Licences: licences{}, Curations: noCurations{}, Store: st, Events: ev,
		MaxBatch: 2, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return r, c, reg, ev, st
}

func importRequest(t *testing.T) record.ImportRequest {
	t.Helper()
	d, err := sbom.Read([]byte(doc), sbom.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return record.ImportRequest{Principal: auth.Principal{Name: "alice"}, Doc: d, Digest: sha256.Sum256([]byte(doc))}
}

// The catalog fails after the import registered its works and placed the
// first derivation's liens: the import answers with the catalog's fault,
// and leaves neither works, liens, derivations nor events behind.
func TestImportUndoesWhatItDidWhenTheCatalogFailsMidway(t *testing.T) {
	ctx := context.Background()
	r, c, _, ev, st := setup(t)
	down := &record.ServiceError{Service: "catalog", Fault: record.Unavailable, Message: "connection refused", Index: -1}
	c.failCall, c.fail = 2, down // MaxBatch 2: one derivation's two liens a call

	_, err := r.Import(ctx, importRequest(t))
	var se *record.ServiceError
	if !errors.As(err, &se) || se.Fault != record.Unavailable {
		t.Fatalf("Import = %v; want the catalog's Unavailable fault", err)
	}
	if c.calls != 2 {
		t.Fatalf("PlaceLiens called %d times; the failure was meant for the second", c.calls)
	}
	slices.Sort(c.deleted)
	if !slices.Equal(c.deleted, []string{"w1", "w2", "w3"}) || len(c.works) != 0 {
		t.Errorf("works deleted %v, left %v; want the three the import registered deleted", c.deleted, c.works)
	}
	if len(c.liens) != 0 {
		t.Errorf("liens left behind: %v", c.liens)
	}
	for _, w := range []string{"w1", "w2", "w3"} {
		ds, _, err := st.List(ctx, store.ListQuery{Derivatives: []string{w}, Limit: 10})
		if err != nil || len(ds) != 0 {
			t.Errorf("derivations of %s: %v, %v", w, ds, err)
		}
	}
	if len(ev.published) != 0 {
		t.Errorf("events published for an import that failed: %v", ev.published)
	}

	// The same import once the catalog is back records both derivations.
	c.failCall = 0
	im, err := r.Import(ctx, importRequest(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Edges) != 2 || len(ev.published) != 2 || len(c.liens) != 4 {
		t.Errorf("retry: %d edges, %d events, liens %v", len(im.Edges), len(ev.published), c.liens)
	}
}

// A work the catalog refuses is named by the component it came from: the
// catalog names the request of its batch, the use case the field of the
// document.
func TestImportNamesTheComponentOfARefusedWork(t *testing.T) {
	r, c, reg, _, _ := setup(t)
	reg.fail = &record.ServiceError{Service: "catalog", Fault: record.Invalid, Message: "work.version: too long", Index: 2}

	_, err := r.Import(context.Background(), importRequest(t))
	var ie *record.InvalidError
	if !errors.As(err, &ie) || !strings.HasPrefix(ie.Field, "sbom.") || !strings.Contains(ie.Message, "component base: work.version: too long") {
		t.Fatalf("Import = %#v; want the field of the third component (base)", err)
	}
	if c.calls != 0 {
		t.Errorf("liens placed for an import whose works were refused: %d calls", c.calls)
	}

	// A refusal that names no request of the batch stays the service's.
	reg.fail = &record.ServiceError{Service: "catalog", Fault: record.Invalid, Message: "too many works", Index: -1}
	_, err = r.Import(context.Background(), importRequest(t))
	var se *record.ServiceError
	if !errors.As(err, &se) || errors.As(err, &ie) {
		t.Fatalf("Import = %#v; want the catalog's refusal as it came", err)
	}
}

// A derivation the store refuses (here a cycle through a recorded one)
// lifts the liens placed for it, and keeps those of the derivation that
// stands.
func TestDerivationLiftsItsLiensWhenTheStoreRefuses(t *testing.T) {
	ctx := context.Background()
	r, c, _, ev, _ := setup(t)
	for _, id := range []string{"app", "lib"} {
		c.works[id] = &record.Work{ID: id, Owner: "alice", Kind: record.KindSoftware, Licence: "MIT"}
	}
	alice := auth.Principal{Name: "alice"}
	n := func(id, derivative, source string) record.NewDerivation {
		return record.NewDerivation{Derivation: graph.Derivation{
			ID: id, Derivative: derivative, Source: source, Relation: graph.Inclusion, Use: graph.UseLinkStatic,
		}}
	}
	if _, err := r.Derivation(ctx, alice, n("d1", "app", "lib")); err != nil {
		t.Fatal(err)
	}
	_, err := r.Derivation(ctx, alice, n("d2", "lib", "app"))
	if err == nil || !strings.Contains(err.Error(), "derive") {
		t.Fatalf("a cycle: %v", err)
	}
	want := map[string]bool{"app/d1": true, "lib/d1": true}
	if !maps.Equal(c.liens, want) {
		t.Errorf("liens %v; want only d1's", c.liens)
	}
	if len(ev.published) != 1 {
		t.Errorf("%d events; want d1's alone", len(ev.published))
	}

	// The derivative must be the principal's, and exist.
	var de *record.DeniedError
	if _, err := r.Derivation(ctx, auth.Principal{Name: "bob"}, n("d3", "lib", "app")); !errors.As(err, &de) || de.Work != "lib" {
		t.Errorf("bob's derivation on alice's work: %v", err)
	}
	var nf *record.NotFoundError
	if _, err := r.Derivation(ctx, alice, n("d4", "gone", "app")); !errors.As(err, &nf) || nf.Work != "gone" {
		t.Errorf("a derivative the catalog does not have: %v", err)
	}
}
