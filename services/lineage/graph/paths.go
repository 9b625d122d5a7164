package graph

// Path is one path through the graph.
type Path struct {
	Works       []string
	Derivations []string
	Relations   []Relation
}

// countCap bounds path counts: a dense graph has more paths than an int64
// holds, and a count only needs to be exact below any offset a client can
// page to.
const countCap = int64(1) << 60

// Paths enumerates the paths from w.Root to target within w.MaxDepth over
// the edges a store returned for the walk w, shortest first and, among
// paths of one length, in the order of the edges (target work, then
// derivation id) at each step. It returns at most limit paths starting at
// the offset-th and whether more follow.
//
// The number of paths can grow exponentially with the graph, so they are
// never listed whole: for every work it counts the paths of each length
// that lead from it to the target, and walks straight down to the
// offset-th one.
func Paths(w Walk, edges []Edge, target string, offset int64, limit int) (paths []Path, more bool) {
	adj := adjacency(w.Direction, edges)
	counts := pathCounts(w, adj, target)
	root := counts[w.Root]
	if root == nil {
		return nil, false
	}
	skip := offset
	for length := 1; length <= w.MaxDepth; length++ {
		n := root[length]
		if skip >= n {
			skip -= n
			continue
		}
		for k := skip; k < n; k++ {
			if len(paths) == limit {
				return paths, true
			}
			paths = append(paths, nthPath(w, adj, counts, length, k))
		}
		skip = 0
	}
	return paths, false
}

// pathCounts returns, for every work reachable from the root that leads to
// the target, the number of paths of each length (0 to the depth bound)
// from it to the target. Works are visited in post-order, so that a
// work's successors are counted before it.
func pathCounts(w Walk, adj map[string][]Edge, target string) map[string][]int64 {
	counts := map[string][]int64{}
	type frame struct {
		work string
		next int
	}
	visited := map[string]bool{w.Root: true}
	stack := []frame{{work: w.Root}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		out := adj[top.work]
		if top.next < len(out) {
			to := w.Direction.To(out[top.next])
			top.next++
			if !visited[to] {
				visited[to] = true
				stack = append(stack, frame{work: to})
			}
			continue
		}
		stack = stack[:len(stack)-1]
		if top.work == target {
			c := make([]int64, w.MaxDepth+1)
			c[0] = 1
			counts[target] = c
			continue
		}
		var c []int64
		for _, e := range out {
			next := counts[w.Direction.To(e)]
			if next == nil {
				continue
			}
			if c == nil {
				c = make([]int64, w.MaxDepth+1)
			}
			for k := 1; k <= w.MaxDepth; k++ {
				c[k] = min(c[k]+next[k-1], countCap)
			}
		}
		if c != nil {
			counts[top.work] = c
		}
	}
	return counts
}

// nthPath returns the k-th path (from zero) of the given length from the
// root to the target, choosing at each work the first edge whose paths
// still hold the k-th.
func nthPath(w Walk, adj map[string][]Edge, counts map[string][]int64, length int, k int64) Path {
	p := Path{Works: []string{w.Root}}
	at := w.Root
	for left := length; left > 0; left-- {
		for _, e := range adj[at] {
			to := w.Direction.To(e)
			c := counts[to]
			if c == nil {
				continue
			}
			if k >= c[left-1] {
				k -= c[left-1]
				continue
			}
			p.Works = append(p.Works, to)
			p.Derivations = append(p.Derivations, e.ID)
			p.Relations = append(p.Relations, e.Relation)
			at = to
			break
		}
	}
	return p
}
