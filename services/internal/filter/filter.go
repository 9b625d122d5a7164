// Package filter parses the subset of the AIP-160 filtering language that
// Stemma's list methods accept:
//
//	filter     = expression
//	expression = sequence { "AND" sequence }
//	sequence   = factor { "OR" factor }          (OR binds tighter, as in AIP-160)
//	factor     = [ "NOT" | "-" ] ( comparison | "(" expression ")" )
//	comparison = field ( "=" | "!=" | ":" ) value
//	value      = quoted string | word
//
// Each list method declares its fields and their types; Parse checks every
// comparison against them, so an unknown field, a wrong operator or a bad
// value is INVALID_ARGUMENT naming the position, before any store is
// touched. Evaluation is the caller's: in memory (licences) or as SQL
// (catalog).
package filter

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// Bounds on a filter's size, so that hostile input stays cheap.
const (
	MaxLength      = 2048
	MaxComparisons = 64
	MaxDepth       = 16
)

// Type is the type of a filterable field.
type Type int

// The field types.
const (
	String Type = iota + 1 // = and != compare exactly; ":" matches a substring, ignoring case
	Enum                   // = and != against one of the declared values
	Bool                   // = and != against true or false
)

// Field declares one filterable field.
type Field struct {
	Type Type
	// Values are the allowed values of an Enum, in their short form
	// ("SOFTWARE"); Prefix is the long form's prefix ("WORK_KIND_"), which
	// a filter may also use.
	Values []string
	Prefix string
}

// Schema maps field names to their declarations.
type Schema map[string]Field

// Expr is a parsed filter: And, Or, Not or Comparison.
type Expr interface{ isExpr() }

// And holds when every term holds.
type And struct{ Terms []Expr }

// Or holds when any term holds.
type Or struct{ Terms []Expr }

// Not holds when X does not.
type Not struct{ X Expr }

// Comparison compares a field with a value. Value is normalised: an Enum's
// short form, "true" or "false" for a Bool.
type Comparison struct {
	Field string
	Op    string // "=", "!=" or ":"
	Value string
}

func (And) isExpr()        {}
func (Or) isExpr()         {}
func (Not) isExpr()        {}
func (Comparison) isExpr() {}

// Parse parses s against the schema. The empty filter gives a nil Expr,
// which matches everything.
func Parse(s string, schema Schema) (Expr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if len(s) > MaxLength {
		return nil, apierr.Invalid("filter", "longer than %d characters", MaxLength)
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, schema: schema}
	e, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "unexpected %q", t.text)
	}
	return e, nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tWord
	tString
	tOp
	tLParen
	tRParen
	tMinus
)

type token struct {
	kind tokKind
	text string
	pos  int // 0-based byte offset; filters are ASCII in practice
}

func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			out = append(out, token{tLParen, "(", i})
			i++
		case c == ')':
			out = append(out, token{tRParen, ")", i})
			i++
		case c == '=' || c == ':':
			out = append(out, token{tOp, string(c), i})
			i++
		case c == '!':
			if i+1 < len(s) && s[i+1] == '=' {
				out = append(out, token{tOp, "!=", i})
				i += 2
				continue
			}
			return nil, invalidAt(i, "unexpected %q", "!")
		case c == '<' || c == '>':
			return nil, invalidAt(i, "comparison %q is not supported; use =, != or :", string(c))
		case c == '-' && (i+1 < len(s) && s[i+1] != ' '):
			out = append(out, token{tMinus, "-", i})
			i++
		case c == '"' || c == '\'':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == c {
					closed = true
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, invalidAt(start, "unterminated string")
			}
			out = append(out, token{tString, b.String(), start})
		case isWordByte(c):
			start := i
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
			out = append(out, token{tWord, s[start:i], start})
		default:
			return nil, invalidAt(i, "unexpected character %q", string(c))
		}
	}
	out = append(out, token{tEOF, "", len(s)})
	return out, nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '-' || c == '+' || c == '/' || c == '@' || c == '*'
}

func invalidAt(pos int, format string, args ...any) error {
	return apierr.Invalid("filter", "%s at position %d", fmt.Sprintf(format, args...), pos).With("position", apierr.Position(pos))
}

type parser struct {
	toks   []token
	i      int
	schema Schema
	count  int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) errAt(t token, format string, args ...any) error {
	return invalidAt(t.pos, format, args...)
}

func (p *parser) expression(depth int) (Expr, error) {
	if depth > MaxDepth {
		return nil, p.errAt(p.peek(), "nested deeper than %d", MaxDepth)
	}
	var terms []Expr
	for {
		s, err := p.sequence(depth)
		if err != nil {
			return nil, err
		}
		terms = append(terms, s)
		if t := p.peek(); t.kind == tWord && t.text == "AND" {
			p.next()
			continue
		}
		break
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return And{Terms: terms}, nil
}

func (p *parser) sequence(depth int) (Expr, error) {
	var terms []Expr
	for {
		f, err := p.factor(depth)
		if err != nil {
			return nil, err
		}
		terms = append(terms, f)
		if t := p.peek(); t.kind == tWord && t.text == "OR" {
			p.next()
			continue
		}
		break
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return Or{Terms: terms}, nil
}

func (p *parser) factor(depth int) (Expr, error) {
	t := p.peek()
	if (t.kind == tWord && t.text == "NOT") || t.kind == tMinus {
		p.next()
		x, err := p.factor(depth + 1)
		if err != nil {
			return nil, err
		}
		return Not{X: x}, nil
	}
	if t.kind == tLParen {
		p.next()
		e, err := p.expression(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, p.errAt(c, "expected \")\"")
		}
		return e, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (Expr, error) {
	f := p.next()
	if f.kind != tWord || f.text == "AND" || f.text == "OR" || f.text == "NOT" {
		if f.kind == tEOF {
			return nil, p.errAt(f, "expected a field name at the end")
		}
		return nil, p.errAt(f, "expected a field name, got %q", f.text)
	}
	decl, ok := p.schema[f.text]
	if !ok {
		return nil, p.errAt(f, "unknown field %q; filterable fields: %s", f.text, p.fieldNames())
	}
	op := p.next()
	if op.kind != tOp {
		return nil, p.errAt(op, "expected =, != or : after %q", f.text)
	}
	v := p.next()
	if v.kind != tWord && v.kind != tString {
		return nil, p.errAt(v, "expected a value after %q", op.text)
	}
	p.count++
	if p.count > MaxComparisons {
		return nil, p.errAt(f, "more than %d comparisons", MaxComparisons)
	}
	val, err := normalise(decl, f.text, op, v)
	if err != nil {
		return nil, err
	}
	return Comparison{Field: f.text, Op: op.text, Value: val}, nil
}

func normalise(decl Field, field string, op, v token) (string, error) {
	switch decl.Type {
	case String:
		return v.text, nil
	case Bool:
		if op.text == ":" {
			return "", invalidAt(op.pos, "%s is true or false; compare it with = or !=", field)
		}
		switch strings.ToLower(v.text) {
		case "true":
			return "true", nil
		case "false":
			return "false", nil
		}
		return "", invalidAt(v.pos, "%s: want true or false, got %q", field, v.text)
	case Enum:
		if op.text == ":" {
			return "", invalidAt(op.pos, "%s is an enumeration; compare it with = or !=", field)
		}
		want := strings.TrimPrefix(strings.ToUpper(v.text), decl.Prefix)
		for _, allowed := range decl.Values {
			if allowed == want {
				return allowed, nil
			}
		}
		return "", invalidAt(v.pos, "%s: unknown value %q; want one of %s", field, v.text, strings.Join(decl.Values, ", "))
	}
	return "", invalidAt(v.pos, "%s cannot be filtered", field)
}

func (p *parser) fieldNames() string {
	names := make([]string, 0, len(p.schema))
	for n := range p.schema {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// Match evaluates e in memory. values returns a record's values of a field
// (a field may hold several, such as a licence's obligations); a comparison
// with "=" or ":" holds when some value matches, one with "!=" when none
// equals. A nil e matches everything.
func Match(e Expr, values func(field string) []string) bool {
	switch x := e.(type) {
	case nil:
		return true
	case And:
		for _, t := range x.Terms {
			if !Match(t, values) {
				return false
			}
		}
		return true
	case Or:
		for _, t := range x.Terms {
			if Match(t, values) {
				return true
			}
		}
		return false
	case Not:
		return !Match(x.X, values)
	case Comparison:
		vs := values(x.Field)
		switch x.Op {
		case "!=":
			return !slices.Contains(vs, x.Value)
		case ":":
			needle := strings.ToLower(x.Value)
			for _, v := range vs {
				if strings.Contains(strings.ToLower(v), needle) {
					return true
				}
			}
			return false
		default:
			return slices.Contains(vs, x.Value)
		}
	}
	return false
}
