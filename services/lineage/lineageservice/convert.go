package lineageservice

import (
	"cmp"

	"google.golang.org/protobuf/types/known/timestamppb"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// The domain's enums follow the proto's numbering, so conversions are
// casts.

func toDerivation(d *graph.Derivation) *lineagev1.Derivation {
	return &lineagev1.Derivation{
		Name:              derivationName(d.ID),
		Derivative:        workName(d.Derivative),
		Source:            workName(d.Source),
		Relation:          lineagev1.Relation(d.Relation),
		Use:               licencesv1.Use(d.Use),
		Note:              d.Note,
		Portion:           d.Portion,
		SourceLicence:     d.SourceLicence,
		DerivativeLicence: d.DerivativeLicence,
		Conflict:          d.Conflict,
		Verdict:           toCheck(d.Check),
		Recorder:          d.Recorder,
		CreateTime:        timestamppb.New(d.CreateTime),
		Etag:              d.Etag(),
		SourceTime:        timestamppb.New(cmp.Or(d.SourceTime, d.CreateTime)),
	}
}

func toCheck(c graph.Check) *lineagev1.LicenceCheck {
	return &lineagev1.LicenceCheck{
		Verdict:    licencesv1.Verdict(c.Verdict),
		Reasons:    toReasons(c.Reasons),
		Conditions: c.Conditions,
		Use:        licencesv1.Use(c.Use),
		Inbound:    c.Inbound,
		Outbound:   c.Outbound,
	}
}

func toReasons(rs []graph.Reason) []*licencesv1.Reason {
	out := make([]*licencesv1.Reason, len(rs))
	for i, r := range rs {
		out[i] = &licencesv1.Reason{
			Rule: r.Rule, Message: r.Message, Verdict: licencesv1.Verdict(r.Verdict),
			Inbound: r.Inbound, Outbound: r.Outbound,
		}
		for _, src := range r.Sources {
			out[i].Sources = append(out[i].Sources, &licencesv1.Source{Title: src.Title, Url: src.URL, Clause: src.Clause})
		}
	}
	return out
}

func fromReasons(rs []*licencesv1.Reason) []graph.Reason {
	out := make([]graph.Reason, len(rs))
	for i, r := range rs {
		out[i] = graph.Reason{
			Rule: r.GetRule(), Message: r.GetMessage(), Verdict: graph.Verdict(r.GetVerdict()),
			Inbound: r.GetInbound(), Outbound: r.GetOutbound(),
		}
		for _, src := range r.GetSources() {
			out[i].Sources = append(out[i].Sources, graph.Source{Title: src.GetTitle(), URL: src.GetUrl(), Clause: src.GetClause()})
		}
	}
	return out
}

func toRelations(rs []graph.Relation) []lineagev1.Relation {
	out := make([]lineagev1.Relation, len(rs))
	for i, r := range rs {
		out[i] = lineagev1.Relation(r)
	}
	return out
}

func workNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = workName(id)
	}
	return out
}

func derivationNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = derivationName(id)
	}
	return out
}
