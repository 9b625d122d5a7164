package generator

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	catalogstore "github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/lineage/audit"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	lineagestore "github.com/stemma-registry/stemma/services/lineage/store"
)

// Owner owns the works of a loaded commons and records its derivations.
const Owner = "bench"

// loadTime is when the commons was made, as its records say.
var loadTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// catalogWorks returns works from to to as the catalog keeps them.
func (c *Commons) catalogWorks(from, to int) []catalogstore.NewWork {
	out := make([]catalogstore.NewWork, 0, to-from)
	for i := from; i < to; i++ {
		w := c.Works[i]
		l := Licences[w.Licence]
		lic := work.Licence{Expression: l.Expression, IDs: l.IDs, Status: work.LicenceKnown}
		switch {
		case l.Expression == "":
			lic.Status = work.LicenceNone
		case strings.HasPrefix(l.Expression, "LicenseRef-"):
			lic.Status = work.LicenceUnknown
		}
		out = append(out, catalogstore.NewWork{Work: &work.Work{
			ID:       WorkID(int32(i)),
			Kind:     work.Kind(w.Kind),
			Title:    fmt.Sprintf("Work %d", i),
			Creators: []work.Creator{{Name: fmt.Sprintf("Creator %d", i%50_000)}},
			Licence:  lic,
		}})
	}
	return out
}

// LoadWorks registers the works in the catalog's store, batch works per
// transaction (COPY on PostgreSQL).
func LoadWorks(ctx context.Context, s *catalogstore.SQL, c *Commons, batch int) error {
	for from := 0; from < len(c.Works); from += batch {
		if _, err := s.Create(ctx, Owner, c.catalogWorks(from, min(from+batch, len(c.Works)))); err != nil {
			return fmt.Errorf("load works %d to %d: %w", from, from+batch, err)
		}
	}
	return nil
}

// LoadDerivations loads the derivations into the lineage store in one
// bulk load, each with the licence check checker gives for its licences
// and use (asked once per distinct question), marked as a conflict when
// the licences conflict: a registry of what happened holds those too.
func LoadDerivations(ctx context.Context, s *lineagestore.SQL, c *Commons, checker audit.Checker) (int64, error) {
	index := map[audit.Question]int{}
	var questions []audit.Question
	asked := make([]int32, len(c.Edges))
	for i, e := range c.Edges {
		q := audit.Question{
			Inbound:  Licences[c.Works[e.Source].Licence].Expression,
			Outbound: Licences[c.Works[e.Derivative].Licence].Expression,
			Use:      e.Use,
		}
		j, ok := index[q]
		if !ok {
			j = len(questions)
			index[q] = j
			questions = append(questions, q)
		}
		asked[i] = int32(j)
	}
	checks, err := checker.Check(ctx, questions)
	if err != nil {
		return 0, err
	}
	return s.Load(ctx, checks, c.rows(checks, asked))
}

func (c *Commons) rows(checks []graph.Check, asked []int32) iter.Seq[lineagestore.Row] {
	return func(yield func(lineagestore.Row) bool) {
		for i, e := range c.Edges {
			d := &graph.Derivation{
				ID: DerivationID(i), Derivative: WorkID(e.Derivative), Source: WorkID(e.Source), Relation: e.Relation, Use: e.Use,
				SourceLicence:     Licences[c.Works[e.Source].Licence].Expression,
				DerivativeLicence: Licences[c.Works[e.Derivative].Licence].Expression,
				Conflict:          checks[asked[i]].Verdict == graph.Incompatible, Recorder: Owner,
				CreateTime: loadTime.Add(time.Duration(i) * time.Microsecond),
			}
			if !yield(lineagestore.Row{Derivation: d, Check: int(asked[i])}) {
				return
			}
		}
	}
}
