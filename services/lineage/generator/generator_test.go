package generator_test

import (
	"testing"

	"github.com/stemma-registry/stemma/services/lineage/generator"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

func TestGenerate(t *testing.T) {
	cfg := generator.Small()
	c := generator.Generate(cfg)
	if len(c.Works) != cfg.Works {
		t.Errorf("%d works; want %d", len(c.Works), cfg.Works)
	}
	if n := len(c.Edges); n < cfg.Edges*95/100 || n > cfg.Edges*105/100 {
		t.Errorf("%d derivations; want %d within 5%%", n, cfg.Edges)
	}
	if c.Ancestors < cfg.TargetAncestors*97/100 || c.Ancestors > cfg.TargetAncestors*103/100 {
		t.Errorf("the target has %d ancestors; want %d within 3%%", c.Ancestors, cfg.TargetAncestors)
	}
	type key struct {
		d, s int32
		r    graph.Relation
	}
	seen := map[key]bool{}
	for _, e := range c.Edges {
		// Sources always come before their derivatives: the graph is a DAG.
		if e.Source >= e.Derivative {
			t.Fatalf("%v goes forwards", e)
		}
		k := key{e.Derivative, e.Source, e.Relation}
		if seen[k] {
			t.Fatalf("%v twice", e)
		}
		seen[k] = true
		if e.Relation == graph.Training && c.Works[e.Derivative].Kind != generator.Model {
			t.Fatalf("%v: training a work that is not a model", e)
		}
		if u, err := graph.EffectiveUse(e.Relation, e.Use); err != nil || u != e.Use {
			t.Fatalf("%v: use %v, %v", e, u, err)
		}
	}
	again := generator.Generate(cfg)
	if len(again.Edges) != len(c.Edges) || again.Edges[len(c.Edges)/2] != c.Edges[len(c.Edges)/2] || again.Target != c.Target {
		t.Error("the same configuration gave another commons")
	}
}
