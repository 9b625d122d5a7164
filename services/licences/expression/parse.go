package expression

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stemma-registry/stemma/services/licences/spdx"
)

// Bounds on the input, so that hostile input is refused quickly and never
// exhausts the stack or the heap. Real expressions stay far below them: the
// longest in common SBOMs have a few dozen terms.
const (
	// MaxLength is the longest expression Parse accepts, in characters.
	MaxLength = 8192
	// MaxTerms is the most licences (terms) one expression may name.
	MaxTerms = 512
	// MaxDepth is the deepest parenthesis nesting Parse accepts.
	MaxDepth = 64
)

// Parsed is the result of a successful Parse.
type Parsed struct {
	// Expr is the expression tree, normalised (see the package comment).
	Expr Expr
	// Warnings says what normalisation changed beyond spelling and layout,
	// for example `deprecated licence identifier "GPL-2.0" replaced by
	// "GPL-2.0-only"`; each warning appears once. Nil when there are none.
	Warnings []string
}

// SyntaxError is the error Parse returns for a malformed expression.
type SyntaxError struct {
	// Offset is the 0-based index, in characters (runes), of the offending
	// token's first character; the input's length for an unexpected end.
	Offset int
	// Token is the offending token as written, "" at the end of the input.
	Token string
	// Message says what is wrong, for example "unknown licence identifier"
	// or `expected a licence after "AND"`.
	Message string
}

// maxEcho bounds how much of a token Error repeats, so that an error about
// a huge token stays readable in logs and API responses.
const maxEcho = 40

// Error returns the message with the token and its position, for example
// `unknown licence identifier: "Foo" at position 5`.
func (e *SyntaxError) Error() string {
	if e.Token == "" {
		return e.Message + ": end of input at position " + strconv.Itoa(e.Offset)
	}
	tok := e.Token
	if len(tok) > maxEcho {
		tok = tok[:maxEcho] + "…"
	}
	return e.Message + ": " + strconv.Quote(tok) + " at position " + strconv.Itoa(e.Offset)
}

// Options changes what Parse accepts.
type Options struct {
	// Unlisted accepts a well-formed identifier that is not on the SPDX
	// list as a licence or exception whose terms are unknown (Term.Unlisted,
	// an exception spelt as written), with a warning, instead of failing:
	// an answer about the rest of the expression is still worth giving.
	Unlisted bool
}

// Parse parses s, an SPDX licence expression, against the list l (nil means
// spdx.Default()). Every error it returns is a *SyntaxError. Parse is safe
// for concurrent use.
func Parse(l *spdx.List, s string) (*Parsed, error) {
	return ParseWith(l, s, Options{})
}

// ParseWith is Parse with options.
func ParseWith(l *spdx.List, s string, o Options) (*Parsed, error) {
	if l == nil {
		l = spdx.Default()
	}
	p := parser{list: l, opts: o, full: s, src: s}
	if len(s) > MaxLength {
		p.src = s[:MaxLength]
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokEOF {
		return nil, p.fail(p.tok, "empty expression")
	}
	e, err := p.parseOr(token{})
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.unexpected(token{})
	}
	return &Parsed{Expr: e, Warnings: p.warnings}, nil
}

// MustParse is like Parse against spdx.Default() but panics on error and
// drops the warnings; it is meant for expressions fixed in source code, such
// as rule tables and tests.
func MustParse(s string) Expr {
	p, err := Parse(nil, s)
	if err != nil {
		panic("expression.MustParse(" + strconv.Quote(s) + "): " + err.Error())
	}
	return p.Expr
}

type tokenKind uint8

const (
	tokNone tokenKind = iota // no token: the start of the input
	tokEOF
	tokWord // an identifier or a reference
	tokAnd
	tokOr
	tokWith
	tokLParen
	tokRParen
	tokPlus
)

// token is a lexeme of the input. off and end are byte offsets, which equal
// rune offsets because the lexer refuses the first non-ASCII byte before it
// moves past it.
type token struct {
	kind     tokenKind
	off, end int
	text     string
}

type parser struct {
	list *spdx.List
	opts Options
	full string // the input
	src  string // the input cut at MaxLength
	pos  int    // where the lexer resumes in src
	tok  token  // the current token

	depth    int // open parentheses
	terms    int
	warnings []string
}

func (p *parser) fail(t token, msg string) *SyntaxError {
	return &SyntaxError{Offset: t.off, Token: t.text, Message: msg}
}

func (p *parser) warn(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	if !slices.Contains(p.warnings, w) {
		p.warnings = append(p.warnings, w)
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isWordChar reports whether c may appear in an identifier or a reference:
// an idstring character, or the colon of "DocumentRef-x:LicenseRef-y".
func isWordChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == ':'
}

// next moves to the next token. It reads the input lazily, so a bad token
// early in a huge input is reported without scanning the rest.
func (p *parser) next() error {
	s := p.src
	i := p.pos
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i == len(s) {
		if len(p.full) > len(s) {
			return p.tooLong(p.charAt(i))
		}
		p.pos, p.tok = i, token{kind: tokEOF, off: i, end: i}
		return nil
	}
	kind := tokWord
	j := i + 1
	switch c := s[i]; {
	case c == '(':
		kind = tokLParen
	case c == ')':
		kind = tokRParen
	case c == '+':
		kind = tokPlus
	case isWordChar(c):
		for j < len(s) && isWordChar(s[j]) {
			j++
		}
		if j == len(s) && len(p.full) > j && isWordChar(p.full[j]) {
			return p.tooLong(token{off: i, text: s[i:j]})
		}
		// A bad character glued to a word ("Bjørn", "MIT/X11") is the
		// real mistake; reporting the word before it would mislead.
		if j < len(s) && !isSpace(s[j]) && s[j] != '(' && s[j] != ')' && s[j] != '+' {
			return p.fail(p.charAt(j), "invalid character")
		}
		var err error
		if kind, err = p.operator(token{off: i, text: s[i:j]}); err != nil {
			return err
		}
	default:
		return p.fail(p.charAt(i), "invalid character")
	}
	p.pos, p.tok = j, token{kind: kind, off: i, end: j, text: s[i:j]}
	return nil
}

// charAt returns the character at byte offset i as a token; an invalid
// UTF-8 byte is a character of its own, as utf8.RuneCountInString counts it.
func (p *parser) charAt(i int) token {
	_, size := utf8.DecodeRuneInString(p.full[i:])
	return token{off: i, end: i + size, text: p.full[i : i+size]}
}

func (p *parser) tooLong(t token) error {
	return p.fail(t, "expression longer than "+strconv.Itoa(MaxLength)+" characters")
}

// operator tells an operator word from an identifier. SPDX 3.0 allows
// operators in upper or lower case only; a mixed-case spelling is far more
// likely a typo for the operator than a licence, so it is refused as such.
func (p *parser) operator(w token) (tokenKind, error) {
	var upper, lower string
	var kind tokenKind
	switch len(w.text) {
	case 2:
		upper, lower, kind = "OR", "or", tokOr
	case 3:
		upper, lower, kind = "AND", "and", tokAnd
	case 4:
		upper, lower, kind = "WITH", "with", tokWith
	default:
		return tokWord, nil
	}
	switch {
	case w.text == upper || w.text == lower:
		return kind, nil
	case strings.EqualFold(w.text, upper):
		return tokNone, p.fail(w, "operator must be all upper case or all lower case")
	}
	return tokWord, nil
}

// parseOr parses a disjunction; prev is the token before it, for messages.
func (p *parser) parseOr(prev token) (Expr, error) {
	first, err := p.parseAnd(prev)
	if err != nil || p.tok.kind != tokOr {
		return first, err
	}
	ops := appendOr(nil, first)
	for p.tok.kind == tokOr {
		op := p.tok
		if err := p.next(); err != nil {
			return nil, err
		}
		e, err := p.parseAnd(op)
		if err != nil {
			return nil, err
		}
		ops = appendOr(ops, e)
	}
	return &Or{Operands: ops}, nil
}

func (p *parser) parseAnd(prev token) (Expr, error) {
	first, err := p.parsePrimary(prev)
	if err != nil || p.tok.kind != tokAnd {
		return first, err
	}
	ops := appendAnd(nil, first)
	for p.tok.kind == tokAnd {
		op := p.tok
		if err := p.next(); err != nil {
			return nil, err
		}
		e, err := p.parsePrimary(op)
		if err != nil {
			return nil, err
		}
		ops = appendAnd(ops, e)
	}
	return &And{Operands: ops}, nil
}

// appendOr and appendAnd splice a parenthesised operand of the same
// operation into its parent: OR and AND are associative, so the tree keeps
// one shape per meaning and comparing trees stays simple.
func appendOr(ops []Expr, e Expr) []Expr {
	if o, ok := e.(*Or); ok {
		return append(ops, o.Operands...)
	}
	return append(ops, e)
}

func appendAnd(ops []Expr, e Expr) []Expr {
	if a, ok := e.(*And); ok {
		return append(ops, a.Operands...)
	}
	return append(ops, e)
}

// parsePrimary parses a term or a parenthesised expression.
func (p *parser) parsePrimary(prev token) (Expr, error) {
	if p.tok.kind == tokWord {
		return p.parseTerm()
	}
	if p.tok.kind != tokLParen {
		return nil, p.expectedLicence(prev)
	}
	open := p.tok
	if p.depth++; p.depth > MaxDepth {
		return nil, p.fail(open, "parentheses nested deeper than "+strconv.Itoa(MaxDepth))
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	e, err := p.parseOr(open)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokRParen {
		return nil, p.unexpected(open)
	}
	p.depth--
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokWith {
		return nil, p.fail(p.tok, `"WITH" must follow a single licence, not a parenthesised expression`)
	}
	return e, nil
}

const strayPlus = `"+" may appear only once, directly after a licence identifier`

// expectedLicence reports the current token, found where a licence should
// have been.
func (p *parser) expectedLicence(prev token) error {
	switch {
	case p.tok.kind == tokPlus:
		return p.fail(p.tok, strayPlus)
	case prev.kind == tokNone:
		return p.fail(p.tok, "expected a licence")
	default:
		return p.fail(p.tok, "expected a licence after "+strconv.Quote(prev.text))
	}
}

// unexpected reports the current token, found after a complete expression
// where an operator or the end should have been; open is the parenthesis
// being closed, or the zero token at the top level.
func (p *parser) unexpected(open token) error {
	switch {
	case p.tok.kind == tokPlus:
		return p.fail(p.tok, strayPlus)
	case open.kind == tokNone && p.tok.kind == tokRParen:
		return p.fail(p.tok, `closing parenthesis without an opening one`)
	case open.kind == tokNone:
		return p.fail(p.tok, `expected "AND" or "OR"`)
	case p.tok.kind == tokEOF:
		return p.fail(p.tok, `expected ")" to close the "(" at position `+strconv.Itoa(open.off))
	default:
		return p.fail(p.tok, `expected "AND", "OR" or ")"`)
	}
}

// parseTerm parses a licence with its optional "+" and WITH clause.
func (p *parser) parseTerm() (Expr, error) {
	w := p.tok
	if p.terms++; p.terms > MaxTerms {
		return nil, p.fail(w, "more than "+strconv.Itoa(MaxTerms)+" licences in one expression")
	}
	r, msg := classify(w.text)
	var lic spdx.Licence
	unlisted := false
	switch {
	case msg != "":
		return nil, p.fail(w, msg)
	case r.kind == additionRef:
		return nil, p.fail(w, `an AdditionRef names an exception; it must follow "WITH"`)
	case r.kind == plainID:
		var ok bool
		if lic, ok = p.list.Licence(w.text); !ok {
			if _, isExc := p.list.Exception(w.text); isExc {
				return nil, p.fail(w, `an exception is not a licence; it must follow "WITH"`)
			}
			if strings.EqualFold(w.text, "NONE") || strings.EqualFold(w.text, "NOASSERTION") {
				// SBOMs often carry these; naming them helps more than "unknown".
				return nil, p.fail(w, "NONE and NOASSERTION stand in place of a licence expression, not inside one")
			}
			if !p.opts.Unlisted {
				return nil, p.fail(w, "unknown licence identifier")
			}
			unlisted = true
			p.warn("%q is not on the SPDX licence list; its terms are unknown", w.text)
		}
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	plus := p.tok.kind == tokPlus && p.tok.off == w.end
	if plus {
		if r.kind == licenceRef {
			return nil, p.fail(p.tok, `"+" cannot follow a LicenseRef, whose later versions are unknown`)
		}
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	var t *Term
	switch {
	case r.kind == licenceRef:
		t = &Term{ID: r.ref, DocumentRef: r.doc}
	case unlisted:
		t = &Term{ID: w.text, OrLater: plus, Unlisted: true}
	default:
		t = p.normalise(lic, plus)
	}
	if p.tok.kind != tokWith {
		return t, nil
	}
	with := p.tok
	if t.Exception != "" {
		return nil, p.fail(with, fmt.Sprintf("%q already stands for %q; a licence takes one exception", w.text, t.String()))
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	exc, err := p.exception(with)
	if err != nil {
		return nil, err
	}
	t.Exception = exc
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokWith {
		return nil, p.fail(p.tok, "a licence takes only one exception")
	}
	return t, nil
}

// normalise turns a listed licence, perhaps written with "+", into its
// current form, and warns about anything beyond spelling that changed.
func (p *parser) normalise(lic spdx.Licence, plus bool) *Term {
	written := lic.ID
	if plus {
		written += "+"
		// SPDX lists a few "+" forms ("GPL-2.0+") as deprecated identifiers
		// of their own; they carry the right replacement.
		if whole, ok := p.list.Licence(written); ok {
			lic, plus = whole, false
		}
	}
	t := &Term{ID: lic.ID, OrLater: plus}
	if lic.ReplacedBy != "" {
		// The spdx package's tests hold every replacement to the form
		// "id" or "id WITH exception", spelt as the list spells them.
		t.ID, t.Exception, _ = strings.Cut(lic.ReplacedBy, " WITH ")
	}
	if t.OrLater {
		if strings.HasSuffix(t.ID, "-or-later") {
			t.OrLater = false
		} else if later, ok := p.list.Licence(strings.TrimSuffix(t.ID, "-only") + "-or-later"); ok {
			t.ID, t.OrLater = later.ID, false
		}
	}
	switch {
	case lic.Deprecated && lic.ReplacedBy == "":
		p.warn("deprecated licence identifier %q has no replacement; kept as it is", written)
	case lic.Deprecated:
		p.warn("deprecated licence identifier %q replaced by %q", written, t.String())
	case plus && !t.OrLater:
		p.warn("%q normalised to %q", written, t.ID)
	}
	return t
}

// exception parses the word after WITH.
func (p *parser) exception(with token) (string, error) {
	w := p.tok
	if w.kind != tokWord {
		return "", p.fail(w, "expected an exception after "+strconv.Quote(with.text))
	}
	r, msg := classify(w.text)
	switch {
	case msg != "":
		return "", p.fail(w, msg)
	case r.kind == licenceRef:
		return "", p.fail(w, "a LicenseRef names a licence, not an exception")
	case r.kind == additionRef && r.doc != "":
		return r.doc + ":" + r.ref, nil
	case r.kind == additionRef:
		return r.ref, nil
	}
	x, ok := p.list.Exception(w.text)
	if !ok {
		if _, isLic := p.list.Licence(w.text); isLic {
			return "", p.fail(w, "a licence is not an exception")
		}
		if !p.opts.Unlisted {
			return "", p.fail(w, "unknown exception identifier")
		}
		p.warn("%q is not on the SPDX exception list; its terms are unknown", w.text)
		return w.text, nil
	}
	if x.Deprecated {
		p.warn("deprecated exception identifier %q has no replacement; kept as it is", x.ID)
	}
	return x.ID, nil
}

type wordKind uint8

const (
	plainID wordKind = iota
	licenceRef
	additionRef
)

// ref is a word split into its parts, reference prefixes in canonical case.
type ref struct {
	kind wordKind
	doc  string // "DocumentRef-…", or empty
	ref  string // "LicenseRef-…" or "AdditionRef-…"; empty for a plainID
}

const (
	docPrefix      = "DocumentRef-"
	licencePrefix  = "LicenseRef-"
	additionPrefix = "AdditionRef-"
	colonMsg       = `":" may appear only once, after a DocumentRef`
)

// classify splits a word into a reference's parts, or returns a message
// saying why it is a malformed reference. A plain identifier is not looked
// up here.
func classify(w string) (ref, string) {
	var r ref
	if hasPrefixFold(w, docPrefix) {
		doc, rest, found := strings.Cut(w[len(docPrefix):], ":")
		if msg := idstringProblem(docPrefix, doc); msg != "" {
			return r, msg
		}
		if !found || !hasPrefixFold(rest, licencePrefix) && !hasPrefixFold(rest, additionPrefix) {
			return r, `a DocumentRef must be followed by ":LicenseRef-" or ":AdditionRef-"`
		}
		r.doc, w = docPrefix+doc, rest
	}
	prefix := ""
	switch {
	case hasPrefixFold(w, licencePrefix):
		r.kind, prefix = licenceRef, licencePrefix
	case hasPrefixFold(w, additionPrefix):
		r.kind, prefix = additionRef, additionPrefix
	case strings.Contains(w, ":"):
		return r, colonMsg
	default:
		return r, ""
	}
	id := w[len(prefix):]
	if msg := idstringProblem(prefix, id); msg != "" {
		return r, msg
	}
	r.ref = prefix + id
	return r, ""
}

// idstringProblem checks the idstring after prefix. The lexer has already
// confined words to idstring characters and colons.
func idstringProblem(prefix, id string) string {
	switch {
	case id == "":
		return "an idstring must follow " + strconv.Quote(prefix)
	case strings.Contains(id, ":"):
		return colonMsg
	}
	return ""
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
