package catalogservice

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/emptypb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/input"
	"github.com/stemma-registry/stemma/services/internal/names"
)

// UpdateWork changes the fields the update mask names.
func (s *Service) UpdateWork(ctx context.Context, req *catalogv1.UpdateWorkRequest) (*catalogv1.Work, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetWork() == nil {
		return nil, apierr.Missing("work")
	}
	id, err := names.Parse("work.name", req.GetWork().GetName(), "works")
	if err != nil {
		return nil, err
	}
	fields, err := updateFields(req)
	if err != nil {
		return nil, err
	}
	u := store.Update{ID: id, Actor: p, Etag: req.GetWork().GetEtag(), Fields: fields, Values: fromWork(req.GetWork())}
	if err := work.Normalise(u.Values, fields, "work."); err != nil {
		return nil, err
	}
	if fields.Has(work.FieldLicence) {
		if u.Values.Licence, err = s.licence(ctx, "work.licence", req.GetWork().GetLicence()); err != nil {
			return nil, err
		}
	}
	if u.LicenceNote, u.LicenceEffective, err = licenceChange(req, fields); err != nil {
		return nil, err
	}
	w, err := s.store.Update(ctx, u)
	if err != nil {
		return nil, err
	}
	return toWork(w), nil
}

// ignoredPaths are update mask paths that change nothing: the name and
// etag identify the work and guard the update, and output-only fields are
// ignored as AIP-203 asks, so that a client may send back a work it read
// (grpc-gateway turns every field of a PATCH body into a path).
var ignoredPaths = map[string]bool{
	"name": true, "etag": true, "owner": true, "licence_status": true, "create_time": true, "update_time": true,
}

// updateFields returns the fields an update changes: those its mask names
// ("*" for all), or, without a mask, those the work sets (AIP-134).
func updateFields(req *catalogv1.UpdateWorkRequest) (work.Fields, error) {
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return populated(req.GetWork()), nil
	}
	var fields work.Fields
	for _, path := range paths {
		if path == "*" {
			fields |= work.AllFields
			continue
		}
		if ignoredPaths[work.SnakeCase(path)] {
			continue
		}
		f, ok := work.FieldByName(path)
		if !ok {
			return 0, apierr.Invalid("update_mask", "unknown or immutable field %q; mutable fields: kind, title, description, creators, source_uris, identifiers, digests, version, licence, declared_licences", clipPath(path))
		}
		fields |= f
	}
	if fields == 0 {
		return 0, apierr.Invalid("update_mask", "names no field to change")
	}
	return fields, nil
}

func clipPath(p string) string {
	if len(p) > 64 {
		return p[:64] + "…"
	}
	return p
}

// populated returns the mutable fields a work sets.
func populated(w *catalogv1.Work) work.Fields {
	var f work.Fields
	set := func(field work.Fields, ok bool) {
		if ok {
			f |= field
		}
	}
	set(work.FieldKind, w.GetKind() != catalogv1.WorkKind_WORK_KIND_UNSPECIFIED)
	set(work.FieldTitle, w.GetTitle() != "")
	set(work.FieldDescription, w.GetDescription() != "")
	set(work.FieldCreators, len(w.GetCreators()) > 0)
	set(work.FieldSourceURIs, len(w.GetSourceUris()) > 0)
	set(work.FieldIdentifiers, len(w.GetIdentifiers()) > 0)
	set(work.FieldDigests, len(w.GetDigests()) > 0)
	set(work.FieldVersion, w.GetVersion() != "")
	set(work.FieldLicence, w.GetLicence() != "")
	set(work.FieldDeclaredLicences, len(w.GetDeclaredLicences()) > 0)
	set(work.FieldISCCCodes, len(w.GetIsccCodes()) > 0)
	return f
}

// licenceChange checks the note and effective time of a licence change,
// which only make sense with one.
func licenceChange(req *catalogv1.UpdateWorkRequest, fields work.Fields) (string, time.Time, error) {
	note, err := input.Text("licence_change_note", req.GetLicenceChangeNote(), work.MaxNote, true)
	if err != nil {
		return "", time.Time{}, err
	}
	var effective time.Time
	if ts := req.GetLicenceEffectiveTime(); ts != nil {
		if err := ts.CheckValid(); err != nil {
			return "", time.Time{}, apierr.Invalid("licence_effective_time", "%v", err)
		}
		effective = ts.AsTime().Truncate(time.Microsecond)
	}
	if !fields.Has(work.FieldLicence) && (note != "" || !effective.IsZero()) {
		field := "licence_change_note"
		if note == "" {
			field = "licence_effective_time"
		}
		return "", time.Time{}, apierr.Invalid(field, "only with a licence change; add licence to the update mask")
	}
	return note, effective, nil
}

// DeleteWork deletes a work, unless liens hold it and an admin does not
// force it.
func (s *Service) DeleteWork(ctx context.Context, req *catalogv1.DeleteWorkRequest) (*emptypb.Empty, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	id, err := names.Parse("name", req.GetName(), "works")
	if err != nil {
		return nil, err
	}
	if err := s.store.Delete(ctx, store.Delete{ID: id, Actor: p, Etag: req.GetEtag(), Force: req.GetForce()}); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}
