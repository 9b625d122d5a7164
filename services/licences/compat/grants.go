package compat

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"strings"
)

//go:embed data/grants.tsv
var grantsFS embed.FS

// grant is one row of data/grants.tsv: an explicit permission, in the
// inbound licence's own text or its steward's statement, to use material in
// a work under a named outbound licence.
type grant struct {
	rule      string
	verdict   Verdict
	condition string
	message   string
	sources   []Source
}

type pairKey struct{ in, out int }

func (e *Engine) loadGrants() error {
	b, err := grantsFS.ReadFile("data/grants.tsv")
	if err != nil {
		return err
	}
	e.grants = make(map[pairKey]*grant)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != 7 {
			return fmt.Errorf("data/grants.tsv:%d: %d columns, want 7", line, len(f))
		}
		g := &grant{rule: f[0], condition: f[4], message: f[5]}
		switch f[3] {
		case "compatible":
			g.verdict = Compatible
		case "conditional":
			g.verdict = Conditional
		case "incompatible":
			g.verdict = Incompatible
		default:
			return fmt.Errorf("data/grants.tsv:%d: unknown verdict %q", line, f[3])
		}
		if (g.verdict == Conditional) != (g.condition != "") {
			return fmt.Errorf("data/grants.tsv:%d: a condition goes with a conditional verdict and only with it", line)
		}
		if g.sources, err = e.sources(f[6]); err != nil || len(g.sources) == 0 {
			return fmt.Errorf("data/grants.tsv:%d: sources: %v", line, err)
		}
		for _, in := range strings.Fields(f[1]) {
			i, ok := e.byID[in]
			if !ok {
				return fmt.Errorf("data/grants.tsv:%d: unknown inbound licence %q", line, in)
			}
			for _, out := range strings.Fields(f[2]) {
				o, ok := e.byID[out]
				if !ok {
					return fmt.Errorf("data/grants.tsv:%d: unknown outbound licence %q", line, out)
				}
				k := pairKey{i, o}
				if _, dup := e.grants[k]; dup {
					return fmt.Errorf("data/grants.tsv:%d: %s into %s granted twice", line, in, out)
				}
				e.grants[k] = g
			}
		}
	}
	return sc.Err()
}

func (e *Engine) grantOutcome(g *grant, in, out *lic) *outcome {
	o := &outcome{verdict: g.verdict, reasons: []Reason{{
		Rule: g.rule, Message: g.message, Verdict: g.verdict,
		Inbound: in.name(), Outbound: out.name(), Sources: g.sources,
	}}}
	if g.condition != "" {
		o.conditions = []string{g.condition}
	}
	return o
}
