package store

import (
	"strconv"
	"strings"

	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/filter"
)

// FilterSchema is what ListWorks filters on. Values reach SQL only as
// parameters.
var FilterSchema = filter.Schema{
	"kind":       {Type: filter.Enum, Values: work.KindNames(), Prefix: "WORK_KIND_"},
	"licence":    {Type: filter.String},
	"licence_id": {Type: filter.String},
	"creator":    {Type: filter.String},
	"identifier": {Type: filter.String},
	"owner":      {Type: filter.String},
	"title":      {Type: filter.String},
}

// query accumulates a statement's parameters.
type query struct{ args []any }

// arg adds a parameter and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// where translates a filter into a SQL condition on works w.
func (q *query) where(e filter.Expr) (string, error) {
	switch x := e.(type) {
	case nil:
		return "TRUE", nil
	case filter.And:
		return q.join(x.Terms, " AND ")
	case filter.Or:
		return q.join(x.Terms, " OR ")
	case filter.Not:
		inner, err := q.where(x.X)
		if err != nil {
			return "", err
		}
		return "NOT (" + inner + ")", nil
	case filter.Comparison:
		return q.comparison(x)
	}
	return "", apierr.Invalid("filter", "unsupported expression")
}

func (q *query) join(terms []filter.Expr, op string) (string, error) {
	parts := make([]string, len(terms))
	for i, t := range terms {
		p, err := q.where(t)
		if err != nil {
			return "", err
		}
		parts[i] = p
	}
	return "(" + strings.Join(parts, op) + ")", nil
}

func (q *query) comparison(c filter.Comparison) (string, error) {
	if c.Op == ":" && c.Field != "title" {
		return "", apierr.Invalid("filter", "%s cannot be searched with ':'; compare it with = or != (only title has ':', contains)", c.Field)
	}
	eq := "="
	if c.Op == "!=" {
		eq = "<>"
	}
	switch c.Field {
	case "kind":
		k, ok := work.KindFromName(c.Value)
		if !ok {
			return "", apierr.Invalid("filter", "unknown kind %q", c.Value)
		}
		return "w.kind " + eq + " " + q.arg(int(k)), nil
	case "licence":
		// No index on the licence column: a caller that knows the ids of
		// the expression adds licence_id conditions, which one serves (as
		// ListWorks does), and this condition checks the whole expression.
		return "w.licence " + eq + " " + q.arg(c.Value), nil
	case "owner":
		return "w.owner " + eq + " " + q.arg(c.Value), nil
	case "title":
		// title_fold is strings.ToLower(title); conditions on it are what
		// PostgreSQL's trigram index serves (migration 2).
		fold := strings.ToLower(c.Value)
		switch c.Op {
		case ":":
			return `w.title_fold LIKE ` + q.arg("%"+escapeLike(fold)+"%") + ` ESCAPE '\'`, nil
		case "=":
			return "(w.title_fold = " + q.arg(fold) + " AND w.title = " + q.arg(c.Value) + ")", nil
		}
		return "w.title <> " + q.arg(c.Value), nil
	case "creator":
		return q.hasTerm(c.Op, fieldCreator, termKey(c.Value)), nil
	case "licence_id":
		return q.hasTerm(c.Op, fieldLicenceID, termKey(c.Value)), nil
	case "identifier":
		scheme, value, ok := strings.Cut(c.Value, ":")
		if !ok {
			return "", apierr.Invalid("filter", "identifier: want <type>:<value>, for example \"purl:pkg:npm/left-pad@1.3.0\"")
		}
		id, err := work.NormaliseIdentifier("identifier", scheme, value)
		if e, ok := apierr.As(err); ok {
			return "", apierr.Invalid("filter", "%s", e.Message)
		}
		return q.hasTerm(c.Op, fieldIdentifier, identifierTerm(id)), nil
	}
	return "", apierr.Invalid("filter", "%s cannot be filtered", c.Field)
}

// hasTerm is the condition that the work has (or, for !=, lacks) a term,
// served by the primary key of work_terms.
func (q *query) hasTerm(op string, f termField, t string) string {
	cond := "EXISTS (SELECT 1 FROM work_terms t WHERE t.field = " + q.arg(int(f)) + " AND t.term = " + q.arg(t) + " AND t.work_seq = w.seq)"
	if op == "!=" {
		return "NOT " + cond
	}
	return cond
}

// escapeLike escapes LIKE's wildcards, with backslash as the escape.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
