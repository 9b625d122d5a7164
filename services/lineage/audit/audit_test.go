package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/licences/compat"
	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/spdx"
	"github.com/stemma-registry/stemma/services/lineage/audit"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// engineChecker answers with the real licence engine, in process, as the
// licences service would over gRPC; it counts what it is asked.
type engineChecker struct {
	t         *testing.T
	engine    *compat.Engine
	questions int
	combines  int
}

func newChecker(t *testing.T) *engineChecker {
	e, err := compat.New(spdx.Default())
	if err != nil {
		t.Fatal(err)
	}
	return &engineChecker{t: t, engine: e}
}

func (c *engineChecker) parse(s string) expression.Expr {
	p, err := expression.Parse(spdx.Default(), s)
	if err != nil {
		c.t.Fatalf("parse %q: %v", s, err)
	}
	return p.Expr
}

func (c *engineChecker) Check(_ context.Context, qs []audit.Question) ([]graph.Check, error) {
	out := make([]graph.Check, len(qs))
	for i, q := range qs {
		if q.Inbound == "" || q.Outbound == "" {
			out[i] = graph.Check{Verdict: graph.Unknown, Inbound: q.Inbound, Outbound: q.Outbound, Use: q.Use}
			continue
		}
		c.questions++
		r := c.engine.Check(c.parse(q.Inbound), c.parse(q.Outbound), compat.Use(q.Use))
		out[i] = graph.Check{Verdict: graph.Verdict(r.Verdict), Inbound: q.Inbound, Outbound: q.Outbound, Use: q.Use, Conditions: r.Conditions}
		for _, reason := range r.Reasons {
			out[i].Reasons = append(out[i].Reasons, graph.Reason{Rule: reason.Rule, Message: reason.Message, Verdict: graph.Verdict(reason.Verdict)})
		}
	}
	return out, nil
}

func (c *engineChecker) Combinable(_ context.Context, inbound []string, use graph.Use) (graph.Verdict, error) {
	c.combines++
	var in []expression.Expr
	for _, s := range inbound {
		in = append(in, c.parse(s))
	}
	sg, blocking := c.engine.Suggest(in, compat.Use(use), nil, 1)
	switch {
	case len(sg) > 0:
		return graph.Compatible, nil
	case len(blocking) > 0:
		return graph.Unknown, nil
	}
	return graph.Incompatible, nil
}

// ancestry records derivations "derivative>source:licence" (the source's
// licence when taken; ":" alone for none), the derivative's licence at
// the time being its current one unless relicensed says otherwise.
func ancestry(root, arrows string, current map[string]string) audit.Input {
	var (
		ds    []*graph.Derivation
		edges []graph.Edge
	)
	for _, a := range strings.Fields(arrows) {
		edge, licence, _ := strings.Cut(a, ":")
		from, to, _ := strings.Cut(edge, ">")
		d := &graph.Derivation{ID: from + "-" + to, Derivative: from, Source: to, Relation: graph.Remix, Use: graph.UseIncorporate,
			SourceLicence: licence, DerivativeLicence: current[from]}
		ds = append(ds, d)
		edges = append(edges, graph.Edge{ID: d.ID, Derivative: from, Source: to, Relation: d.Relation})
	}
	c := graph.NewClosure(graph.Walk{Root: root, Direction: graph.Up, MaxDepth: 10}, edges)
	return audit.Input{Closure: c, Derivations: ds, Licences: current}
}

func describe(r *audit.Report) string {
	var out []string
	for _, c := range r.Conflicts {
		s := c.Derivation.ID
		if c.Other != nil {
			s += "+" + c.Other.ID
		}
		if c.Derivation.Conflict {
			s += "(recorded)"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestAudit(t *testing.T) {
	tests := []struct {
		name     string
		root     string
		arrows   string
		current  map[string]string
		want     string
		unknown  int
		combines int
	}{
		{
			name: "GPL material in an MIT work", root: "c",
			arrows:  "b>a:MIT c>b:GPL-3.0-only",
			current: map[string]string{"a": "MIT", "b": "GPL-3.0-only", "c": "MIT"},
			want:    "c-b",
		},
		{
			name: "a derivative that relicensed to GPL honours it", root: "c",
			arrows:  "c>b:GPL-3.0-only",
			current: map[string]string{"b": "GPL-3.0-only", "c": "GPL-3.0-or-later"},
			want:    "",
		},
		{
			// Each alone fits GPL-2.0-or-later; together no version does.
			name: "two sources of a remix", root: "r",
			arrows:  "r>s1:GPL-2.0-only r>s2:Apache-2.0 r>s3:MIT",
			current: map[string]string{"r": "GPL-2.0-or-later"},
			want:    "r-s1+r-s2",
		},
		{
			name: "a remix with no licence whose sources no licence can carry", root: "r",
			arrows:  "r>s1:GPL-2.0-only r>s2:Apache-2.0",
			current: map[string]string{"r": ""},
			want:    "r-s1+r-s2", unknown: 2, combines: 1,
		},
		{
			// GPL-3.0-only can carry both: no search over every licence.
			name: "a remix with no licence whose sources one of them can carry", root: "r",
			arrows:  "r>s1:MIT r>s2:GPL-3.0-only",
			current: map[string]string{"r": ""},
			want:    "", unknown: 2, combines: 0,
		},
		{
			name: "deep in the ancestry, nearest first", root: "e",
			arrows:  "e>d:MIT d>c:MIT c>b:CC-BY-NC-4.0 b>a:CC-BY-ND-4.0",
			current: map[string]string{"e": "MIT", "d": "MIT", "c": "MIT", "b": "CC-BY-NC-4.0"},
			want:    "c-b b-a",
		},
		{
			name: "an unmodelled licence is unknown, not a conflict", root: "b",
			arrows:  "b>a:LicenseRef-mine",
			current: map[string]string{"b": "MIT"},
			want:    "", unknown: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChecker(t)
			in := ancestry(tt.root, tt.arrows, tt.current)
			r, err := audit.Run(context.Background(), c, in)
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(r); got != tt.want {
				t.Errorf("conflicts = %q; want %q", got, tt.want)
			}
			if len(r.Unknown) != tt.unknown || c.combines != tt.combines || r.Checked != len(in.Derivations) {
				t.Errorf("unknown %d, combines %d, checked %d; want %d, %d, %d", len(r.Unknown), c.combines, r.Checked, tt.unknown, tt.combines, len(in.Derivations))
			}
			for _, k := range r.Conflicts {
				if k.Check.Verdict != graph.Incompatible || len(k.Check.Reasons) == 0 {
					t.Errorf("%s: check %+v", k.Derivation.ID, k.Check)
				}
			}
		})
	}
}

// Thousands of derivations sharing a few licence pairs ask each question
// once.
func TestAuditAsksEachQuestionOnce(t *testing.T) {
	var arrows []string
	current := map[string]string{"root": "MIT"}
	licences := []string{"MIT", "Apache-2.0", "BSD-3-Clause"}
	for i := range 3000 {
		w := "w" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
		arrows = append(arrows, "root>"+w+":"+licences[i%3])
	}
	c := newChecker(t)
	r, err := audit.Run(context.Background(), c, ancestry("root", strings.Join(arrows, " "), current))
	if err != nil {
		t.Fatal(err)
	}
	// 3 single questions and 3 pairs, whatever the number of derivations.
	if c.questions != 6 || len(r.Conflicts) != 0 {
		t.Fatalf("asked %d questions, %d conflicts; want 6 and none", c.questions, len(r.Conflicts))
	}
}
