package compat

import (
	"sort"

	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/profile"
)

// Suggestion is one licence a work may be released under.
type Suggestion struct {
	Licence    string // the outbound expression, e.g. "GPL-3.0-or-later"
	Category   profile.Category
	Verdict    Verdict // Compatible or Conditional
	Reasons    []Reason
	Conditions []string
}

// Suggest lists the licences a work combining all inbound material, used
// the way use says, may be released under: every inbound expression must
// allow the candidate (COMPATIBLE or CONDITIONAL). Candidates default to
// every modelled, non-deprecated licence (AI model licences only when the
// inbound names them). Suggestions are ranked most
// permissive category first, then COMPATIBLE before CONDITIONAL, then by
// identifier; limit > 0 keeps the first limit.
//
// blocking lists the inbound expressions that allow none of the candidates,
// or that name licences Stemma does not model.
func (e *Engine) Suggest(inbound []expression.Expr, use Use, candidates []expression.Expr, limit int) (suggestions []Suggestion, blocking []string) {
	use = use.normal()
	if candidates == nil {
		candidates = e.defaultCandidates(inbound)
	}
	allowsAny := make([]bool, len(inbound))
	for i, in := range inbound {
		if !e.modelled(in) {
			blocking = append(blocking, in.String())
			allowsAny[i] = true // reported already
		}
	}
	for _, c := range candidates {
		var parts []*outcome
		for i, in := range inbound {
			o := e.evalOut(in, c, use)
			if o.verdict == Compatible || o.verdict == Conditional {
				allowsAny[i] = true
			}
			parts = append(parts, o)
		}
		if len(parts) == 0 {
			continue
		}
		w := worst(parts)
		if _, single := c.(*expression.Term); single {
			w = e.all(parts, c.String())
		}
		if w.verdict != Compatible && w.verdict != Conditional {
			continue
		}
		r := w.result()
		suggestions = append(suggestions, Suggestion{
			Licence: c.String(), Category: e.category(c), Verdict: r.Verdict,
			Reasons: r.Reasons, Conditions: r.Conditions,
		})
	}
	for i, ok := range allowsAny {
		if !ok {
			blocking = append(blocking, inbound[i].String())
		}
	}
	sort.SliceStable(suggestions, func(i, j int) bool {
		a, b := suggestions[i], suggestions[j]
		if a.Category != b.Category {
			return a.Category < b.Category
		}
		if a.Verdict != b.Verdict {
			return a.Verdict == Compatible
		}
		return a.Licence < b.Licence
	})
	if limit > 0 && len(suggestions) > limit {
		suggestions = suggestions[:limit]
	}
	return suggestions, blocking
}

// defaultCandidates are every modelled, non-deprecated SPDX licence and the
// AI model licences (§12 of docs/licences.md) the inbound names: a work
// that uses none of those has no reason to take on a model licence's use
// restrictions.
func (e *Engine) defaultCandidates(inbound []expression.Expr) []expression.Expr {
	named := make(map[int]bool)
	for _, in := range inbound {
		for _, t := range expression.Terms(in) {
			if l := e.licOf(t); l != nil && l.kind == kModel {
				named[l.idx] = true
			}
		}
	}
	var out []expression.Expr
	for i := range e.lics {
		l := &e.lics[i]
		if l.kind == kUnmodelled || l.p.Deprecated || l.kind == kModel && !named[i] {
			continue
		}
		out = append(out, &expression.Term{ID: l.p.ID})
	}
	return out
}

// modelled reports whether every licence the expression names is modelled.
func (e *Engine) modelled(x expression.Expr) bool {
	for _, t := range expression.Terms(x) {
		l := e.licOf(t)
		if l == nil || l.kind == kUnmodelled {
			return false
		}
	}
	return true
}

// category returns a candidate's category: the licence's own for a single
// term, the least permissive of its licences for an expression.
func (e *Engine) category(x expression.Expr) profile.Category {
	c := profile.CategoryUnspecified
	for _, t := range expression.Terms(x) {
		l := e.licOf(t)
		if l == nil {
			return profile.ProprietaryOrUnknown
		}
		if l.p.Category > c {
			c = l.p.Category
		}
	}
	return c
}
