package compat

import (
	"fmt"
	"math"
	"strings"

	"github.com/stemma-registry/stemma/services/licences/expression"
)

// verRange is the versions of an "or later" outbound licence a work may
// still go out under once some inbound material is in it, in tenths
// (20 for 2.0). GPL-2.0-only material in a GPL-2.0-or-later work holds it
// at [20, 20]; Apache-2.0 material (GPLv3-compatible only) at [30, ∞).
// Each alone is fine; together they leave no version, which is why parts
// that all bind intersect their ranges rather than judge each part alone.
type verRange struct {
	lo, hi int
	// why names, for each constraint, the material that set it.
	why []string
}

const anyLater = math.MaxInt

func exactly(v int, why string) *verRange { return &verRange{lo: v, hi: v, why: []string{why}} }
func atLeast(v int, why string) *verRange { return &verRange{lo: v, hi: anyLater, why: []string{why}} }

func (r *verRange) String() string {
	if r.hi == anyLater {
		return fmt.Sprintf("version %s or later", tenths(r.lo))
	}
	if r.lo == r.hi {
		return "version " + tenths(r.lo) + " only"
	}
	return fmt.Sprintf("versions %s to %s", tenths(r.lo), tenths(r.hi))
}

func tenths(v int) string { return fmt.Sprintf("%d.%d", v/10, v%10) }

// intersect returns the versions both ranges allow; ok is false when none
// is left. A nil range allows every version.
func intersect(a, b *verRange) (r *verRange, ok bool) {
	switch {
	case a == nil:
		return b, true
	case b == nil:
		return a, true
	}
	r = &verRange{lo: max(a.lo, b.lo), hi: min(a.hi, b.hi), why: append(append([]string(nil), a.why...), b.why...)}
	return r, r.lo <= r.hi
}

// all combines outcomes that all bind against one outbound licence (an
// inbound AND, or every inbound expression of a work): the worst verdict,
// and the versions of an "or later" outbound that every part leaves open.
// When the parts need versions no single release satisfies, the
// combination is INCOMPATIBLE even though each part alone is not.
func (e *Engine) all(os []*outcome, out string) *outcome {
	w := worst(os)
	var rng *verRange
	for _, o := range os {
		var ok bool
		if rng, ok = intersect(rng, o.versions); !ok {
			c := *w
			c.verdict = Incompatible
			c.conditions = nil
			c.choice = ""
			c.reasons = append([]Reason{e.reason("version-conflict", Incompatible, strings.Join(rng.why, ", "), out,
				fmt.Sprintf("%s allows later versions, but its parts need versions no single one satisfies: %s.", out, strings.Join(rng.why, "; ")))},
				w.reasons...)
			return &c
		}
	}
	if w == nil || rng == nil || (len(os) == 1 && os[0].versions == rng) {
		return w
	}
	c := *w
	c.versions = rng
	return &c
}

// narrowed turns a COMPATIBLE answer that holds an "or later" outbound to
// some of its versions into CONDITIONAL: the work can no longer go out
// under the licence as written, and a bare "yes" would hide that. It runs
// per inbound term, so that an inbound OR still prefers an alternative
// that needs no narrowing.
func narrowed(o *outcome) *outcome {
	if o.versions == nil || o.verdict != Compatible {
		return o
	}
	c := *o
	c.verdict = Conditional
	return &c
}

// narrowCondition states, once the whole inbound is judged against one
// outbound term, the versions the combined work goes out under as the
// condition ("the combined work goes out under GPL-3.0-or-later").
func (e *Engine) narrowCondition(o *outcome, out *expression.Term) *outcome {
	lo := e.licOf(out)
	if o.versions == nil || o.verdict != Conditional || lo == nil {
		return o
	}
	c := *o
	c.conditions = append(append([]string(nil), o.conditions...), "the combined work goes out under "+o.versions.licences(lo.p.Family))
	return &c
}

// licences names the range as SPDX ids of family, e.g. "GPL-3.0-or-later"
// or "GPL-2.0-only or GPL-3.0-only".
func (r *verRange) licences(family string) string {
	switch {
	case r.hi == anyLater:
		return family + "-" + tenths(r.lo) + "-or-later"
	case r.lo == r.hi:
		return family + "-" + tenths(r.lo) + "-only"
	}
	return fmt.Sprintf("%s-%s-only or a later version up to %s-%s-only", family, tenths(r.lo), family, tenths(r.hi))
}
