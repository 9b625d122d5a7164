package work

import (
	"fmt"
	"slices"

	"github.com/stemma-registry/stemma/services/catalog/iscc"
	"github.com/stemma-registry/stemma/services/catalog/similarity"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/input"
)

// NormaliseISCC validates one ISCC code a work may carry, or a search may
// ask for, and returns it in canonical form with the units the similarity
// index compares. A code without such a unit is refused: it could never
// be found by its similarity, which is what a work's codes are for.
func NormaliseISCC(field, s string) (string, []similarity.Unit, error) {
	s, err := input.Text(field, s, 200, false)
	if err != nil {
		return "", nil, err
	}
	if s == "" {
		return "", nil, apierr.Missing(field)
	}
	c, err := iscc.Parse(s)
	if err != nil {
		return "", nil, apierr.Invalid(field, "%q: %v", clip(s), err)
	}
	units, err := similarity.Units(c)
	if err != nil {
		return "", nil, apierr.Invalid(field, "%s: %v", c, err)
	}
	return c.String(), units, nil
}

func normaliseISCCCodes(field string, cs []string) ([]string, error) {
	if len(cs) > MaxISCCCodes {
		return nil, apierr.Invalid(field, "%d codes; at most %d", len(cs), MaxISCCCodes)
	}
	var out []string // nil when there are none, as the store reads it back
	for i, c := range cs {
		n, _, err := NormaliseISCC(fmt.Sprintf("%s[%d]", field, i), c)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// SimilarityUnits returns the compared units of the work's codes, each
// once, with the code it came from.
func (w *Work) SimilarityUnits() []CodeUnit {
	var out []CodeUnit
	for _, s := range w.ISCCCodes {
		us, err := similarity.Parse(s)
		if err != nil {
			continue // not normalised; Normalise refuses it
		}
		for _, u := range us {
			if !slices.ContainsFunc(out, func(c CodeUnit) bool { return c.Unit == u }) {
				out = append(out, CodeUnit{u, s})
			}
		}
	}
	return out
}

// CodeUnit is a compared unit of one of a work's codes.
type CodeUnit struct {
	similarity.Unit
	Code string
}
