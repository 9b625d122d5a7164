package graph_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// edges parses "a>b c>d" (a derives from b) into edges named after them.
func edges(arrows string) []graph.Edge {
	var out []graph.Edge
	for _, a := range strings.Fields(arrows) {
		from, to, _ := strings.Cut(a, ">")
		out = append(out, graph.Edge{ID: from + to, Derivative: from, Source: to, Relation: graph.Adaptation})
	}
	return out
}

func TestEffectiveUse(t *testing.T) {
	tests := []struct {
		r    graph.Relation
		u    graph.Use
		want graph.Use
		bad  bool
	}{
		{graph.Adaptation, 0, graph.UseIncorporate, false},
		{graph.Copy, 0, graph.UseIncorporate, false},
		{graph.Dependency, 0, graph.UseLinkDynamic, false},
		{graph.Dependency, graph.UseLinkStatic, graph.UseLinkStatic, false},
		{graph.Inclusion, graph.UseAggregate, graph.UseAggregate, false},
		{graph.Training, 0, graph.UseTraining, false},
		{graph.Training, graph.UseTraining, graph.UseTraining, false},
		{graph.Training, graph.UseIncorporate, 0, true},
		{graph.Remix, graph.UseTraining, 0, true},
		{graph.Remix, 42, 0, true},
	}
	for _, tt := range tests {
		got, err := graph.EffectiveUse(tt.r, tt.u)
		if tt.bad {
			if !apierr.Is(err, apierr.InvalidArgument) {
				t.Errorf("EffectiveUse(%d, %d) = %d, %v; want INVALID_ARGUMENT", tt.r, tt.u, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("EffectiveUse(%d, %d) = %d, %v; want %d", tt.r, tt.u, got, err, tt.want)
		}
	}
}

func TestChange(t *testing.T) {
	tests := []struct {
		d    graph.Derivation
		want string
	}{
		{graph.Derivation{Relation: graph.Adaptation, Note: "colours changed"}, "adapted: colours changed"},
		{graph.Derivation{Relation: graph.Translation, Portion: "chapter 2"}, "translated (chapter 2)"},
		{graph.Derivation{Relation: graph.Inclusion, Use: graph.UseLinkDynamic}, "included, linked dynamically"},
		{graph.Derivation{Relation: graph.Training, Use: graph.UseTraining}, "used to train a model"},
	}
	for _, tt := range tests {
		if got := tt.d.Change(); got != tt.want {
			t.Errorf("Change() = %q; want %q", got, tt.want)
		}
	}
}

func TestCycleError(t *testing.T) {
	e := graph.CycleError([]string{"a", "b", "c", "a"})
	if e.Kind != apierr.FailedPrecondition || e.Reason != "CYCLE" || e.Metadata["cycle"] != "works/a,works/b,works/c,works/a" ||
		!strings.Contains(e.Message, "works/a -> works/b -> works/c -> works/a") {
		t.Fatalf("CycleError = %+v", e)
	}
}

func TestClosureRoundTrip(t *testing.T) {
	w := graph.Walk{Root: "f", Direction: graph.Up, MaxDepth: 2}
	c := graph.NewClosure(w, edges("f>e f>d e>c d>c d>b c>a"))
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got graph.Closure
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(*c) || !got.Truncated {
		t.Fatalf("round trip = %+v; want %+v", got, *c)
	}
	for cut := range b {
		var bad graph.Closure
		if bad.UnmarshalBinary(b[:cut]) == nil {
			t.Fatalf("a closure cut at %d of %d bytes decoded", cut, len(b))
		}
	}
	var onward []string
	for _, n := range c.Nodes {
		if n.Onward {
			onward = append(onward, n.Work)
		}
	}
	// c derives from a, but a is beyond the bound.
	if strings.Join(onward, "") != "fde" {
		t.Errorf("onward works = %v; want f d e", onward)
	}
	works, derivations, relations := c.Path(len(c.Nodes) - 1)
	if strings.Join(works, "") != "fdc" || strings.Join(derivations, " ") != "fd dc" || len(relations) != 2 {
		t.Errorf("Path(last) = %v %v %v", works, derivations, relations)
	}
	if i := c.After(1, "d"); c.Nodes[i].Work != "e" {
		t.Errorf("After(1, d) = %d (%s); want e", i, c.Nodes[i].Work)
	}
	if i := c.After(2, "c"); i != len(c.Nodes) {
		t.Errorf("After(last) = %d; want %d", i, len(c.Nodes))
	}
}

// A ladder of n rungs has 2^n paths from top to bottom: paging through
// them must not list them all.
func TestPathsPageThroughExponentiallyMany(t *testing.T) {
	var arrows []string
	for i := range 40 {
		arrows = append(arrows, fmt.Sprintf("l%d>l%d l%d>r%d r%d>l%d r%d>r%d", i, i+1, i, i+1, i, i+1, i, i+1))
	}
	es := edges(strings.Join(arrows, " "))
	w := graph.Walk{Root: "l0", Direction: graph.Up, MaxDepth: 100}
	first, more := graph.Paths(w, es, "l40", 0, 3)
	if len(first) != 3 || !more {
		t.Fatalf("first page: %d paths, more %v", len(first), more)
	}
	if got := strings.Join(first[0].Works, ""); got != pathOf("l", 41) {
		t.Errorf("first path = %s", got)
	}
	// The last path of 2^39 (the last step must land on l40): all r, then l40.
	last, more := graph.Paths(w, es, "l40", 1<<39-1, 3)
	if len(last) != 1 || more || last[0].Works[39] != "r39" || last[0].Works[40] != "l40" {
		t.Fatalf("last page = %v, %v", last, more)
	}
	if none, more := graph.Paths(w, es, "l40", 1<<39, 3); len(none) != 0 || more {
		t.Fatalf("past the end = %v, %v", none, more)
	}
}

func pathOf(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s%d", prefix, i)
	}
	return b.String()
}

func TestPathsShortestFirst(t *testing.T) {
	w := graph.Walk{Root: "a", Direction: graph.Up, MaxDepth: 5}
	es := edges("a>b b>c c>d a>d a>c")
	paths, _ := graph.Paths(w, es, "d", 0, 10)
	var got []string
	for _, p := range paths {
		got = append(got, strings.Join(p.Works, ""))
	}
	if strings.Join(got, " ") != "ad acd abcd" {
		t.Fatalf("paths = %v", got)
	}
	w.MaxDepth = 2
	if paths, _ := graph.Paths(w, es, "d", 0, 10); len(paths) != 2 {
		t.Fatalf("bounded by 2: %d paths", len(paths))
	}
	if paths, _ := graph.Paths(w, es, "z", 0, 10); len(paths) != 0 {
		t.Fatalf("to an unrelated work: %v", paths)
	}
}

// The closure bound cuts a wide walk at exactly the bound, keeping the
// nearest works in closure order, and flags it; a walk within the bound
// is whole and unflagged.
func TestClosureWidthBound(t *testing.T) {
	// r has ten sources s0..s9; s0 has three more, t0..t2.
	var arrows []string
	for i := range 10 {
		arrows = append(arrows, fmt.Sprintf("r>s%d", i))
	}
	arrows = append(arrows, "s0>t0", "s0>t1", "s0>t2")
	es := edges(strings.Join(arrows, " "))
	for _, tt := range []struct {
		max    int
		want   int
		capped bool
	}{
		{0, 13, false}, {13, 13, false}, {20, 13, false},
		{12, 12, true}, {10, 10, true}, {4, 4, true}, {1, 1, true},
	} {
		w := graph.Walk{Root: "r", Direction: graph.Up, MaxDepth: 5, MaxNodes: tt.max}
		c := graph.NewClosure(w, es)
		if c.Relatives() != tt.want || c.Capped != tt.capped || c.Truncated != tt.capped {
			t.Errorf("max %d: %d relatives, capped %v, truncated %v; want %d, %v", tt.max, c.Relatives(), c.Capped, c.Truncated, tt.want, tt.capped)
		}
		// The kept works are the first of closure order: s0, s1, ... then t0...
		for i, n := range c.Nodes[1:] {
			want := fmt.Sprintf("s%d", i)
			if i >= 10 {
				want = fmt.Sprintf("t%d", i-10)
			}
			if n.Work != want {
				t.Errorf("max %d: relative %d is %s; want %s", tt.max, i, n.Work, want)
			}
		}
		// Onward only counts works kept: s0 leads on only if a t is kept.
		if got, want := c.Nodes[1].Onward, c.Relatives() > 10; got != want {
			t.Errorf("max %d: s0 onward = %v; want %v", tt.max, got, want)
		}
		b, _ := c.MarshalBinary()
		var back graph.Closure
		if err := back.UnmarshalBinary(b); err != nil || back.Capped != c.Capped || back.Truncated != c.Truncated {
			t.Errorf("max %d: round trip lost the flags: %v %+v", tt.max, err, back)
		}
	}
}

// A bounded closure computed from a complete one (Within) is the closure
// the bounded walk computes itself, for every bound and direction over
// random graphs: same works, paths, onward flags and truncation.
func TestWithinIsTheBoundedWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for g := 0; g < 300; g++ {
		n := 2 + rng.IntN(12)
		var es []graph.Edge
		for i := 0; i < n*2; i++ {
			from, to := rng.IntN(n), rng.IntN(n)
			if from == to {
				continue
			}
			es = append(es, graph.Edge{ID: fmt.Sprintf("e%d", i), Derivative: fmt.Sprintf("w%02d", from), Source: fmt.Sprintf("w%02d", to), Relation: graph.Fork})
		}
		for _, dir := range []graph.Direction{graph.Up, graph.Down} {
			root := fmt.Sprintf("w%02d", rng.IntN(n))
			full := graph.NewClosure(graph.Walk{Root: root, Direction: dir, MaxDepth: n + 1}, es)
			if full.Truncated {
				t.Fatalf("graph %d: a bound beyond the number of works truncated the walk", g)
			}
			for d := 1; d <= n+1; d++ {
				want := graph.NewClosure(graph.Walk{Root: root, Direction: dir, MaxDepth: d}, es)
				if got := full.Within(d); !reflect.DeepEqual(got, want) {
					t.Fatalf("graph %d %v, root %s, bound %d:\nWithin = %+v\nwalk   = %+v", g, es, root, d, got, want)
				}
			}
		}
	}
}
