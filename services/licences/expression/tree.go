package expression

import (
	"slices"
	"strings"
)

// Equal reports whether a and b are the same expression written the same
// way: the same operations over the same operands in the same order, and
// the same terms. Identifiers are compared ignoring case, as SPDX matches
// them; for trees from Parse that matters only for LicenseRef-, DocumentRef-
// and AdditionRef- idstrings, which Parse keeps as written. Equal does not
// reorder operands, since the order of an OR may state a preference: "MIT OR
// Apache-2.0" and "Apache-2.0 OR MIT" are different.
func Equal(a, b Expr) bool {
	switch x := a.(type) {
	case *Term:
		y, ok := b.(*Term)
		return ok && x.OrLater == y.OrLater &&
			strings.EqualFold(x.ID, y.ID) &&
			strings.EqualFold(x.DocumentRef, y.DocumentRef) &&
			strings.EqualFold(x.Exception, y.Exception)
	case *And:
		y, ok := b.(*And)
		return ok && slices.EqualFunc(x.Operands, y.Operands, Equal)
	case *Or:
		y, ok := b.(*Or)
		return ok && slices.EqualFunc(x.Operands, y.Operands, Equal)
	}
	return a == nil && b == nil
}

// IDs returns the licence and exception identifiers e names, each list
// sorted and without repeats. A licence written with "+" is listed without
// it; a DocumentRef reference is listed whole ("DocumentRef-a:LicenseRef-b"),
// as the canonical form writes it.
func IDs(e Expr) (licences, exceptions []string) {
	for _, t := range Terms(e) {
		if t.DocumentRef != "" {
			licences = append(licences, t.DocumentRef+":"+t.ID)
		} else {
			licences = append(licences, t.ID)
		}
		if t.Exception != "" {
			exceptions = append(exceptions, t.Exception)
		}
	}
	slices.Sort(licences)
	slices.Sort(exceptions)
	return slices.Compact(licences), slices.Compact(exceptions)
}

// Choices returns the ways a licensee may take material under e: e in
// disjunctive normal form, each choice being the terms that all bind
// together. "MIT AND (Apache-2.0 OR GPL-2.0-only)" gives [MIT Apache-2.0]
// and [MIT GPL-2.0-only]. Choices come in the order written, so the first
// is the licensor's first preference where the order states one; terms are
// not deduplicated.
//
// The number of choices can grow exponentially with the number of ORs
// under an AND, so Choices stops and returns false when there would be
// more than limit of them.
func Choices(e Expr, limit int) ([][]*Term, bool) {
	switch x := e.(type) {
	case *Term:
		if limit < 1 {
			return nil, false
		}
		return [][]*Term{{x}}, true
	case *Or:
		var out [][]*Term
		for _, o := range x.Operands {
			c, ok := Choices(o, limit-len(out))
			if !ok {
				return nil, false
			}
			out = append(out, c...)
		}
		return out, true
	case *And:
		out := [][]*Term{nil}
		for _, o := range x.Operands {
			c, ok := Choices(o, limit)
			if !ok || len(c) > 0 && len(out) > limit/len(c) {
				return nil, false
			}
			next := make([][]*Term, 0, len(out)*len(c))
			for _, a := range out {
				for _, b := range c {
					next = append(next, slices.Concat(a, b))
				}
			}
			out = next
		}
		return out, true
	}
	return nil, false
}
