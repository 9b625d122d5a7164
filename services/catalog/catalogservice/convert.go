package catalogservice

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/catalog/work"
)

// The domain's kinds and licence statuses are numbered as the API's, so
// converting is a cast; Normalise refuses a number that names no kind.

func toWork(w *work.Work) *catalogv1.Work {
	out := &catalogv1.Work{
		Name:          "works/" + w.ID,
		Kind:          catalogv1.WorkKind(w.Kind),
		Title:         w.Title,
		Description:   w.Description,
		SourceUris:    w.SourceURIs,
		Digests:       w.Digests,
		IsccCodes:     w.ISCCCodes,
		Version:       w.Version,
		Licence:       w.Licence.Expression,
		LicenceStatus: catalogv1.LicenceStatus(w.Licence.Status),
		Owner:         w.Owner,
		Etag:          w.Etag(),
		CreateTime:    timestamppb.New(w.CreateTime),
		UpdateTime:    timestamppb.New(w.UpdateTime),
	}
	for _, c := range w.Creators {
		out.Creators = append(out.Creators, &catalogv1.Creator{Name: c.Name, Role: c.Role, Uri: c.URI})
	}
	for _, id := range w.Identifiers {
		out.Identifiers = append(out.Identifiers, &catalogv1.Identifier{Type: id.Type, Value: id.Value})
	}
	if !w.Licence.Effective.IsZero() {
		out.LicenceEffectiveTime = timestamppb.New(w.Licence.Effective)
	}
	for _, d := range w.DeclaredLicences {
		out.DeclaredLicences = append(out.DeclaredLicences, &catalogv1.DeclaredLicence{
			Statement: d.Statement, Method: d.Method, Expression: d.Expression, Confidence: d.Confidence})
	}
	return out
}

func toWorks(ws []*work.Work) []*catalogv1.Work {
	out := make([]*catalogv1.Work, len(ws))
	for i, w := range ws {
		out[i] = toWork(w)
	}
	return out
}

// fromWork returns the mutable fields of an API work, not yet validated;
// the licence is left to the licences service.
func fromWork(pw *catalogv1.Work) *work.Work {
	w := &work.Work{
		Kind:        work.Kind(pw.GetKind()),
		Title:       pw.GetTitle(),
		Description: pw.GetDescription(),
		SourceURIs:  pw.GetSourceUris(),
		Digests:     pw.GetDigests(),
		ISCCCodes:   pw.GetIsccCodes(),
		Version:     pw.GetVersion(),
	}
	for _, c := range pw.GetCreators() {
		w.Creators = append(w.Creators, work.Creator{Name: c.GetName(), Role: c.GetRole(), URI: c.GetUri()})
	}
	for _, id := range pw.GetIdentifiers() {
		w.Identifiers = append(w.Identifiers, work.Identifier{Type: id.GetType(), Value: id.GetValue()})
	}
	for _, d := range pw.GetDeclaredLicences() {
		w.DeclaredLicences = append(w.DeclaredLicences, work.DeclaredLicence{
			Statement: d.GetStatement(), Method: d.GetMethod(), Expression: d.GetExpression(), Confidence: d.GetConfidence()})
	}
	return w
}

func toLicenceChange(c work.LicenceChange) *catalogv1.LicenceChange {
	return &catalogv1.LicenceChange{
		Licence:         c.Licence,
		PreviousLicence: c.PreviousLicence,
		EffectiveTime:   timestamppb.New(c.EffectiveTime),
		RecordTime:      timestamppb.New(c.RecordTime),
		Actor:           c.Actor,
		Note:            c.Note,
	}
}

func toLien(l *work.Lien) *catalogv1.Lien {
	return &catalogv1.Lien{
		Name:       "works/" + l.WorkID + "/liens/" + l.ID,
		Origin:     l.Origin,
		Reason:     l.Reason,
		Creator:    l.Creator,
		CreateTime: timestamppb.New(l.CreateTime),
	}
}
