package sbom

import "strings"

// Acyclic returns the document's edges less those that close a cycle, and
// each cycle they closed as the refs along it (the first ref again at the
// end). Stemma's graph of works is acyclic, so the import records only the
// edges returned. Which edge of a cycle goes is decided by a depth-first
// walk from the product in document order, so the same document always
// loses the same edges.
func (d *Document) Acyclic() (edges []Edge, cycles [][]string) {
	out := d.outgoing()
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	drop := map[[2]string]bool{}
	var path []string
	var walk func(ref string)
	walk = func(ref string) {
		state[ref] = onPath
		path = append(path, ref)
		for _, e := range out[ref] {
			switch state[e.To] {
			case unseen:
				walk(e.To)
			case onPath:
				drop[[2]string{e.From, e.To}] = true
				start := len(path) - 1
				for path[start] != e.To {
					start--
				}
				cycle := append(append([]string{}, path[start:]...), e.To)
				cycles = append(cycles, cycle)
			}
		}
		path = path[:len(path)-1]
		state[ref] = done
	}
	walk(d.Root)
	for _, c := range d.Components {
		if state[c.Ref] == unseen {
			walk(c.Ref)
		}
	}
	for _, e := range d.Edges {
		if !drop[[2]string{e.From, e.To}] {
			edges = append(edges, e)
		}
	}
	return edges, cycles
}

// ShortestPaths returns, for every component reached from the product
// through edges, a shortest path of refs from the product to it, both
// included; ties go to the edge stated first.
func (d *Document) ShortestPaths(edges []Edge) map[string][]string {
	out := map[string][]string{}
	for _, e := range edges {
		out[e.From] = append(out[e.From], e.To)
	}
	paths := map[string][]string{d.Root: {d.Root}}
	queue := []string{d.Root}
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		for _, to := range out[ref] {
			if _, seen := paths[to]; seen {
				continue
			}
			p := make([]string, len(paths[ref]), len(paths[ref])+1)
			copy(p, paths[ref])
			paths[to] = append(p, to)
			queue = append(queue, to)
		}
	}
	return paths
}

// CycleString writes a cycle of refs as the names of its components,
// a -> b -> a.
func (d *Document) CycleString(cycle []string) string {
	names := make([]string, len(cycle))
	for i, ref := range cycle {
		names[i] = ref
		if c, ok := d.Component(ref); ok {
			names[i] = c.Name
		}
	}
	return strings.Join(names, " -> ")
}
