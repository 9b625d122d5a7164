package lineageservice

import (
	"cmp"
	"context"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// atSourceTime returns the derivations with each source's licence as the
// catalog's history now says it was at the derivation's source time (a
// change recorded since, dated before the material was taken, counts),
// and the relicensings: the derivations whose source's licence now is
// another. ws holds the works as they are now; a source no longer in the
// catalogue keeps the licence its derivation recorded. Derivations are
// copied only where the licence differs: the others may be shared with a
// cache.
//
// A source whose current licence took effect at or before the source time
// had it then too, so the catalog is asked as of a time only for sources
// relicensed since, once per distinct source time.
func (s *Service) atSourceTime(ctx context.Context, ds []*graph.Derivation, ws map[string]*catalogv1.Work) ([]*graph.Derivation, []relicensing, error) {
	type key struct {
		source string
		at     time.Time
	}
	ask := map[time.Time][]string{}
	for _, d := range ds {
		if relicensedSince(ws[d.Source], d) {
			ask[d.SourceTime] = append(ask[d.SourceTime], d.Source)
		}
	}
	then := map[key]string{}
	for at, ids := range ask {
		got, err := s.worksAt(ctx, ids, at)
		if err != nil {
			return nil, nil, err
		}
		for id, w := range got {
			then[key{id, at}] = w.GetLicence()
		}
	}
	out := make([]*graph.Derivation, len(ds))
	var rs []relicensing
	for i, d := range ds {
		out[i] = d
		src := ws[d.Source]
		if src == nil {
			continue
		}
		lic, ok := then[key{d.Source, d.SourceTime}]
		if !ok {
			lic = src.GetLicence()
		}
		if lic != d.SourceLicence {
			cp := *d
			cp.SourceLicence = lic
			out[i] = &cp
		}
		if lic != src.GetLicence() {
			rs = append(rs, relicensing{d: d, from: lic, to: src.GetLicence(), effective: src.GetLicenceEffectiveTime()})
		}
	}
	return out, rs, nil
}

// relicensedSince reports whether the source's current licence took
// effect after the derivation took its material.
func relicensedSince(src *catalogv1.Work, d *graph.Derivation) bool {
	eff := src.GetLicenceEffectiveTime()
	return src != nil && eff != nil && eff.AsTime().After(d.SourceTime)
}

// relicensing is a derivation whose source's licence changed since its
// material was taken.
type relicensing struct {
	d         *graph.Derivation
	from, to  string
	effective *timestamppb.Timestamp
}

// toRelicensed returns the relicensings of the derivations within the
// closure, nearest first, with their paths from the audited work.
func toRelicensed(c *graph.Closure, rs []relicensing) []*lineagev1.Relicensing {
	index := c.Index()
	var in []relicensing
	for _, r := range rs {
		_, okD := index[r.d.Derivative]
		_, okS := index[r.d.Source]
		if okD && okS {
			in = append(in, r)
		}
	}
	slices.SortFunc(in, func(a, b relicensing) int {
		return cmp.Or(cmp.Compare(index[a.d.Derivative], index[b.d.Derivative]), cmp.Compare(a.d.Source, b.d.Source), cmp.Compare(a.d.ID, b.d.ID))
	})
	out := make([]*lineagev1.Relicensing, len(in))
	for i, r := range in {
		works, _, _ := c.Path(index[r.d.Derivative])
		out[i] = &lineagev1.Relicensing{
			Derivation: derivationName(r.d.ID), Derivative: workName(r.d.Derivative), Source: workName(r.d.Source),
			FromLicence: r.from, ToLicence: r.to, EffectiveTime: r.effective, SourceTime: timestamppb.New(r.d.SourceTime),
			Path: workNames(works),
		}
	}
	return out
}
