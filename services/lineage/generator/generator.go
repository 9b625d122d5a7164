// Package generator builds a synthetic commons for benchmarks: works with a
// realistic mix of kinds and licences and a graph of derivations between
// them, acyclic by construction, with popular works, deep chains of forks,
// and one work with a chosen number of ancestors, then loads it into the
// catalog's and the lineage service's stores through their bulk paths.
//
// The shape: a work derives from earlier works only (so the graph is a
// DAG), picked mostly by popularity (in proportion to how often they were
// used already: a few libraries and data sets are everywhere), sometimes
// among the works just before it (an ecosystem of its day), sometimes at
// random; 5% of works are originals with no sources. At a million works
// the number of ancestors of a work has a median of about 20, a 90th
// percentile of about 450 and a 99th of about 2,300, like the transitive
// dependencies of packages in the large registries: most few, a long tail. A derivative takes
// its main source's licence 45% of the time, otherwise one from the mix,
// so most derivations are compatible and some are not, as in practice.
package generator

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// Config sizes a commons.
type Config struct {
	Works int
	// Edges is the number of derivations to aim for; the result is within
	// a few percent.
	Edges int
	Seed  uint64
	// Chains deep chains of forks, the longest ChainDepth derivations.
	Chains     int
	ChainDepth int
	// TargetAncestors is the number of ancestors, within TargetDepth, of
	// the work the benchmark asks about; one of its ancestors heads a
	// chain of TargetChain derivations.
	TargetAncestors int
	TargetDepth     int
	TargetChain     int
}

// Full is the commons of the scale benchmark.
func Full() Config {
	return Config{Works: 1_000_000, Edges: 3_000_000, Seed: 1, Chains: 200, ChainDepth: 150,
		TargetAncestors: 1000, TargetDepth: 100, TargetChain: 60}
}

// Small is a commons small enough for every test run.
func Small() Config {
	return Config{Works: 20_000, Edges: 60_000, Seed: 1, Chains: 10, ChainDepth: 40,
		TargetAncestors: 300, TargetDepth: 100, TargetChain: 30}
}

// Kind is a work's kind, in the catalog's numbering.
type Kind int8

// The kinds the commons uses.
const (
	Software Kind = 1
	Text     Kind = 2
	Image    Kind = 3
	Audio    Kind = 4
	Video    Kind = 5
	Dataset  Kind = 6
	Model    Kind = 7
	Other    Kind = 8
)

// Licence is one entry of the licence mix.
type Licence struct {
	Expression string
	// IDs are the licence identifiers the expression names, sorted.
	IDs []string
	// Weight is the share of works that carry it, in thousandths.
	Weight int
}

// Licences is the mix: shares after public counts of licences in package
// registries and on GitHub (permissive licences dominate, the GPL family
// follows), with Creative Commons and data licences for content, some
// source-available and non-commercial terms, and works with no licence
// or one SPDX does not list.
var Licences = []Licence{
	{"MIT", []string{"MIT"}, 300},
	{"Apache-2.0", []string{"Apache-2.0"}, 130},
	{"BSD-3-Clause", []string{"BSD-3-Clause"}, 55},
	{"BSD-2-Clause", []string{"BSD-2-Clause"}, 20},
	{"ISC", []string{"ISC"}, 30},
	{"MIT OR Apache-2.0", []string{"Apache-2.0", "MIT"}, 30},
	{"GPL-3.0-only", []string{"GPL-3.0-only"}, 30},
	{"GPL-3.0-or-later", []string{"GPL-3.0-or-later"}, 30},
	{"GPL-2.0-only", []string{"GPL-2.0-only"}, 30},
	{"GPL-2.0-or-later", []string{"GPL-2.0-or-later"}, 20},
	{"LGPL-2.1-or-later", []string{"LGPL-2.1-or-later"}, 20},
	{"LGPL-3.0-only", []string{"LGPL-3.0-only"}, 10},
	{"AGPL-3.0-only", []string{"AGPL-3.0-only"}, 10},
	{"MPL-2.0", []string{"MPL-2.0"}, 20},
	{"EPL-2.0", []string{"EPL-2.0"}, 10},
	{"Unlicense", []string{"Unlicense"}, 10},
	{"CC0-1.0", []string{"CC0-1.0"}, 30},
	{"CC-BY-4.0", []string{"CC-BY-4.0"}, 60},
	{"CC-BY-SA-4.0", []string{"CC-BY-SA-4.0"}, 35},
	{"CC-BY-NC-4.0", []string{"CC-BY-NC-4.0"}, 15},
	{"CC-BY-ND-4.0", []string{"CC-BY-ND-4.0"}, 5},
	{"CC-BY-3.0", []string{"CC-BY-3.0"}, 10},
	{"ODbL-1.0", []string{"ODbL-1.0"}, 10},
	{"CDLA-Permissive-2.0", []string{"CDLA-Permissive-2.0"}, 5},
	{"BUSL-1.1", []string{"BUSL-1.1"}, 5},
	{"", nil, 30},
	{"LicenseRef-proprietary", []string{"LicenseRef-proprietary"}, 10},
}

var kinds = []struct {
	kind   Kind
	weight int
}{{Software, 620}, {Text, 100}, {Image, 60}, {Audio, 30}, {Video, 20}, {Dataset, 90}, {Model, 50}, {Other, 30}}

// Work is a work of the commons; its id is WorkID(index).
type Work struct {
	Kind    Kind
	Licence int16 // index into Licences
}

// Edge is a derivation of the commons: Derivative derives from Source
// (indices into Works); its id is DerivationID(index).
type Edge struct {
	Derivative int32
	Source     int32
	Relation   graph.Relation
	Use        graph.Use
}

// Commons is a generated commons.
type Commons struct {
	Config
	Works []Work
	Edges []Edge
	// Target is the work with about TargetAncestors ancestors within
	// TargetDepth, Ancestors how many exactly.
	Target    int32
	Ancestors int
	// Popular is the work with the most direct derivatives.
	Popular int32
}

// WorkID is the catalog id of the i-th work.
func WorkID(i int32) string { return fmt.Sprintf("w%07d", i) }

// DerivationID is the id of the i-th derivation.
func DerivationID(i int) string { return fmt.Sprintf("d%08d", i) }

// Generate builds a commons. The same configuration gives the same
// commons.
func Generate(cfg Config) *Commons {
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed))
	c := &Commons{Config: cfg, Works: make([]Work, 0, cfg.Works), Edges: make([]Edge, 0, cfg.Edges+cfg.Works/10)}
	chainWorks := 0
	for i := range cfg.Chains {
		chainWorks += chainLength(cfg, i)
	}
	body := cfg.Works - chainWorks - cfg.TargetChain - 1
	originals := max(body/20, 1)
	// Sources per derived work, so that the body lands near the edge
	// count the chains and the target leave to it.
	perWork := float64(cfg.Edges-chainWorks-cfg.TargetChain-cfg.TargetAncestors/4) / float64(body-originals)
	// popular holds one entry per use of a work as a source, so that a
	// draw from it is proportional to popularity.
	popular := make([]int32, 0, cfg.Edges)
	for i := range body {
		w := Work{Kind: pickKind(rng), Licence: pickLicence(rng)}
		if i < originals {
			c.Works = append(c.Works, w)
			popular = append(popular, int32(i))
			continue
		}
		n := min(sourceCount(rng, perWork), i)
		sources := make([]int32, 0, n)
		for len(sources) < n {
			var s int32
			switch r := rng.Float64(); {
			case r < 0.75:
				s = popular[rng.IntN(len(popular))]
			case r < 0.9:
				s = int32(i - 1 - rng.IntN(min(i, 2000)))
			default:
				s = int32(rng.IntN(i))
			}
			if !slices.Contains(sources, s) {
				sources = append(sources, s)
			}
		}
		if rng.IntN(100) < 45 {
			w.Licence = c.Works[sources[0]].Licence
		}
		c.Works = append(c.Works, w)
		for _, s := range sources {
			c.addEdge(rng, int32(i), s)
			popular = append(popular, s)
		}
	}
	for i := range cfg.Chains {
		c.chain(rng, chainLength(cfg, i), int32(rng.IntN(body)))
	}
	c.target(rng, body, originals)
	c.Popular = mostUsed(c)
	return c
}

// chainLength gives the chains lengths from half ChainDepth to ChainDepth,
// the first the longest.
func chainLength(cfg Config, i int) int {
	if i == 0 || cfg.Chains < 2 {
		return cfg.ChainDepth
	}
	return cfg.ChainDepth/2 + i*(cfg.ChainDepth/2)/cfg.Chains
}

// chain appends n works, each a fork of the one before, the first a fork
// of head; it returns the last.
func (c *Commons) chain(rng *rand.Rand, n int, head int32) int32 {
	prev := head
	for range n {
		i := int32(len(c.Works))
		c.Works = append(c.Works, Work{Kind: c.Works[prev].Kind, Licence: c.Works[prev].Licence})
		c.Edges = append(c.Edges, Edge{Derivative: i, Source: prev, Relation: graph.Fork, Use: graph.UseIncorporate})
		if s := int32(rng.IntN(int(i))); rng.IntN(10) == 0 && s != prev {
			c.addEdge(rng, i, s)
		}
		prev = i
	}
	return prev
}

// target appends the benchmark's work, MIT-licensed software: a fork of the
// end of a chain of TargetChain forks of an original, and deriving from
// works of the body until its ancestors within TargetDepth number
// TargetAncestors (to within 3%).
func (c *Commons) target(rng *rand.Rand, body, originals int) {
	tail := c.chain(rng, c.TargetChain, int32(rng.IntN(originals)))
	t := int32(len(c.Works))
	c.Works = append(c.Works, Work{Kind: Software, Licence: 0})
	c.Edges = append(c.Edges, Edge{Derivative: t, Source: tail, Relation: graph.Fork, Use: graph.UseIncorporate})
	g := newAdjacency(c)
	have := g.ancestors([]int32{tail}, c.TargetDepth-1)
	want := c.TargetAncestors
	lo, hi := want*97/100, want*103/100
	sources := []int32{tail}
	for tries := 0; have < lo && tries < 100_000; tries++ {
		s := int32(rng.IntN(body))
		if slices.Contains(sources, s) {
			continue
		}
		n := g.ancestors(append(sources, s), c.TargetDepth-1)
		if n > hi {
			continue
		}
		sources, have = append(sources, s), n
		c.addEdge(rng, t, s)
	}
	c.Target, c.Ancestors = t, have
}

// addEdge appends a derivation of d from s with a relation that suits d's
// kind.
func (c *Commons) addEdge(rng *rand.Rand, d, s int32) {
	r, u := pickRelation(rng, c.Works[d].Kind)
	c.Edges = append(c.Edges, Edge{Derivative: d, Source: s, Relation: r, Use: u})
}

func pickKind(rng *rand.Rand) Kind {
	n := rng.IntN(1000)
	for _, k := range kinds {
		if n < k.weight {
			return k.kind
		}
		n -= k.weight
	}
	return Other
}

var licenceTotal = func() int {
	t := 0
	for _, l := range Licences {
		t += l.Weight
	}
	return t
}()

func pickLicence(rng *rand.Rand) int16 {
	n := rng.IntN(licenceTotal)
	for i, l := range Licences {
		if n < l.Weight {
			return int16(i)
		}
		n -= l.Weight
	}
	return 0
}

// sourceCount draws how many sources a derived work has: most have one to
// three, a few many (a heavy tail, as dependency counts do), with the
// given mean.
func sourceCount(rng *rand.Rand, mean float64) int {
	// A geometric draw of mean m-1, plus one.
	p := 1 / mean
	n := 1
	for rng.Float64() > p && n < 200 {
		n++
	}
	return n
}

func pickRelation(rng *rand.Rand, k Kind) (graph.Relation, graph.Use) {
	n := rng.IntN(100)
	switch k {
	case Software:
		switch {
		case n < 55:
			return graph.Dependency, graph.UseLinkDynamic
		case n < 63:
			return graph.Inclusion, graph.UseLinkStatic
		case n < 70:
			return graph.Inclusion, graph.UseIncorporate
		case n < 78:
			return graph.Fork, graph.UseIncorporate
		case n < 93:
			return graph.Adaptation, graph.UseIncorporate
		case n < 95:
			return graph.Copy, graph.UseIncorporate
		}
		return graph.Remix, graph.UseIncorporate
	case Model:
		if n < 80 {
			return graph.Training, graph.UseTraining
		}
		return graph.Adaptation, graph.UseIncorporate
	case Dataset:
		switch {
		case n < 50:
			return graph.Remix, graph.UseIncorporate
		case n < 80:
			return graph.Adaptation, graph.UseIncorporate
		case n < 90:
			return graph.Copy, graph.UseIncorporate
		}
		return graph.Inclusion, graph.UseIncorporate
	}
	switch {
	case n < 40:
		return graph.Adaptation, graph.UseIncorporate
	case n < 60:
		return graph.Translation, graph.UseIncorporate
	case n < 90:
		return graph.Remix, graph.UseIncorporate
	case n < 95:
		return graph.Copy, graph.UseIncorporate
	}
	return graph.Inclusion, graph.UseIncorporate
}

func mostUsed(c *Commons) int32 {
	uses := make([]int32, len(c.Works))
	var best int32
	for _, e := range c.Edges {
		uses[e.Source]++
		if uses[e.Source] > uses[best] {
			best = e.Source
		}
	}
	return best
}

// adjacency is the commons' sources per work, for counting ancestors in
// memory.
type adjacency struct {
	start   []int32 // sources of work i are sources[start[i]:start[i+1]]
	sources []int32
	seen    []int32 // seen[w] == stamp: visited in the current count
	stamp   int32
}

func newAdjacency(c *Commons) *adjacency {
	n := len(c.Works)
	g := &adjacency{start: make([]int32, n+1), sources: make([]int32, len(c.Edges)), seen: make([]int32, n)}
	for _, e := range c.Edges {
		g.start[e.Derivative+1]++
	}
	for i := range n {
		g.start[i+1] += g.start[i]
	}
	fill := slices.Clone(g.start[:n])
	for _, e := range c.Edges {
		g.sources[fill[e.Derivative]] = e.Source
		fill[e.Derivative]++
	}
	return g
}

// ancestors counts the works within depth of the roots, the roots
// included.
func (g *adjacency) ancestors(roots []int32, depth int) int {
	g.stamp++
	level := slices.Clone(roots)
	count := 0
	for _, r := range roots {
		if g.seen[r] != g.stamp {
			g.seen[r] = g.stamp
			count++
		}
	}
	for d := 0; d < depth && len(level) > 0; d++ {
		var next []int32
		for _, w := range level {
			for _, s := range g.sources[g.start[w]:g.start[w+1]] {
				if g.seen[s] != g.stamp {
					g.seen[s] = g.stamp
					next = append(next, s)
					count++
				}
			}
		}
		level = next
	}
	return count
}
