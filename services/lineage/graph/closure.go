package graph

import (
	"cmp"
	"encoding/binary"
	"errors"
	"slices"
	"sort"
)

// Node is one work of a closure, reached by a shortest path.
type Node struct {
	Work  string
	Depth int
	// Parent is the index of the previous work on the shortest path; -1
	// for the root.
	Parent int
	// Derivation and Relation are those of the edge from Parent to Work.
	Derivation string
	Relation   Relation
	// Onward reports that the walk goes on from the work to other works
	// of the closure: going up, that it derives from some of them.
	Onward bool
	// Lateral reports that the work leads to a work of the closure no
	// deeper than itself: what Onward would be in the closure bounded at
	// the work's depth (see Within).
	Lateral bool
}

// Closure is every work reachable from a root within a depth bound, each
// once, at its smallest depth, with one shortest path. Nodes[0] is the
// root; the others follow in (depth, work id) order, so that a parent
// always comes before its children and pages are stable.
type Closure struct {
	Nodes []Node
	// Truncated reports that a bound cut the walk short: some work at the
	// depth bound has derivations beyond it, or the closure bound was
	// reached (then Capped is set too).
	Truncated bool
	// Capped reports that the walk reached more works than the closure
	// bound (Walk.MaxNodes) allows: the closure holds exactly that many
	// relatives, the nearest in closure order.
	Capped bool
}

// Relatives returns the number of works in the closure besides the root.
func (c *Closure) Relatives() int { return len(c.Nodes) - 1 }

// Path returns the works, derivations and relations along the shortest
// path from the root to Nodes[i], the root included.
func (c *Closure) Path(i int) (works, derivations []string, relations []Relation) {
	n := c.Nodes[i].Depth
	works = make([]string, n+1)
	derivations = make([]string, n)
	relations = make([]Relation, n)
	for j := n; j >= 0; j-- {
		node := c.Nodes[i]
		works[j] = node.Work
		if j > 0 {
			derivations[j-1] = node.Derivation
			relations[j-1] = node.Relation
		}
		i = node.Parent
	}
	return works, derivations, relations
}

// After returns the index of the first relative after the position
// (depth, work) in closure order: where the page after a cursor starts.
func (c *Closure) After(depth int, work string) int {
	return sort.Search(len(c.Nodes), func(i int) bool {
		n := c.Nodes[i]
		return n.Depth > depth || n.Depth == depth && n.Work > work
	})
}

// Index returns a map from work id to node index.
func (c *Closure) Index() map[string]int {
	m := make(map[string]int, len(c.Nodes))
	for i, n := range c.Nodes {
		m[n.Work] = i
	}
	return m
}

// adjacency groups edges by the work a walk in direction d leaves from,
// each group ordered by the work it arrives at, then by derivation id, so
// that every walk over it is deterministic.
func adjacency(d Direction, edges []Edge) map[string][]Edge {
	adj := map[string][]Edge{}
	for _, e := range edges {
		from := d.From(e)
		adj[from] = append(adj[from], e)
	}
	for _, es := range adj {
		slices.SortFunc(es, func(a, b Edge) int {
			return cmp.Or(cmp.Compare(d.To(a), d.To(b)), cmp.Compare(a.ID, b.ID))
		})
	}
	return adj
}

// NewClosure computes the closure of w.Root from the edges a store
// returned for the walk w: a breadth-first search, level by level, each
// level in work id order, a work's parent being the first work of the
// previous level that reaches it. The edges must include those leaving
// the works at the depth bound, which only decide Truncated.
//
// With w.MaxNodes set, the walk stops at the level where the closure
// would exceed it, keeping that level's first works in work id order up
// to the bound: the same works whatever order the edges came in.
func NewClosure(w Walk, edges []Edge) *Closure {
	adj := adjacency(w.Direction, edges)
	c := &Closure{Nodes: []Node{{Work: w.Root, Parent: -1}}}
	seen := map[string]bool{w.Root: true}
	for start := 0; start < len(c.Nodes); {
		end := len(c.Nodes)
		depth := c.Nodes[start].Depth
		if depth == w.MaxDepth {
			for _, n := range c.Nodes[start:end] {
				if len(adj[n.Work]) > 0 {
					c.Truncated = true
					break
				}
			}
			break
		}
		for i := start; i < end; i++ {
			for _, e := range adj[c.Nodes[i].Work] {
				to := w.Direction.To(e)
				if seen[to] {
					continue
				}
				seen[to] = true
				c.Nodes = append(c.Nodes, Node{Work: to, Depth: depth + 1, Parent: i, Derivation: e.ID, Relation: e.Relation})
			}
		}
		level := c.Nodes[end:]
		// The level was appended in parent order; closure order is by work.
		// Parents stay valid: they point into earlier levels.
		slices.SortFunc(level, func(a, b Node) int { return cmp.Compare(a.Work, b.Work) })
		if w.MaxNodes > 0 && c.Relatives() > w.MaxNodes {
			for _, n := range c.Nodes[w.MaxNodes+1:] {
				delete(seen, n.Work)
			}
			c.Nodes = c.Nodes[:w.MaxNodes+1]
			c.Truncated, c.Capped = true, true
			break
		}
		start = end
	}
	depth := make(map[string]int, len(c.Nodes))
	for _, n := range c.Nodes {
		depth[n.Work] = n.Depth
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		for _, e := range adj[n.Work] {
			if d, ok := depth[w.Direction.To(e)]; ok {
				n.Onward = true
				if d <= n.Depth {
					n.Lateral = true
				}
			}
		}
	}
	return c
}

// Within returns the closure of the same walk bounded at depth, computed
// from c, which must be complete (not Truncated): the works up to that
// depth, which come first and keep their paths; those at the bound going
// on only to works no deeper (Lateral), and the result truncated if any of
// them goes on at all (every edge of a complete closure stays in it). A
// bound beyond c's deepest work returns c.
func (c *Closure) Within(depth int) *Closure {
	end := sort.Search(len(c.Nodes), func(i int) bool { return c.Nodes[i].Depth > depth })
	if end == len(c.Nodes) && c.Nodes[end-1].Depth < depth {
		return c
	}
	out := &Closure{Nodes: make([]Node, end)}
	copy(out.Nodes, c.Nodes[:end])
	for i := range out.Nodes {
		if n := &out.Nodes[i]; n.Depth == depth {
			out.Truncated = out.Truncated || n.Onward
			n.Onward = n.Lateral
		}
	}
	return out
}

// closureFormat versions the binary form of a closure, so that a cache
// shared by replicas of different versions never misreads an entry.
const closureFormat = 3

// MarshalBinary encodes the closure compactly, for caches: a closure of a
// thousand works decodes in microseconds, far faster than JSON or a
// protobuf of the paths.
func (c *Closure) MarshalBinary() ([]byte, error) {
	size := 8
	for _, n := range c.Nodes {
		size += len(n.Work) + len(n.Derivation) + 13
	}
	b := make([]byte, 0, size)
	b = append(b, closureFormat)
	var flags byte
	if c.Truncated {
		flags |= 1
	}
	if c.Capped {
		flags |= 2
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(len(c.Nodes)))
	for _, n := range c.Nodes {
		b = appendString(b, n.Work)
		b = binary.AppendUvarint(b, uint64(n.Depth))
		b = binary.AppendVarint(b, int64(n.Parent))
		b = appendString(b, n.Derivation)
		b = binary.AppendUvarint(b, uint64(n.Relation))
		var flags byte
		if n.Onward {
			flags |= 1
		}
		if n.Lateral {
			flags |= 2
		}
		b = append(b, flags)
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errBadClosure = errors.New("graph: malformed closure encoding")

// UnmarshalBinary decodes what MarshalBinary encoded.
func (c *Closure) UnmarshalBinary(b []byte) error {
	r := reader{b: b}
	if r.byte() != closureFormat {
		return errBadClosure
	}
	flags := r.byte()
	c.Truncated, c.Capped = flags&1 != 0, flags&2 != 0
	n := r.uvarint()
	if r.err != nil || n > uint64(len(b)) {
		return errBadClosure
	}
	c.Nodes = make([]Node, n)
	for i := range c.Nodes {
		node := &c.Nodes[i]
		node.Work = r.string()
		node.Depth = int(r.uvarint())
		node.Parent = int(r.varint())
		node.Derivation = r.string()
		node.Relation = Relation(r.uvarint())
		flags := r.byte()
		node.Onward, node.Lateral = flags&1 != 0, flags&2 != 0
		if r.err != nil || node.Parent >= i || node.Parent < -1 {
			return errBadClosure
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return errBadClosure
	}
	return nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.err = errBadClosure
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadClosure
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errBadClosure
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errBadClosure
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
