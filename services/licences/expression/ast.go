package expression

import "strings"

// Expr is a parsed licence expression: a *Term, an *And or an *Or.
type Expr interface {
	// String returns the expression in canonical form.
	String() string
	isExpr()
}

// Term is a single licence, perhaps with "+" and an exception: the leaf of
// an expression tree.
type Term struct {
	// ID is the licence identifier as the SPDX list spells it (deprecated
	// identifiers already replaced), or a "LicenseRef-" reference: the
	// prefix spelt so, the idstring as written.
	ID string
	// DocumentRef is the "DocumentRef-…" prefix of an external reference
	// (without the colon), or empty.
	DocumentRef string
	// OrLater is true when the term was written with "+": the licence's
	// later versions may be chosen too. An "-or-later" identifier keeps its
	// own ID and has OrLater false; see AllowsLaterVersions.
	OrLater bool
	// Exception is the exception after WITH, as the SPDX list spells it, or
	// an "AdditionRef-…" reference spelt like ID, whole with its
	// "DocumentRef-…:" prefix if it has one; empty when there is none.
	Exception string
	// Unlisted is true for an identifier that is not on the SPDX list,
	// accepted only by ParseWith's Options.Unlisted: spelt as written, its
	// terms unknown, like a reference's.
	Unlisted bool
}

// And is a conjunction: every operand binds. It always has two or more
// operands and none of them is itself an *And.
type And struct{ Operands []Expr }

// Or is a disjunction: the licensee may choose any one operand. It always
// has two or more operands and none of them is itself an *Or.
type Or struct{ Operands []Expr }

func (*Term) isExpr() {}
func (*And) isExpr()  {}
func (*Or) isExpr()   {}

// IsRef reports whether the term names a licence that is not on the SPDX
// list (a LicenseRef- or a DocumentRef- reference, or an unlisted
// identifier), whose terms Stemma cannot know.
func (t *Term) IsRef() bool {
	return t.Unlisted || t.DocumentRef != "" || strings.HasPrefix(t.ID, "LicenseRef-")
}

// AllowsLaterVersions reports whether the term lets the licensee choose a
// later version of the licence: written with "+", or an "-or-later"
// identifier.
func (t *Term) AllowsLaterVersions() bool {
	return t.OrLater || strings.HasSuffix(t.ID, "-or-later")
}

// String returns the term in canonical form, for example
// "GPL-2.0-or-later WITH Classpath-exception-2.0".
func (t *Term) String() string {
	var b strings.Builder
	if t.DocumentRef != "" {
		b.WriteString(t.DocumentRef)
		b.WriteByte(':')
	}
	b.WriteString(t.ID)
	if t.OrLater {
		b.WriteByte('+')
	}
	if t.Exception != "" {
		b.WriteString(" WITH ")
		b.WriteString(t.Exception)
	}
	return b.String()
}

// String returns the conjunction in canonical form; an operand that is an
// *Or is parenthesised.
func (a *And) String() string {
	return join(a.Operands, " AND ", func(e Expr) bool { _, isOr := e.(*Or); return isOr })
}

// String returns the disjunction in canonical form. AND binds tighter than
// OR, so no operand needs parentheses.
func (o *Or) String() string { return join(o.Operands, " OR ", func(Expr) bool { return false }) }

func join(ops []Expr, sep string, paren func(Expr) bool) string {
	var b strings.Builder
	for i, e := range ops {
		if i > 0 {
			b.WriteString(sep)
		}
		if paren(e) {
			b.WriteByte('(')
			b.WriteString(e.String())
			b.WriteByte(')')
		} else {
			b.WriteString(e.String())
		}
	}
	return b.String()
}

// Terms returns the leaves of e, left to right.
func Terms(e Expr) []*Term {
	var out []*Term
	var walk func(Expr)
	walk = func(e Expr) {
		switch x := e.(type) {
		case *Term:
			out = append(out, x)
		case *And:
			for _, o := range x.Operands {
				walk(o)
			}
		case *Or:
			for _, o := range x.Operands {
				walk(o)
			}
		}
	}
	walk(e)
	return out
}
