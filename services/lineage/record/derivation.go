package record

import (
	"context"
	"fmt"
	"time"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/lineage/audit"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/store"
	"github.com/stemma-registry/stemma/services/lineage/watch"
)

// NewDerivation is a validated request to record a derivation: its
// derivative, source, relation, use, free text, source time (zero for
// the create time) and id.
type NewDerivation struct {
	graph.Derivation
	// ChosenID says the caller chose the id, which may then be taken.
	ChosenID bool
	// AllowConflict records a conflicting derivation marked as one.
	AllowConflict bool
	// Request identifies the request for a retry (ID empty for none).
	Request store.Request
}

// Derivation records a derivation. In order: replay a retried request;
// read both works (they must exist; the principal must be allowed to
// change the derivative); check the licences (refuse a conflict unless
// allowed); place a lien on both works; insert the edge, which refuses
// cycles and duplicates. A failed insert lifts the liens.
func (r *Recorder) Derivation(ctx context.Context, p auth.Principal, n NewDerivation) (*graph.Derivation, error) {
	if n.Request.ID != "" {
		prev, err := r.Store.ByRequest(ctx, n.Request)
		if err == nil {
			return prev, nil
		}
		if !apierr.Is(err, apierr.NotFound) {
			return nil, err
		}
	}
	d := &n.Derivation
	if d.Derivative == d.Source {
		return nil, graph.CycleError([]string{d.Derivative, d.Source})
	}
	ws, err := r.Catalog.Works(ctx, []string{d.Derivative, d.Source}, time.Time{})
	if err != nil {
		return nil, err
	}
	derivative, source := ws[d.Derivative], ws[d.Source]
	switch {
	case derivative == nil:
		return nil, &NotFoundError{Work: d.Derivative}
	case source == nil:
		return nil, &NotFoundError{Work: d.Source}
	case !p.CanActOn(derivative.Owner):
		return nil, &DeniedError{Work: d.Derivative}
	case d.Relation == graph.Training && derivative.Kind != KindModel:
		return nil, &KindError{Work: d.Derivative, Kind: derivative.Kind}
	}
	d.SourceLicence, d.DerivativeLicence = source.Licence, derivative.Licence
	if !d.SourceTime.IsZero() {
		// Judged by the source's licence when its material was taken.
		then, err := r.Catalog.Works(ctx, []string{d.Source}, d.SourceTime)
		if err != nil {
			return nil, err
		}
		if then[d.Source] == nil {
			return nil, &NotFoundError{Work: d.Source}
		}
		d.SourceLicence = then[d.Source].Licence
	}
	checks, err := r.Licences.Check(ctx, []audit.Question{{Inbound: d.SourceLicence, Outbound: d.DerivativeLicence, Use: d.Use}})
	if err != nil {
		return nil, err
	}
	d.Check = checks[0]
	d.Conflict = d.Check.Verdict == graph.Incompatible
	if d.Conflict && !n.AllowConflict {
		return nil, &ConflictError{Derivation: d}
	}
	d.Recorder, d.CreateTime = p.Name, time.Now()
	if d.SourceTime.IsZero() {
		d.SourceTime = d.CreateTime
	}
	if n.ChosenID {
		// Refused before any lien is placed in its name.
		if _, err := r.Store.Get(ctx, d.ID); err == nil {
			return nil, &ExistsError{Derivation: d.ID}
		}
	}

	if err := r.placeLiens(ctx, d); err != nil {
		return nil, err
	}
	stored, created, err := r.Store.Create(ctx, d, n.Request)
	if err != nil || stored.ID != d.ID {
		// Refused, or a concurrent retry of the request won: this
		// attempt's liens hold nothing, unless they are the winner's too.
		r.liftUnlessRecorded(ctx, d)
	}
	if err != nil {
		return nil, err
	}
	if created {
		// The edge is committed: its event must go out even if the caller
		// has left.
		r.Events.Publish(context.WithoutCancel(ctx), watch.Event{Type: watch.Created, Derivation: stored, Time: stored.CreateTime})
	}
	return stored, nil
}

// placeLiens holds both works of each derivation, so that neither can be
// deleted while it stands: in as few catalog calls as the batch bound
// allows, each all or nothing, a derivation's two liens always in one.
// Creating a lien that exists with the same origin succeeds, so a retry is
// safe. When a call fails, the liens the calls before it placed are lifted.
func (r *Recorder) placeLiens(ctx context.Context, ds ...*graph.Derivation) error {
	ls := make([]Lien, 0, 2*len(ds))
	for _, d := range ds {
		origin := "derivations/" + d.ID
		for _, w := range []string{d.Derivative, d.Source} {
			ls = append(ls, Lien{Work: w, ID: d.ID, Origin: origin,
				Reason: fmt.Sprintf("works/%s derives from works/%s (%s)", d.Derivative, d.Source, origin)})
		}
	}
	per := max(r.MaxBatch-r.MaxBatch%2, 2)
	for start := 0; start < len(ls); start += per {
		if err := r.Catalog.PlaceLiens(ctx, ls[start:min(start+per, len(ls))]); err != nil {
			for _, d := range ds[:start/2] {
				r.liftUnlessRecorded(ctx, d)
			}
			return err
		}
	}
	return nil
}

// LiftLiens lifts a derivation's liens; a lien already gone is fine, one
// that cannot be lifted is logged.
func (r *Recorder) LiftLiens(ctx context.Context, d *graph.Derivation) {
	ctx, cancel := background(ctx)
	defer cancel()
	for _, w := range []string{d.Derivative, d.Source} {
		err := r.Catalog.LiftLien(ctx, w, d.ID)
		if f, _ := faultOf(err); err != nil && f != Missing {
			r.Log.WarnContext(ctx, "lien left in place; it blocks only the work's deletion, which an admin may force",
				"lien", "works/"+w+"/liens/"+d.ID, "err", err)
		}
	}
}

// liftUnlessRecorded lifts the liens of a derivation that was not
// recorded. A derivation with its id and works may exist all the same: a
// concurrent retry that chose the same id and won; its liens are these.
func (r *Recorder) liftUnlessRecorded(ctx context.Context, d *graph.Derivation) {
	bctx, cancel := background(ctx)
	defer cancel()
	if got, err := r.Store.Get(bctx, d.ID); err == nil && got.Derivative == d.Derivative && got.Source == d.Source {
		return
	}
	r.LiftLiens(ctx, d)
}
