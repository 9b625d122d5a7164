// Package storetest is the conformance suite of the lineage store: every
// Store implementation, on every engine, must pass it.
package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// Opener returns a fresh, empty store for one test.
type Opener func(t testing.TB) store.Store

// Run runs the suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"Duplicates", testDuplicates},
		{"RequestReplay", testRequestReplay},
		{"Cycles", testCycles},
		{"List", testList},
		{"Delete", testDelete},
		{"Epoch", testEpoch},
		{"Walk", testWalk},
		{"WalkDerivations", testWalkDerivations},
		{"ConcurrentEdgesNeverCloseACycle", testConcurrentCycles},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var at = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// edge returns a derivation of derivative from source with a plain check.
func edge(id, derivative, source string, r graph.Relation) *graph.Derivation {
	return &graph.Derivation{
		ID: id, Derivative: derivative, Source: source, Relation: r, Use: graph.UseIncorporate,
		SourceLicence: "MIT", DerivativeLicence: "GPL-3.0-only",
		Check: graph.Check{
			Verdict: graph.Compatible, Use: graph.UseIncorporate, Inbound: "MIT", Outbound: "GPL-3.0-only",
			Reasons: []graph.Reason{{Rule: "gpl-compat", Message: "MIT is GPL-compatible", Verdict: graph.Compatible,
				Sources: []graph.Source{{Title: "GNU licence list", URL: "https://www.gnu.org/licenses/license-list.html"}}}},
		},
		Recorder: "alice", CreateTime: at,
	}
}

func mustCreate(t *testing.T, s store.Store, d *graph.Derivation) *graph.Derivation {
	t.Helper()
	got, created, err := s.Create(context.Background(), d, store.Request{})
	if err != nil || !created {
		t.Fatalf("Create(%s: %s -> %s) = %v, %v", d.ID, d.Derivative, d.Source, created, err)
	}
	return got
}

// chain records a derivation for each arrow of "a>b c>d": a derives from b.
func chain(t *testing.T, s store.Store, arrows string) {
	t.Helper()
	for _, a := range strings.Fields(arrows) {
		from, to, _ := strings.Cut(a, ">")
		mustCreate(t, s, edge(from+"-"+to, from, to, graph.Adaptation))
	}
}

func wantKind(t *testing.T, what string, err error, k apierr.Kind, reason string) *apierr.Error {
	t.Helper()
	e, ok := apierr.As(err)
	if !ok || e.Kind != k || (reason != "" && e.Reason != reason) {
		t.Fatalf("%s: %v; want kind %d reason %q", what, err, k, reason)
	}
	return e
}

func testCreateAndGet(t *testing.T, s store.Store) {
	ctx := context.Background()
	d := edge("d1", "b", "a", graph.Inclusion)
	d.Use, d.Check.Use = graph.UseLinkStatic, graph.UseLinkStatic
	d.Note, d.Portion, d.Conflict = "the parser", "src/parse", true
	d.Check.Conditions = []string{"object files provided"}
	d.SourceTime = time.Date(2023, 8, 9, 10, 11, 12, 13000, time.UTC)
	got := mustCreate(t, s, d)
	want := *d
	want.CreateTime = at.Truncate(time.Microsecond)
	if !equal(got, &want) {
		t.Fatalf("Create returned %+v; want %+v", got, want)
	}
	read, err := s.Get(ctx, "d1")
	if err != nil || !equal(read, &want) {
		t.Fatalf("Get = %+v, %v; want %+v", read, err, want)
	}
	if read.Etag() == "" || read.Etag() != got.Etag() {
		t.Fatalf("etags %q and %q differ", read.Etag(), got.Etag())
	}
	_, err = s.Get(ctx, "nope")
	wantKind(t, "Get(nope)", err, apierr.NotFound, "")
	// Without a source time, the material was taken when it was recorded.
	mustCreate(t, s, edge("d2", "c", "a", graph.Adaptation))
	if read, err := s.Get(ctx, "d2"); err != nil || !read.SourceTime.Equal(read.CreateTime) {
		t.Fatalf("Get(d2) = %+v, %v; want its source time to be its create time", read, err)
	}
}

func equal(a, b *graph.Derivation) bool {
	return fmt.Sprintf("%+v", *a) == fmt.Sprintf("%+v", *b) && a.CreateTime.Equal(b.CreateTime)
}

func testDuplicates(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustCreate(t, s, edge("d1", "b", "a", graph.Adaptation))
	_, _, err := s.Create(ctx, edge("d1", "c", "a", graph.Adaptation), store.Request{})
	wantKind(t, "same id", err, apierr.AlreadyExists, "")
	_, _, err = s.Create(ctx, edge("d2", "b", "a", graph.Adaptation), store.Request{})
	e := wantKind(t, "same edge and relation", err, apierr.AlreadyExists, "")
	if e.Resource != "derivations/d1" {
		t.Errorf("duplicate edge names %q; want derivations/d1", e.Resource)
	}
	// The same works may be related twice in different ways.
	mustCreate(t, s, edge("d3", "b", "a", graph.Dependency))
}

func testRequestReplay(t *testing.T, s store.Store) {
	ctx := context.Background()
	req := store.Request{Principal: "alice", ID: "r-1", Fingerprint: "f1"}
	first, created, err := s.Create(ctx, edge("d1", "b", "a", graph.Adaptation), req)
	if err != nil || !created {
		t.Fatalf("first Create = %v, %v", created, err)
	}
	_, _, err = s.Create(ctx, edge("d2", "b", "a", graph.Adaptation), store.Request{Principal: "alice", ID: "r-1", Fingerprint: "f2"})
	wantKind(t, "request id reused with other content", err, apierr.InvalidArgument, "REQUEST_ID_REUSED")
	// A retry generated another id; the first result comes back.
	again, created, err := s.Create(ctx, edge("d2", "b", "a", graph.Adaptation), req)
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("retry = %v, %v, %v; want d1, not created", again, created, err)
	}
	if got, err := s.ByRequest(ctx, req); err != nil || got.ID != "d1" {
		t.Fatalf("ByRequest = %v, %v", got, err)
	}
	_, err = s.ByRequest(ctx, store.Request{Principal: "bob", ID: "r-1"})
	wantKind(t, "another principal's request", err, apierr.NotFound, "")
	// The same request id from another principal is another request.
	if _, created, err := s.Create(ctx, edge("d3", "c", "a", graph.Adaptation), store.Request{Principal: "bob", ID: "r-1"}); err != nil || !created {
		t.Fatalf("bob's r-1 = %v, %v", created, err)
	}
}

func testCycles(t *testing.T, s store.Store) {
	ctx := context.Background()
	chain(t, s, "b>a c>b d>c")
	tests := []struct {
		derivative, source string
		cycle              string
	}{
		{"a", "a", "works/a,works/a"},
		{"a", "b", "works/a,works/b,works/a"},
		{"a", "d", "works/a,works/d,works/c,works/b,works/a"},
		{"b", "d", "works/b,works/d,works/c,works/b"},
	}
	for _, tt := range tests {
		_, _, err := s.Create(ctx, edge("x", tt.derivative, tt.source, graph.Remix), store.Request{})
		e := wantKind(t, tt.derivative+" -> "+tt.source, err, apierr.FailedPrecondition, "CYCLE")
		if e.Metadata["cycle"] != tt.cycle || len(e.Violations) != 1 || e.Violations[0].Subject != "works/"+tt.derivative ||
			!strings.Contains(e.Violations[0].Description, strings.ReplaceAll(tt.cycle, ",", " -> ")) {
			t.Errorf("%s -> %s: cycle %q, violations %+v; want %s", tt.derivative, tt.source, e.Metadata["cycle"], e.Violations, tt.cycle)
		}
	}
	// A shortcut is not a cycle.
	mustCreate(t, s, edge("d-a", "d", "a", graph.Fork))
}

func testList(t *testing.T, s store.Store) {
	ctx := context.Background()
	chain(t, s, "b>a c>a d>a c>b")
	conflicting := edge("e-a", "e", "a", graph.Training)
	conflicting.Conflict = true
	mustCreate(t, s, conflicting)
	ids := func(ds []*graph.Derivation) string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		name string
		q    store.ListQuery
		want string
	}{
		{"by source", store.ListQuery{Sources: []string{"a"}}, "b-a c-a d-a e-a"},
		{"by derivative", store.ListQuery{Derivatives: []string{"c"}}, "c-a c-b"},
		{"both", store.ListQuery{Derivatives: []string{"c"}, Sources: []string{"b"}}, "c-b"},
		{"relation", store.ListQuery{Sources: []string{"a"}, RelationMask: 1 << graph.Training}, "e-a"},
		{"conflicts", store.ListQuery{Sources: []string{"a"}, ConflictsOnly: true}, "e-a"},
		{"none", store.ListQuery{Derivatives: []string{"a"}}, ""},
		{"several derivatives", store.ListQuery{Derivatives: []string{"c", "b", "zz"}}, "b-a c-a c-b"},
		{"several sources", store.ListQuery{Sources: []string{"b", "a"}, Derivatives: []string{"c"}}, "c-a c-b"},
	}
	for _, tt := range tests {
		tt.q.Limit = 100
		got, next, err := s.List(ctx, tt.q)
		if err != nil || ids(got) != tt.want || next != 0 {
			t.Errorf("%s: List = %q, %d, %v; want %q", tt.name, ids(got), next, err, tt.want)
		}
	}
	var pages []string
	q := store.ListQuery{Sources: []string{"a"}, Limit: 3}
	for {
		got, next, err := s.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, ids(got))
		if next == 0 {
			break
		}
		q.After = next
	}
	if strings.Join(pages, "|") != "b-a c-a d-a|e-a" {
		t.Errorf("pages = %q", pages)
	}
}

func testDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	req := store.Request{Principal: "alice", ID: "r"}
	d, _, err := s.Create(ctx, edge("d1", "b", "a", graph.Adaptation), req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Delete(ctx, "d1", "stale")
	wantKind(t, "stale etag", err, apierr.Aborted, "ETAG_MISMATCH")
	if _, err := s.Delete(ctx, "d1", d.Etag()); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, "d1")
	wantKind(t, "Get after Delete", err, apierr.NotFound, "")
	_, err = s.Delete(ctx, "d1", "")
	wantKind(t, "Delete again", err, apierr.NotFound, "")
	// The edge is gone: the reverse edge no longer closes a cycle, and the
	// request may create anew.
	mustCreate(t, s, edge("d2", "a", "b", graph.Adaptation))
	if _, created, err := s.Create(ctx, edge("d3", "c", "a", graph.Adaptation), req); err != nil || !created {
		t.Fatalf("replayed request after delete = %v, %v; want created", created, err)
	}
}

func testEpoch(t *testing.T, s store.Store) {
	ctx := context.Background()
	epoch := func() int64 {
		e, err := s.Epoch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e0 := epoch()
	mustCreate(t, s, edge("d1", "b", "a", graph.Adaptation))
	e1 := epoch()
	if e1 <= e0 {
		t.Fatalf("epoch %d after a create; was %d", e1, e0)
	}
	if _, _, err := s.Create(ctx, edge("d2", "a", "b", graph.Adaptation), store.Request{}); err == nil {
		t.Fatal("cycle accepted")
	}
	if e := epoch(); e != e1 {
		t.Fatalf("a refused create moved the epoch from %d to %d", e1, e)
	}
	if _, err := s.Delete(ctx, "d1", ""); err != nil {
		t.Fatal(err)
	}
	if e := epoch(); e <= e1 {
		t.Fatalf("epoch %d after a delete; was %d", e, e1)
	}
}

// closure formats a closure as "work:depth:path" items.
func closure(c *graph.Closure) string {
	var out []string
	for i := range c.Nodes[1:] {
		works, _, _ := c.Path(i + 1)
		out = append(out, fmt.Sprintf("%s:%d:%s", c.Nodes[i+1].Work, c.Nodes[i+1].Depth, strings.Join(works, "")))
	}
	s := strings.Join(out, " ")
	if c.Truncated {
		s += " (truncated)"
	}
	return s
}

func testWalk(t *testing.T, s store.Store) {
	ctx := context.Background()
	// f derives from e and d; e from c; d from c and b; c from a; b from a;
	// g is unrelated to f. A dependency edge and a long way round too.
	chain(t, s, "f>e f>d e>c d>c d>b c>a b>a g>a")
	mustCreate(t, s, edge("f-z", "f", "z", graph.Dependency))
	tests := []struct {
		name string
		w    graph.Walk
		want string
	}{
		{"ancestors", graph.Walk{Root: "f", Direction: graph.Up, MaxDepth: 10},
			"d:1:fd e:1:fe z:1:fz b:2:fdb c:2:fdc a:3:fdba"},
		{"bounded", graph.Walk{Root: "f", Direction: graph.Up, MaxDepth: 2},
			"d:1:fd e:1:fe z:1:fz b:2:fdb c:2:fdc (truncated)"},
		{"exactly deep enough", graph.Walk{Root: "f", Direction: graph.Up, MaxDepth: 3},
			"d:1:fd e:1:fe z:1:fz b:2:fdb c:2:fdc a:3:fdba"},
		{"relations", graph.Walk{Root: "f", Direction: graph.Up, MaxDepth: 10, Relations: []graph.Relation{graph.Dependency}},
			"z:1:fz"},
		{"descendants", graph.Walk{Root: "a", Direction: graph.Down, MaxDepth: 10},
			"b:1:ab c:1:ac g:1:ag d:2:abd e:2:ace f:3:abdf"},
		{"leaf", graph.Walk{Root: "f", Direction: graph.Down, MaxDepth: 10}, ""},
		{"unknown work", graph.Walk{Root: "nope", Direction: graph.Up, MaxDepth: 10}, ""},
	}
	for _, tt := range tests {
		edges, err := s.Walk(ctx, tt.w)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := closure(graph.NewClosure(tt.w, edges)); got != tt.want {
			t.Errorf("%s = %q; want %q", tt.name, got, tt.want)
		}
	}
	edges, err := s.Walk(ctx, graph.Walk{Root: "f", Direction: graph.Up, MaxDepth: 10})
	if err != nil {
		t.Fatal(err)
	}
	paths, more := graph.Paths(graph.Walk{Root: "f", Direction: graph.Up, MaxDepth: 10}, edges, "a", 0, 10)
	var got []string
	for _, p := range paths {
		got = append(got, strings.Join(p.Works, ""))
	}
	if strings.Join(got, " ") != "fdba fdca feca" || more {
		t.Errorf("paths f to a = %q, %v", got, more)
	}
}

func testWalkDerivations(t *testing.T, s store.Store) {
	chain(t, s, "c>b b>a")
	ds, err := s.WalkDerivations(context.Background(), graph.Walk{Root: "c", Direction: graph.Up, MaxDepth: 5})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.ID)
		if d.SourceLicence != "MIT" || d.DerivativeLicence != "GPL-3.0-only" || d.Relation != graph.Adaptation || d.Recorder != "alice" {
			t.Errorf("%s lost fields: %+v", d.ID, d)
		}
	}
	slices.Sort(ids)
	if strings.Join(ids, " ") != "b-a c-b" {
		t.Errorf("WalkDerivations = %v", ids)
	}
}

func testConcurrentCycles(t *testing.T, s store.Store) { ConcurrentCycles(t, s) }

// ConcurrentCycles races edges that close cycles only together: for each
// group, the edges x0->x1, x1->x2, ..., x(n-1)->x0 start at once, spread
// over the stores given (one store, or several over one database, as
// replicas are). All of them would close the cycle, so exactly one must
// fail, whatever the interleaving; the graph stays acyclic.
func ConcurrentCycles(t *testing.T, stores ...store.Store) {
	s := stores[0]
	ctx := context.Background()
	const groups = 12
	type outcome struct {
		group int
		err   error
	}
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		out   = make(chan outcome, groups*3)
	)
	for g := range groups {
		n := 2 + g%2 // pairs and triangles
		for i := range n {
			from, to := fmt.Sprintf("g%d-%d", g, i), fmt.Sprintf("g%d-%d", g, (i+1)%n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, _, err := stores[(g+i)%len(stores)].Create(ctx, edge(from+"-"+to, from, to, graph.Fork), store.Request{})
				out <- outcome{g, err}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(out)
	failed := make([]int, groups)
	for o := range out {
		if o.err == nil {
			continue
		}
		if e, ok := apierr.As(o.err); !ok || e.Reason != "CYCLE" {
			t.Errorf("group %d: %v; want a cycle refusal", o.group, o.err)
			continue
		}
		failed[o.group]++
	}
	for g, f := range failed {
		if f != 1 {
			t.Errorf("group %d: %d edges refused; want exactly 1", g, f)
		}
	}
	// Whatever was accepted, no work reaches itself.
	for g := range groups {
		root := fmt.Sprintf("g%d-0", g)
		edges, err := s.Walk(ctx, graph.Walk{Root: root, Direction: graph.Up, MaxDepth: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range edges {
			if e.Source == root {
				t.Errorf("group %d: %s reaches itself", g, root)
			}
		}
	}
}
