package lineageservice

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/input"
	"github.com/stemma-registry/stemma/services/internal/names"
	"github.com/stemma-registry/stemma/services/internal/paging"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/record"
	"github.com/stemma-registry/stemma/services/lineage/store"
	"github.com/stemma-registry/stemma/services/lineage/watch"
)

// Bounds of a derivation's free text.
const (
	maxNote    = 4096
	maxPortion = 512
)

// parseCreate validates a create request; p is the caller, whose retries
// the request id tells apart.
func parseCreate(p auth.Principal, req *lineagev1.CreateDerivationRequest) (*record.NewDerivation, error) {
	in := req.GetDerivation()
	if in == nil {
		return nil, apierr.Missing("derivation")
	}
	n := &record.NewDerivation{AllowConflict: req.GetAllowConflict(), Request: store.Request{Principal: p.Name, ID: req.GetRequestId()}}
	var err error
	if n.Derivative, err = workID("derivation.derivative", in.GetDerivative()); err != nil {
		return nil, err
	}
	if n.Source, err = workID("derivation.source", in.GetSource()); err != nil {
		return nil, err
	}
	n.Relation = graph.Relation(in.GetRelation())
	if in.GetRelation() == lineagev1.Relation_RELATION_UNSPECIFIED {
		return nil, apierr.Missing("derivation.relation")
	}
	if !n.Relation.Valid() {
		return nil, apierr.Invalid("derivation.relation", "unknown relation %d", in.GetRelation())
	}
	if n.Use, err = graph.EffectiveUse(n.Relation, graph.Use(in.GetUse())); err != nil {
		return nil, err
	}
	if n.Note, err = input.Text("derivation.note", in.GetNote(), maxNote, true); err != nil {
		return nil, err
	}
	if n.Portion, err = input.Text("derivation.portion", in.GetPortion(), maxPortion, false); err != nil {
		return nil, err
	}
	if n.SourceTime, err = sourceTime(in.GetSourceTime()); err != nil {
		return nil, err
	}
	if id := req.GetDerivationId(); id != "" {
		if err := names.ValidID("derivation_id", id); err != nil {
			return nil, err
		}
		n.ID, n.ChosenID = id, true
	} else {
		n.ID = names.NewID()
	}
	if err := input.RequestID("request_id", req.GetRequestId()); err != nil {
		return nil, err
	}
	if n.Request.ID != "" {
		if n.Request.Fingerprint, err = input.Fingerprint(req); err != nil {
			return nil, apierr.Invalid("derivation", "cannot be encoded: %v", err)
		}
	}
	return n, nil
}

// sourceTime checks when a derivative says it took its source's material:
// a valid time, not in the future. Zero when unset (the create time).
func sourceTime(ts *timestamppb.Timestamp) (time.Time, error) {
	if ts == nil {
		return time.Time{}, nil
	}
	if err := ts.CheckValid(); err != nil {
		return time.Time{}, apierr.Invalid("derivation.source_time", "%v", err)
	}
	t := ts.AsTime().Truncate(time.Microsecond)
	if t.After(time.Now()) {
		return time.Time{}, apierr.Invalid("derivation.source_time", "%s is in the future; material cannot have been taken yet", t.Format(time.RFC3339))
	}
	return t, nil
}

// CreateDerivation records a derivation (record.Recorder.Derivation).
func (s *Service) CreateDerivation(ctx context.Context, req *lineagev1.CreateDerivationRequest) (*lineagev1.Derivation, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	n, err := parseCreate(p, req)
	if err != nil {
		return nil, err
	}
	d, err := s.rec.Derivation(ctx, p, *n)
	if err != nil {
		return nil, apiError(err)
	}
	return toDerivation(d), nil
}

// licenceConflict is the refusal of a derivation whose source licence does
// not allow the derivative's licence, one violation per reason.
func licenceConflict(d *graph.Derivation) error {
	c := d.Check
	var vs []apierr.Violation
	for _, r := range c.Reasons {
		vs = append(vs, apierr.Violation{Type: r.Rule, Subject: workName(d.Source), Description: r.Message})
	}
	msg := fmt.Sprintf("the licence of %s (%s) does not allow %s to be released under %s for %v (%v)",
		workName(d.Source), d.SourceLicence, workName(d.Derivative), d.DerivativeLicence,
		lineagev1.Relation(d.Relation), licencesv1.Use(d.Use))
	if len(c.Reasons) > 0 {
		msg += ": " + strings.TrimRight(c.Reasons[0].Message, ". ")
	}
	msg += "; set allow_conflict to record it as a conflict"
	return apierr.Precondition("LICENCE_CONFLICT", msg, vs...).
		With("verdict", licencesv1.Verdict(c.Verdict).String()).
		With("inbound", c.Inbound).With("outbound", c.Outbound).With("use", licencesv1.Use(c.Use).String())
}

// GetDerivation returns one derivation.
func (s *Service) GetDerivation(ctx context.Context, req *lineagev1.GetDerivationRequest) (*lineagev1.Derivation, error) {
	id, err := names.Parse("name", req.GetName(), "derivations")
	if err != nil {
		return nil, err
	}
	d, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return toDerivation(d), nil
}

// ListDerivations lists derivations by derivative or source, oldest first.
func (s *Service) ListDerivations(ctx context.Context, req *lineagev1.ListDerivationsRequest) (*lineagev1.ListDerivationsResponse, error) {
	var q store.ListQuery
	var err error
	if q.Derivatives, err = s.workIDs("derivatives", req.GetDerivative(), req.GetDerivatives()); err != nil {
		return nil, err
	}
	if q.Sources, err = s.workIDs("sources", req.GetSource(), req.GetSources()); err != nil {
		return nil, err
	}
	if len(q.Derivatives) == 0 && len(q.Sources) == 0 {
		return nil, apierr.Invalid("derivative", "set derivative or source (or derivatives, sources)")
	}
	rs, err := relations("relations", req.GetRelations())
	if err != nil {
		return nil, err
	}
	if len(rs) > 0 {
		q.RelationMask = graph.Walk{Relations: rs}.RelationMask()
	}
	q.ConflictsOnly = req.GetConflictsOnly()
	if q.Limit, err = s.Pages.Size(req.GetPageSize()); err != nil {
		return nil, err
	}
	pq := paging.NewQuery("ListDerivations", strings.Join(q.Derivatives, ","), strings.Join(q.Sources, ","), strconv.FormatInt(q.RelationMask, 16), strconv.FormatBool(q.ConflictsOnly))
	if q.After, err = offset(pq, req.GetPageToken()); err != nil {
		return nil, err
	}
	ds, next, err := s.Store.List(ctx, q)
	if err != nil {
		return nil, err
	}
	resp := &lineagev1.ListDerivationsResponse{Derivations: make([]*lineagev1.Derivation, len(ds))}
	for i, d := range ds {
		resp.Derivations[i] = toDerivation(d)
	}
	if next != 0 {
		resp.NextPageToken = paging.Encode(pq, strconv.FormatInt(next, 10))
	}
	return resp, nil
}

// workIDs returns the ids of the works named by one and many (a request's
// singular and repeated fields), sorted and without repeats, so that the
// same set in any order pages the same way.
func (s *Service) workIDs(field, one string, many []string) ([]string, error) {
	if one != "" {
		many = append([]string{one}, many...)
	}
	if len(many) > s.MaxBatch {
		return nil, apierr.Invalid(field, "%d works; at most %d per call", len(many), s.MaxBatch)
	}
	ids := make([]string, 0, len(many))
	for _, name := range many {
		id, err := workID(field, name)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// DeleteDerivation deletes a derivation and lifts its liens. The
// derivative's owner or an admin may; if the derivative has left the
// catalogue, its recorder may too.
func (s *Service) DeleteDerivation(ctx context.Context, req *lineagev1.DeleteDerivationRequest) (*emptypb.Empty, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	id, err := names.Parse("name", req.GetName(), "derivations")
	if err != nil {
		return nil, err
	}
	d, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	ws, err := s.works(ctx, []string{d.Derivative})
	if err != nil {
		return nil, err
	}
	owner := d.Recorder
	if w := ws[d.Derivative]; w != nil {
		owner = w.GetOwner()
	}
	if !p.CanActOn(owner) {
		return nil, apierr.Denied("only the owner of %s (or an admin) may delete what it derives from", workName(d.Derivative))
	}
	if d, err = s.Store.Delete(ctx, id, strings.TrimSpace(req.GetEtag())); err != nil {
		return nil, err
	}
	s.rec.LiftLiens(ctx, d)
	s.Hub.Publish(context.WithoutCancel(ctx), watch.Event{Type: watch.Deleted, Derivation: d, Time: time.Now()})
	return &emptypb.Empty{}, nil
}
