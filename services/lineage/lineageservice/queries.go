package lineageservice

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/paging"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// cacheTTL only reclaims memory: entries never go stale, because their
// keys carry the graph epoch (and, for audits and attributions, the state
// of the works they read).
const cacheTTL = 10 * time.Minute

// ancestry is a walk's closure and, when they were read, its derivations.
type ancestry struct {
	epoch       int64
	closure     *graph.Closure
	derivations []*graph.Derivation
	// depth is the depth part of the cache keys of what is computed from
	// the closure: "all" when the closure is complete (the same for every
	// bound that reaches as deep), else the bound.
	depth string
}

// complete reports whether a closure holds every work the walk can reach:
// no bound cut it short.
func complete(c *graph.Closure) bool { return !c.Truncated }

// closureKeys returns the cache keys of a walk's closure: the key of the
// complete closure, which answers every depth bound (graph.Closure.Within),
// and the key of the closure at the walk's own bound, for a walk the bound
// cut short. The relations are the walk's bit set: order and repetition
// do not matter, and none means every relation, so equivalent filters
// share keys.
//
// Keys: lineage:closure:v3:{epoch}:{direction}:{relation mask}:{work}:all
// and ...:{work}:d{max depth}:n{max closure}.
func closureKeys(epoch int64, w graph.Walk) (all, bounded string) {
	base := fmt.Sprintf("lineage:closure:v3:%d:%d:%x:%s", epoch, w.Direction, w.RelationMask(), w.Root)
	return base + ":all", base + ":" + boundsKey(w)
}

// boundsKey returns the part of a key that names a walk's bounds.
func boundsKey(w graph.Walk) string {
	return "d" + strconv.Itoa(w.MaxDepth) + ":n" + strconv.Itoa(w.MaxNodes)
}

// ancestry returns the closure of a walk, from the cache when the graph
// has not changed since it was computed. With full, a closure that must
// be computed is computed from the whole derivations, which are kept for
// the caller (audits and attributions need them; listings need only the
// edges).
//
// The epoch is read before the walk: an edge committed in between makes
// the cached closure newer than its key says, which is harmless, while
// the other order could file an old closure under a new epoch.
//
// A closure no bound cut short is cached as the complete closure, which
// then answers every walk of the same root, direction and relations,
// whatever its depth bound (graph.Closure.Within), unless it holds more
// works than the walk's closure bound allows (replicas configured with
// different bounds may share a cache); one cut short is cached under its
// bounds. A deep walk after a shallow one thus fills the entry every
// later walk reads.
func (s *Service) ancestry(ctx context.Context, w graph.Walk, full bool) (*ancestry, error) {
	epoch, err := s.Store.Epoch(ctx)
	if err != nil {
		return nil, err
	}
	a := &ancestry{epoch: epoch}
	allKey, boundedKey := closureKeys(epoch, w)
	if c := s.cachedClosure(ctx, allKey); c != nil {
		// Within the depth bound, the walk reaches as many works as the
		// prefix holds: more than the closure bound, and it would be cut.
		if within := c.Within(w.MaxDepth); w.MaxNodes <= 0 || within.Relatives() <= w.MaxNodes {
			a.closure = within
			a.depth = depthKey(a.closure, w)
			return a, nil
		}
	}
	if c := s.cachedClosure(ctx, boundedKey); c != nil {
		a.closure, a.depth = c, depthKey(c, w)
		return a, nil
	}
	var edges []graph.Edge
	if full {
		if err := a.load(ctx, s, w); err != nil {
			return nil, err
		}
		edges = make([]graph.Edge, len(a.derivations))
		for i, d := range a.derivations {
			edges[i] = graph.Edge{ID: d.ID, Derivative: d.Derivative, Source: d.Source, Relation: d.Relation}
		}
	} else if edges, err = s.Store.Walk(ctx, w); err != nil {
		return nil, err
	}
	a.closure = graph.NewClosure(w, edges)
	a.depth = depthKey(a.closure, w)
	key := boundedKey
	if complete(a.closure) {
		key = allKey
	}
	if a.closure.Capped {
		// Operators should know when answers are cut: a warning per
		// computed closure (cached ones are not logged again).
		s.Log.WarnContext(ctx, "lineage walk cut at the closure bound", "work", w.Root,
			"direction", w.Direction, "max_depth", w.MaxDepth, "max_closure", w.MaxNodes, "edges", len(edges))
	}
	if b, err := a.closure.MarshalBinary(); err == nil {
		s.Cache.Set(ctx, key, b, cacheTTL)
	}
	return a, nil
}

// depthKey returns the depth part of the keys of what is computed from a
// walk's closure c.
func depthKey(c *graph.Closure, w graph.Walk) string {
	if complete(c) {
		return "all"
	}
	return boundsKey(w)
}

// cachedClosure returns the closure cached under key, or nil.
func (s *Service) cachedClosure(ctx context.Context, key string) *graph.Closure {
	b, ok := s.Cache.Get(ctx, key)
	if !ok {
		return nil
	}
	var c graph.Closure
	if err := c.UnmarshalBinary(b); err != nil || len(c.Nodes) == 0 {
		s.Log.WarnContext(ctx, "undecodable closure in the cache; recomputed", "key", key)
		return nil
	}
	return &c
}

// load reads the walk's derivations, unless they were read already.
func (a *ancestry) load(ctx context.Context, s *Service, w graph.Walk) error {
	if a.derivations != nil {
		return nil
	}
	ds, err := s.Store.WalkDerivations(ctx, w)
	if err != nil {
		return err
	}
	a.derivations = ds
	if ds == nil {
		a.derivations = []*graph.Derivation{}
	}
	return nil
}

// relatives returns a page of a closure's works, nearest first, and the
// next page token. The cursor is the last (depth, work) returned, so pages
// stay consistent when the graph changes between them.
func (s *Service) relatives(ctx context.Context, method string, w graph.Walk, pageSize int32, token string) (rs []*lineagev1.Relative, next string, total int32, truncated bool, err error) {
	size, err := s.Pages.Size(pageSize)
	if err != nil {
		return nil, "", 0, false, err
	}
	q := query(method, w)
	cur, err := paging.Decode(q, token)
	if err != nil {
		return nil, "", 0, false, err
	}
	a, err := s.ancestry(ctx, w, false)
	if err != nil {
		return nil, "", 0, false, err
	}
	c := a.closure
	if c.Relatives() == 0 {
		// Works with relatives exist (liens keep them); one without may
		// not.
		if err := s.mustExist(ctx, w.Root); err != nil {
			return nil, "", 0, false, err
		}
	}
	start := 1
	if cur != "" {
		d, work, ok := strings.Cut(cur, "/")
		depth, err := strconv.Atoi(d)
		if !ok || err != nil {
			return nil, "", 0, false, apierr.Invalid("page_token", "not a page token this request issued; start again without one")
		}
		start = max(c.After(depth, work), 1)
	}
	end := min(start+size, len(c.Nodes))
	out := make([]*lineagev1.Relative, 0, end-start)
	n := newNamer(c)
	for i := start; i < end; i++ {
		out = append(out, n.relative(i))
	}
	if end < len(c.Nodes) {
		last := c.Nodes[end-1]
		next = paging.Encode(q, strconv.Itoa(last.Depth)+"/"+last.Work)
	}
	return out, next, int32(c.Relatives()), c.Truncated, nil
}

// namer makes the resource names of a closure's works and derivations once
// each: the paths of a page repeat the same works over and over (a page of
// a thousand ancestors holds tens of thousands of path entries), and they
// can share one string per work.
type namer struct {
	c                  *graph.Closure
	works, derivations []string
}

func newNamer(c *graph.Closure) *namer {
	return &namer{c: c, works: make([]string, len(c.Nodes)), derivations: make([]string, len(c.Nodes))}
}

func (n *namer) work(i int) string {
	if n.works[i] == "" {
		n.works[i] = workName(n.c.Nodes[i].Work)
	}
	return n.works[i]
}

func (n *namer) derivation(i int) string {
	if n.derivations[i] == "" {
		n.derivations[i] = derivationName(n.c.Nodes[i].Derivation)
	}
	return n.derivations[i]
}

// relative returns the closure's i-th work with its shortest path.
func (n *namer) relative(i int) *lineagev1.Relative {
	depth := n.c.Nodes[i].Depth
	r := &lineagev1.Relative{
		Work: n.work(i), Depth: int32(depth),
		Path: make([]string, depth+1), Derivations: make([]string, depth), Relations: make([]lineagev1.Relation, depth),
	}
	for j := depth; j >= 0; j-- {
		r.Path[j] = n.work(i)
		if j > 0 {
			r.Derivations[j-1] = n.derivation(i)
			r.Relations[j-1] = lineagev1.Relation(n.c.Nodes[i].Relation)
		}
		i = n.c.Nodes[i].Parent
	}
	return r
}

// ListAncestors lists the works a work derives from.
func (s *Service) ListAncestors(ctx context.Context, req *lineagev1.ListAncestorsRequest) (*lineagev1.ListAncestorsResponse, error) {
	w, err := s.walk(req.GetWork(), req.GetMaxDepth(), req.GetRelations(), graph.Up)
	if err != nil {
		return nil, err
	}
	rs, next, total, truncated, err := s.relatives(ctx, "ListAncestors", w, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &lineagev1.ListAncestorsResponse{Ancestors: rs, NextPageToken: next, TotalSize: total, Truncated: truncated}, nil
}

// ListDescendants lists the works derived from a work.
func (s *Service) ListDescendants(ctx context.Context, req *lineagev1.ListDescendantsRequest) (*lineagev1.ListDescendantsResponse, error) {
	w, err := s.walk(req.GetWork(), req.GetMaxDepth(), req.GetRelations(), graph.Down)
	if err != nil {
		return nil, err
	}
	rs, next, total, truncated, err := s.relatives(ctx, "ListDescendants", w, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &lineagev1.ListDescendantsResponse{Descendants: rs, NextPageToken: next, TotalSize: total, Truncated: truncated}, nil
}

// TraceTo lists the paths from a work up to one of its ancestors, shortest
// first. Pages are positions in that order: a page token taken before the
// graph changed may skip or repeat paths.
func (s *Service) TraceTo(ctx context.Context, req *lineagev1.TraceToRequest) (*lineagev1.TraceToResponse, error) {
	w, err := s.walk(req.GetWork(), req.GetMaxDepth(), req.GetRelations(), graph.Up)
	if err != nil {
		return nil, err
	}
	ancestor, err := workID("ancestor", req.GetAncestor())
	if err != nil {
		return nil, err
	}
	if ancestor == w.Root {
		return nil, apierr.Invalid("ancestor", "is the work itself")
	}
	size, err := s.Pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	q := query("TraceTo", w, ancestor)
	from, err := offset(q, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	edges, err := s.Store.Walk(ctx, w)
	if err != nil {
		return nil, err
	}
	edges, truncated := bounded(w, edges)
	paths, more := graph.Paths(w, edges, ancestor, from, size)
	if len(paths) == 0 && from == 0 {
		if err := s.mustExist(ctx, w.Root, ancestor); err != nil {
			return nil, err
		}
	}
	resp := &lineagev1.TraceToResponse{Paths: make([]*lineagev1.Path, len(paths)), Truncated: truncated}
	for i, p := range paths {
		resp.Paths[i] = &lineagev1.Path{Works: workNames(p.Works), Derivations: derivationNames(p.Derivations), Relations: toRelations(p.Relations)}
	}
	if more {
		resp.NextPageToken = paging.Encode(q, strconv.FormatInt(from+int64(len(paths)), 10))
	}
	return resp, nil
}

// bounded keeps the edges of a walk that join works of its closure when
// the walk reaches more works than its closure bound, so that counting
// paths does work in proportion to the bound, not to the graph. A walk
// reaches at most one work per edge, so fewer edges than the bound need no
// closure at all.
func bounded(w graph.Walk, edges []graph.Edge) ([]graph.Edge, bool) {
	if w.MaxNodes == 0 || len(edges) <= w.MaxNodes {
		return edges, false
	}
	c := graph.NewClosure(w, edges)
	if !c.Capped {
		return edges, false
	}
	in := c.Index()
	kept := edges[:0:0]
	for _, e := range edges {
		_, from := in[w.Direction.From(e)]
		_, to := in[w.Direction.To(e)]
		if from && to {
			kept = append(kept, e)
		}
	}
	return kept, true
}
