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
	if err := sc.Err(); err != nil {
		return err
	}
	e.grantVersionRanges()
	return nil
}

// grantVersionRanges works out, for each grant into a GNU "or later"
// licence, the versions the combined work may still go out under, from the
// exact GNU versions the same inbound licence is granted: the EUPL Appendix
// names GPL v2 and v3, so EUPL-1.2 material holds a GPL-2.0-or-later work
// at 2.0 or 3.0; Creative Commons named GPLv3, so BY-SA 4.0 material holds
// it at 3.0; MPL-2.0 names version 2.0 and later, so it holds a
// GPL-1.0-or-later work at 2.0 or later. Parts that all bind then intersect
// these ranges like any other (version-conflict).
func (e *Engine) grantVersionRanges() {
	e.grantVersions = make(map[pairKey]*verRange)
	for k, g := range e.grants {
		lo := &e.lics[k.out]
		if lo.gnu == notGNU || !lo.orLater() || g.verdict == Incompatible {
			continue
		}
		lowest, highest, openEnded := 0, 0, false
		for k2, g2 := range e.grants {
			o2 := &e.lics[k2.out]
			if k2.in != k.in || o2.gnu != lo.gnu || g2.verdict == Incompatible || o2.ver < lo.ver {
				continue
			}
			if o2.orLater() {
				if g2.verdict == Compatible {
					openEnded = true
				}
				continue
			}
			if lowest == 0 || o2.ver < lowest {
				lowest = o2.ver
			}
			highest = max(highest, o2.ver)
		}
		if lowest == 0 {
			continue
		}
		why := e.lics[k.in].name() + " goes out under "
		switch {
		case openEnded && g.verdict == Compatible:
			if lowest > lo.ver {
				e.grantVersions[k] = atLeast(lowest, why+"version "+tenths(lowest)+" or later")
			}
		case lowest == highest:
			e.grantVersions[k] = exactly(lowest, why+"version "+tenths(lowest)+" only")
		default:
			e.grantVersions[k] = &verRange{lo: lowest, hi: highest, why: []string{why + "an exact version from " + tenths(lowest) + " to " + tenths(highest)}}
		}
	}
}

func (e *Engine) grantOutcome(g *grant, in, out *lic) *outcome {
	o := &outcome{verdict: g.verdict, reasons: []Reason{{
		Rule: g.rule, Message: g.message, Verdict: g.verdict,
		Inbound: in.name(), Outbound: out.name(), Sources: g.sources,
	}}}
	if g.condition != "" {
		o.conditions = []string{g.condition}
	}
	o.versions = e.grantVersions[pairKey{in.idx, out.idx}]
	return o
}
