package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/identify"
	"github.com/stemma-registry/stemma/services/licences/profile"
)

// Resolver resolves the licence statements of a document's components to
// SPDX expressions, saying for each how, and collects what it could not
// resolve for one warning per statement rather than one per component.
// It runs in the importing process: identification is a table lookup, and
// an SBOM states hundreds of licences.
type Resolver struct {
	doc *Document
	// extracted caches the resolution of the document's own licences
	// (LicenseRef- ids); a nil entry is one that resolved to nothing.
	extracted map[string]*identify.Result
	// unresolved is every statement nothing resolved, in order of first
	// appearance, with the components that make it.
	unresolved []*unresolvedStatement
	byText     map[string]*unresolvedStatement
	replaced   []string // LicenseRef- ids read as a listed licence, in order
	problems   []string // components whose statements could not be combined
}

type unresolvedStatement struct {
	statement string // as written, whitespace folded
	ref       string // the LicenseRef- it is recorded as
	why       string // "" for a statement; for a document's own licence, what it defines
	hint      string // the licence a text nearly is, if any
	comps     []string
}

// Resolution is the licence of one component, resolved.
type Resolution struct {
	// Expression is the component's licence: the AND of its concluded
	// statements if it has any, else of its declared ones, else of those a
	// generator found as evidence; in canonical form. Statements nothing
	// resolved are in it as LicenseRef-. Empty when the component states no
	// licence (or NONE).
	Expression string
	// Statements are every statement of the component in document order.
	Statements []Resolved
	// Unresolved are the statements, and LicenseRef- ids of the document,
	// that the licence holds because they resolved to no listed licence, as
	// written (a losing statement's are only in the warnings).
	Unresolved []string
}

// Definite reports whether the licence is known: there is one, and every
// licence it names is on the SPDX list.
func (r Resolution) Definite() bool {
	return r.Expression != "" && len(r.Unresolved) == 0
}

// Resolved is one licence statement and how it resolved.
type Resolved struct {
	// Statement is the part of the claim that resolved (its id, expression,
	// name or URL), as written but with runs of white space folded to one
	// space; "text sha256:<hex>" for a licence text. When nothing resolved,
	// the first part the claim has.
	Statement string
	// Method is how: identify's methods (MethodText for a text), or
	// MethodNone. A LicenseRef- of the document read as a listed licence
	// by its name, URL or text gives that method (the weaker one when the
	// expression had several).
	Method identify.Method
	// Expression is what the statement resolved to, canonical; for
	// MethodNone the LicenseRef- it is recorded as, or "" for NONE.
	Expression string
	// Confidence is how sure the resolution is, from 0 to 1.
	Confidence float64
	Concluded  bool
	Evidence   bool
}

// NewResolver returns a resolver for the components of doc.
func NewResolver(doc *Document) *Resolver {
	return &Resolver{doc: doc, extracted: map[string]*identify.Result{}, byText: map[string]*unresolvedStatement{}}
}

// Resolve resolves the statements of c, a component of the document.
func (r *Resolver) Resolve(c Component) Resolution {
	claims := c.Declared
	if len(claims) == 0 && c.Licence != "" {
		claims = []LicenceClaim{{Path: c.Path, Expression: c.Licence}}
	}
	var res Resolution
	var left [][]string // per statement, what it left unresolved
	for _, cl := range claims {
		rs, unresolved := r.claim(c, cl)
		res.Statements = append(res.Statements, rs)
		left = append(left, unresolved)
	}
	// Concluded statements win over declared ones, which win over a
	// generator's evidence; those of the winning kind all bind.
	rank := func(s Resolved) int {
		switch {
		case s.Concluded:
			return 0
		case !s.Evidence:
			return 1
		}
		return 2
	}
	best := 3
	for _, s := range res.Statements {
		best = min(best, rank(s))
	}
	var parts []string
	none := false
	for i, s := range res.Statements {
		if rank(s) != best {
			continue
		}
		for _, u := range left[i] {
			if !slices.Contains(res.Unresolved, u) {
				res.Unresolved = append(res.Unresolved, u)
			}
		}
		if s.Expression == "" {
			none = true // NONE: no licence, whatever else is stated
			continue
		}
		if !slices.Contains(parts, s.Expression) {
			parts = append(parts, s.Expression)
		}
	}
	if none || len(parts) == 0 {
		return res
	}
	for i, p := range parts {
		if len(parts) > 1 && strings.Contains(p, " OR ") {
			parts[i] = "(" + p + ")"
		}
	}
	p, err := expression.Parse(nil, strings.Join(parts, " AND "))
	if err != nil {
		// Each part parses; together they can only exceed the parser's
		// bounds.
		r.problems = append(r.problems, fmt.Sprintf("%s: its %d licence statements together are no expression Stemma reads (%v); its licence is recorded as unknown",
			c.Path, len(parts), err))
		return res
	}
	res.Expression = p.Expr.String()
	return res
}

// claim resolves one statement, trying its parts in turn: the id, the
// expression, the name, the URL, the text. It returns the strings nothing
// resolved (the statement, or LicenseRef- ids of the document).
func (r *Resolver) claim(c Component, cl LicenceClaim) (Resolved, []string) {
	out := Resolved{Concluded: cl.Concluded, Evidence: cl.Evidence, Method: identify.MethodNone}
	if strings.TrimSpace(cl.Expression) == "NONE" {
		// "No licence": no rights granted. Nothing to resolve or curate;
		// the licence is left unknown (the reader has said so).
		out.Statement = "NONE"
		return out, nil
	}
	var tries []struct {
		statement string
		resolve   func() identify.Result
	}
	add := func(statement string, resolve func() identify.Result) {
		if statement != "" {
			tries = append(tries, struct {
				statement string
				resolve   func() identify.Result
			}{statement, resolve})
		}
	}
	for _, s := range []string{cl.ID, cl.Expression, cl.Name} {
		s := fold(s)
		add(s, func() identify.Result {
			if res := identify.Name(s); res.Method != identify.MethodNone {
				return res
			}
			return compound(s, 0)
		})
	}
	u := fold(cl.URL)
	add(u, func() identify.Result { return identify.URL(u) })
	if strings.TrimSpace(cl.Text) != "" {
		add(textStatement(cl.Text), func() identify.Result { return identify.Text(cl.Text) })
	}
	hint := ""
	for _, t := range tries {
		res := t.resolve()
		if res.Method == identify.MethodNone {
			// A text below the threshold names the licence it is nearest:
			// where a curator would look first.
			if len(res.Alternatives) > 0 && res.Confidence > 0 {
				hint = fmt.Sprintf("its text is nearest %s's (%.0f%% alike)", res.Alternatives[0], 100*res.Confidence)
			}
			continue
		}
		out.Statement, out.Method, out.Confidence = t.statement, res.Method, confidence(res)
		expr, method, conf, refs := r.substitute(res.Expression)
		out.Expression = expr
		if method != "" {
			out.Method, out.Confidence = method, min(out.Confidence, conf)
		}
		for _, ref := range refs {
			r.note(c, ref, ref, r.describe(ref))
		}
		return out, refs
	}
	if len(tries) == 0 {
		return out, nil
	}
	out.Statement = tries[0].statement
	out.Expression = licenseRef(out.Statement)
	if strings.HasPrefix(out.Statement, "text sha256:") {
		out.Expression = "LicenseRef-text-" + strings.TrimPrefix(out.Statement, "text sha256:")[:16]
	}
	r.note(c, out.Statement, out.Expression, "")
	if u := r.byText[out.Statement]; hint != "" && u.hint == "" {
		u.hint = hint
	}
	return out, []string{out.Statement}
}

// substitute replaces, in expr, each LicenseRef- the document defines
// whose name, URL or text identifies a listed licence by that licence. It
// returns the new expression, the weakest method and confidence used (""
// when nothing was replaced) and the LicenseRef- ids left.
func (r *Resolver) substitute(expr string) (string, identify.Method, float64, []string) {
	p, err := expression.Parse(nil, expr)
	if err != nil {
		return expr, "", 0, nil
	}
	var method identify.Method
	conf := 1.0
	var left []string
	var walk func(e expression.Expr) expression.Expr
	walk = func(e expression.Expr) expression.Expr {
		switch x := e.(type) {
		case *expression.Term:
			if !x.IsRef() {
				return x
			}
			res := r.extractedLicence(x)
			if _, own := r.doc.Extracted[x.ID]; res == nil && !own && modelledRef(x) {
				// One of the licences outside the SPDX list that Stemma
				// models (an AI model licence), not redefined by the
				// document: known, as a listed licence is.
				return x
			}
			if res == nil {
				if !slices.Contains(left, x.String()) {
					left = append(left, x.String())
				}
				return x
			}
			if c := confidence(*res); method == "" || c < conf {
				method, conf = res.Method, c
			}
			sub, err := expression.Parse(nil, res.Expression)
			if err != nil {
				return x
			}
			return sub.Expr
		case *expression.And:
			ops := make([]expression.Expr, len(x.Operands))
			for i, o := range x.Operands {
				ops[i] = walk(o)
			}
			return &expression.And{Operands: ops}
		case *expression.Or:
			ops := make([]expression.Expr, len(x.Operands))
			for i, o := range x.Operands {
				ops[i] = walk(o)
			}
			return &expression.Or{Operands: ops}
		}
		return e
	}
	e := walk(p.Expr)
	if method == "" {
		return p.Expr.String(), "", 0, left
	}
	// A replaced term may be an AND or OR itself: parse the result again
	// so that it is in canonical form (operators flattened).
	if q, err := expression.Parse(nil, e.String()); err == nil {
		return q.Expr.String(), method, conf, left
	}
	return p.Expr.String(), "", 0, left
}

// extractedLicence resolves a LicenseRef- term the document defines, by
// its name, then each URL, then its text; nil when it is not the
// document's, has an exception or "+", or resolves to nothing definite.
func (r *Resolver) extractedLicence(t *expression.Term) *identify.Result {
	if t.DocumentRef != "" || t.OrLater || t.Exception != "" {
		return nil
	}
	if res, done := r.extracted[t.ID]; done {
		return res
	}
	x, ok := r.doc.Extracted[t.ID]
	var found *identify.Result
	if ok {
		tries := []func() identify.Result{func() identify.Result { return identify.Name(x.Name) }}
		for _, u := range x.URLs {
			tries = append(tries, func() identify.Result { return identify.URL(u) })
		}
		if strings.TrimSpace(x.Text) != "" {
			tries = append(tries, func() identify.Result { return identify.Text(x.Text) })
		}
		for _, try := range tries {
			if res := try(); res.Method != identify.MethodNone && definite(res.Expression) {
				found = &res
				break
			}
		}
	}
	r.extracted[t.ID] = found
	if found != nil {
		r.replaced = append(r.replaced, t.ID)
	}
	return found
}

// describe says how the document defines a LicenseRef-, for messages.
func (r *Resolver) describe(id string) string {
	x, ok := r.doc.Extracted[id]
	switch {
	case !ok:
		return "a licence outside the SPDX list"
	case x.Name != "":
		return fmt.Sprintf("the document's own licence %q", clip(x.Name))
	}
	return "the document's own licence"
}

// note records an unresolved statement of component c.
func (r *Resolver) note(c Component, statement, ref, why string) {
	u := r.byText[statement]
	if u == nil {
		u = &unresolvedStatement{statement: statement, ref: ref, why: why}
		r.byText[statement] = u
		r.unresolved = append(r.unresolved, u)
	}
	name := c.Name
	if name == "" {
		name = c.Ref
	}
	if !slices.Contains(u.comps, name) {
		u.comps = append(u.comps, name)
	}
}

// Warnings says, once per statement, what the resolution of the
// components resolved so far could not do, for a curator, and which of the
// document's own licences it read as listed ones.
func (r *Resolver) Warnings() []string {
	out := slices.Clone(r.problems)
	for _, id := range r.replaced {
		res := r.extracted[id]
		out = append(out, fmt.Sprintf("%s, %s, is read as %s: its %s identifies it",
			id, r.describe(id), res.Expression, methodWhat(res.Method)))
	}
	for _, u := range r.unresolved {
		comps := u.comps
		more := ""
		if len(comps) > 5 {
			comps, more = comps[:5], fmt.Sprintf(" and %d more", len(u.comps)-5)
		}
		if u.why != "" {
			out = append(out, fmt.Sprintf("%s, %s, matches no listed licence (components %s%s); kept as it is, to be curated",
				u.statement, u.why, strings.Join(comps, ", "), more))
			continue
		}
		hint := ""
		if u.hint != "" {
			hint = "; " + u.hint
		}
		out = append(out, fmt.Sprintf("licence %q identifies no listed licence (components %s%s); recorded as %s, to be curated%s",
			clip(u.statement), strings.Join(comps, ", "), more, u.ref, hint))
	}
	return out
}

func methodWhat(m identify.Method) string {
	switch m {
	case identify.MethodURL:
		return "URL"
	case identify.MethodName, identify.MethodAlias, identify.MethodSPDXID, identify.MethodExpression:
		return "name"
	case identify.MethodText:
		return "text"
	}
	return string(m)
}

// definite reports whether an expression names only licences whose terms
// Stemma knows: listed ones, and the LicenseRef- licences it models.
func definite(expr string) bool {
	p, err := expression.Parse(nil, expr)
	if err != nil {
		return false
	}
	for _, t := range expression.Terms(p.Expr) {
		if t.IsRef() && !modelledRef(t) {
			return false
		}
	}
	return true
}

// modelledRef reports whether a LicenseRef- term is one of the licences
// outside the SPDX list that Stemma models (profile/data/refs.tsv), which
// resolve like listed licences.
func modelledRef(t *expression.Term) bool {
	if t.DocumentRef != "" || t.Exception != "" || t.OrLater {
		return false
	}
	_, ok := profile.Default().Ref(t.ID)
	return ok
}

// confidence is how sure it is that the statement means the licence it
// resolved to. For a text it is identify's similarity of the text to the
// licence's. For the rest identify answers 1 (its lookups are exact), but
// the statements are not equally sure: an identifier or expression is what
// it says; a full name is nearly so; an alias or a URL can be read another
// way, and less so still when identify names how (Alternatives).
func confidence(r identify.Result) float64 {
	c := 0.0
	switch r.Method {
	case identify.MethodText:
		return r.Confidence
	case identify.MethodSPDXID, identify.MethodExpression:
		c = 1
	case identify.MethodName:
		c = 0.95
	case identify.MethodAlias, identify.MethodURL:
		c = 0.9
	}
	if len(r.Alternatives) > 0 {
		c -= 0.1
	}
	return c
}

// textStatement is how a licence text is named in a statement: texts are
// matched, not kept.
func textStatement(text string) string {
	h := sha256.Sum256([]byte(text))
	return "text sha256:" + hex.EncodeToString(h[:])
}

// fold trims s and folds each run of white space and control characters
// to one space, so that a statement is one line whatever the document's
// layout.
func fold(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// maxCompoundDepth bounds the parentheses compound descends into.
const maxCompoundDepth = 8

// compound resolves a statement that joins licence names with AND or OR,
// which is no SPDX expression ("Apache License 2.0 OR MIT", "(GPLv2+ and
// BSD) or MIT", as RPM and package metadata write them), by resolving each
// operand: OR binds loosest, parentheses group. An operand that does not
// resolve is kept as a LicenseRef- of its words, left for a curator, as
// long as one other does: "MIT or Frobozz" still offers MIT, which a
// verdict may choose. The method is the least sure resolved operand's. It
// is tried only after the whole
// statement failed as an expression and as a name, so a name that contains
// "or" ("GPLv2 or later") is never split.
func compound(s string, depth int) identify.Result {
	none := identify.Result{Method: identify.MethodNone}
	if depth > maxCompoundDepth {
		return none
	}
	s = strings.TrimSpace(s)
	ops, op := splitTop(s)
	if len(ops) < 2 {
		if inner, ok := unwrap(s); ok {
			return compound(inner, depth+1)
		}
		if depth == 0 {
			return none // the whole statement was tried as a name already
		}
		return identify.Name(s)
	}
	var parts []string
	var weakest identify.Result
	resolved := 0
	for _, o := range ops {
		res := compound(o, depth+1)
		if res.Method == identify.MethodNone {
			parts = append(parts, licenseRef(strings.TrimSpace(o)))
			continue
		}
		if resolved == 0 || confidence(res) < confidence(weakest) {
			weakest = res
		}
		resolved++
		parts = append(parts, "("+res.Expression+")")
	}
	if resolved == 0 {
		return none
	}
	p, err := expression.Parse(nil, strings.Join(parts, " "+op+" "))
	if err != nil {
		return none
	}
	return identify.Result{Expression: p.Expr.String(), Method: weakest.Method, Alternatives: weakest.Alternatives,
		Warnings: weakest.Warnings, Confidence: weakest.Confidence}
}

// splitTop splits s at its top-level (outside parentheses) " or ", else at
// its top-level " and ", in any case; it returns s alone when it has
// neither, or when its parentheses do not balance.
func splitTop(s string) ([]string, string) {
	for _, op := range []string{"OR", "AND"} {
		sep := " " + op + " "
		var ops []string
		depth, start := 0, 0
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c == '(':
				depth++
			case c == ')':
				if depth--; depth < 0 {
					return []string{s}, ""
				}
			case depth == 0 && i+len(sep) <= len(s) && strings.EqualFold(s[i:i+len(sep)], sep):
				ops = append(ops, s[start:i])
				start = i + len(sep)
				i += len(sep) - 1
			}
		}
		if depth != 0 {
			return []string{s}, ""
		}
		if len(ops) > 0 {
			return append(ops, s[start:]), op
		}
	}
	return []string{s}, ""
}

// unwrap strips one pair of parentheses around the whole of s.
func unwrap(s string) (string, bool) {
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")") {
		return "", false
	}
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i < len(s)-1 {
				return "", false // "(a) or (b)": the first group closes early
			}
		}
	}
	return s[1 : len(s)-1], true
}
