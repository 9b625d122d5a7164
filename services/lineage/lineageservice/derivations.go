package lineageservice

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/input"
	"github.com/stemma-registry/stemma/services/internal/names"
	"github.com/stemma-registry/stemma/services/internal/paging"
	"github.com/stemma-registry/stemma/services/lineage/audit"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/store"
	"github.com/stemma-registry/stemma/services/lineage/watch"
)

// Bounds of a derivation's free text and of a request id.
const (
	maxNote    = 4096
	maxPortion = 512
	// cleanupTimeout bounds the lifting of liens after a failed create.
	cleanupTimeout = 10 * time.Second
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns a fresh derivation id: 128 random bits, 26 characters.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24 and later)
	return idEncoding.EncodeToString(b[:])
}

// newDerivation is a validated create request.
type newDerivation struct {
	d         graph.Derivation
	chosenID  bool
	allow     bool
	requestID string
	// fingerprint tells a retry of the request from another reusing its
	// request id.
	fingerprint string
}

func parseCreate(req *lineagev1.CreateDerivationRequest) (*newDerivation, error) {
	in := req.GetDerivation()
	if in == nil {
		return nil, apierr.Missing("derivation")
	}
	n := &newDerivation{allow: req.GetAllowConflict()}
	var err error
	if n.d.Derivative, err = workID("derivation.derivative", in.GetDerivative()); err != nil {
		return nil, err
	}
	if n.d.Source, err = workID("derivation.source", in.GetSource()); err != nil {
		return nil, err
	}
	n.d.Relation = graph.Relation(in.GetRelation())
	if in.GetRelation() == lineagev1.Relation_RELATION_UNSPECIFIED {
		return nil, apierr.Missing("derivation.relation")
	}
	if !n.d.Relation.Valid() {
		return nil, apierr.Invalid("derivation.relation", "unknown relation %d", in.GetRelation())
	}
	if n.d.Use, err = graph.EffectiveUse(n.d.Relation, graph.Use(in.GetUse())); err != nil {
		return nil, err
	}
	if n.d.Note, err = input.Text("derivation.note", in.GetNote(), maxNote, true); err != nil {
		return nil, err
	}
	if n.d.Portion, err = input.Text("derivation.portion", in.GetPortion(), maxPortion, false); err != nil {
		return nil, err
	}
	if n.d.SourceTime, err = sourceTime(in.GetSourceTime()); err != nil {
		return nil, err
	}
	if id := req.GetDerivationId(); id != "" {
		if err := names.ValidID("derivation_id", id); err != nil {
			return nil, err
		}
		n.d.ID, n.chosenID = id, true
	} else {
		n.d.ID = newID()
	}
	if err := input.RequestID("request_id", req.GetRequestId()); err != nil {
		return nil, err
	}
	n.requestID = req.GetRequestId()
	if n.requestID != "" {
		if n.fingerprint, err = input.Fingerprint(req); err != nil {
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

// CreateDerivation records a derivation. In order: validate; replay a
// retried request; read both works (they must exist; the caller must own
// the derivative); check the licences (refuse a conflict unless allowed);
// place a lien on both works; insert the edge, which refuses cycles and
// duplicates. A failed insert lifts the liens.
func (s *Service) CreateDerivation(ctx context.Context, req *lineagev1.CreateDerivationRequest) (*lineagev1.Derivation, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	n, err := parseCreate(req)
	if err != nil {
		return nil, err
	}
	r := store.Request{Principal: p.Name, ID: n.requestID, Fingerprint: n.fingerprint}
	if r.ID != "" {
		prev, err := s.Store.ByRequest(ctx, r)
		if err == nil {
			return toDerivation(prev), nil
		}
		if !apierr.Is(err, apierr.NotFound) {
			return nil, err
		}
	}
	d := &n.d
	if d.Derivative == d.Source {
		return nil, graph.CycleError([]string{d.Derivative, d.Source})
	}
	ws, err := s.works(ctx, []string{d.Derivative, d.Source})
	if err != nil {
		return nil, err
	}
	derivative, source := ws[d.Derivative], ws[d.Source]
	switch {
	case derivative == nil:
		return nil, apierr.NotFoundf(workName(d.Derivative))
	case source == nil:
		return nil, apierr.NotFoundf(workName(d.Source))
	case !p.CanActOn(derivative.GetOwner()):
		return nil, apierr.Denied("only the owner of %s (or an admin) may record what it derives from", workName(d.Derivative))
	case d.Relation == graph.Training && derivative.GetKind() != catalogv1.WorkKind_WORK_KIND_MODEL:
		return nil, apierr.Precondition("KIND_MISMATCH", fmt.Sprintf("RELATION_TRAINING records a model trained on its source, and %s is %v",
			workName(d.Derivative), derivative.GetKind()), apierr.Violation{
			Type: "KIND_MISMATCH", Subject: workName(d.Derivative), Description: "the derivative of a training derivation must be WORK_KIND_MODEL",
		})
	}
	d.SourceLicence, d.DerivativeLicence = source.GetLicence(), derivative.GetLicence()
	if !d.SourceTime.IsZero() {
		// Judged by the source's licence when its material was taken.
		then, err := s.worksAt(ctx, []string{d.Source}, d.SourceTime)
		if err != nil {
			return nil, err
		}
		if then[d.Source] == nil {
			return nil, apierr.NotFoundf(workName(d.Source))
		}
		d.SourceLicence = then[d.Source].GetLicence()
	}
	checks, err := s.checker.Check(ctx, []audit.Question{{Inbound: d.SourceLicence, Outbound: d.DerivativeLicence, Use: d.Use}})
	if err != nil {
		return nil, err
	}
	d.Check = checks[0]
	d.Conflict = d.Check.Verdict == graph.Incompatible
	if d.Conflict && !n.allow {
		return nil, licenceConflict(d)
	}
	d.Recorder, d.CreateTime = p.Name, time.Now()
	if d.SourceTime.IsZero() {
		d.SourceTime = d.CreateTime
	}
	if n.chosenID {
		// Refused before any lien is placed in its name.
		if _, err := s.Store.Get(ctx, d.ID); err == nil {
			return nil, apierr.Exists(derivationName(d.ID), "%s already exists", derivationName(d.ID))
		}
	}

	if err := s.placeLiens(ctx, d); err != nil {
		return nil, err
	}
	stored, created, err := s.Store.Create(ctx, d, r)
	if err != nil || stored.ID != d.ID {
		// Refused, or a concurrent retry of the request won: this
		// attempt's liens hold nothing, unless they are the winner's too.
		s.liftUnlessRecorded(ctx, d)
	}
	if err != nil {
		return nil, err
	}
	if created {
		// The edge is committed: its event must go out even if the caller
		// has left.
		s.Hub.Publish(context.WithoutCancel(ctx), watch.Event{Type: watch.Created, Derivation: stored, Time: stored.CreateTime})
	}
	return toDerivation(stored), nil
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

// placeLiens holds both works of each derivation, so that neither can be
// deleted while it stands: in as few catalog calls as the batch bound
// allows, each all or nothing, a derivation's two liens always in one.
// Creating a lien that exists with the same origin succeeds, so a retry is
// safe. When a call fails, the liens the calls before it placed are lifted.
func (s *Service) placeLiens(ctx context.Context, ds ...*graph.Derivation) error {
	reqs := make([]*catalogv1.CreateLienRequest, 0, 2*len(ds))
	for _, d := range ds {
		origin := derivationName(d.ID)
		for _, w := range []string{d.Derivative, d.Source} {
			reqs = append(reqs, &catalogv1.CreateLienRequest{
				Parent: workName(w),
				Lien: &catalogv1.Lien{Origin: origin, Reason: fmt.Sprintf("%s derives from %s (%s)",
					workName(d.Derivative), workName(d.Source), origin)},
				LienId: d.ID,
			})
		}
	}
	per := max(s.MaxBatch-s.MaxBatch%2, 2)
	for start := 0; start < len(reqs); start += per {
		_, err := s.Catalog.BatchCreateLiens(ctx, &catalogv1.BatchCreateLiensRequest{Requests: reqs[start:min(start+per, len(reqs))]})
		if err != nil {
			for _, d := range ds[:start/2] {
				s.liftUnlessRecorded(ctx, d)
			}
			return err
		}
	}
	return nil
}

// liftLiens lifts a derivation's liens; a lien already gone is fine.
func (s *Service) liftLiens(ctx context.Context, d *graph.Derivation) {
	ctx, cancel := background(ctx)
	defer cancel()
	for _, w := range []string{d.Derivative, d.Source} {
		name := workName(w) + "/liens/" + d.ID
		_, err := s.Catalog.DeleteLien(ctx, &catalogv1.DeleteLienRequest{Name: name})
		if err != nil && status.Code(err) != codes.NotFound {
			s.Log.WarnContext(ctx, "lien left in place; it blocks only the work's deletion, which an admin may force",
				"lien", name, "err", err)
		}
	}
}

// liftUnlessRecorded lifts the liens of a derivation that was not
// recorded. A derivation with its id and works may exist all the same: a
// concurrent retry that chose the same id and won; its liens are these.
func (s *Service) liftUnlessRecorded(ctx context.Context, d *graph.Derivation) {
	bctx, cancel := background(ctx)
	defer cancel()
	if got, err := s.Store.Get(bctx, d.ID); err == nil && got.Derivative == d.Derivative && got.Source == d.Source {
		return
	}
	s.liftLiens(ctx, d)
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
	s.liftLiens(ctx, d)
	s.Hub.Publish(context.WithoutCancel(ctx), watch.Event{Type: watch.Deleted, Derivation: d, Time: time.Now()})
	return &emptypb.Empty{}, nil
}
