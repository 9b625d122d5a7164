package lineageservice

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/input"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/record"
	"github.com/stemma-registry/stemma/services/lineage/sbom"
)

// ImportSbom imports an SBOM as works and derivations
// (record.Recorder.Import) and answers with a compliance report.
func (s *Service) ImportSbom(ctx context.Context, req *lineagev1.ImportSbomRequest) (*lineagev1.ImportSbomResponse, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if s.rec.Registry == nil {
		return nil, status.Error(codes.Unimplemented, "SBOM import is not configured in this process")
	}
	if err := input.RequestID("request_id", req.GetRequestId()); err != nil {
		return nil, err
	}
	in, err := s.importRequest(p, req)
	if err != nil {
		return nil, err
	}
	im, err := s.rec.Import(ctx, in)
	if err != nil {
		return nil, apiError(err)
	}
	return toImportReport(im, req.GetValidateOnly()), nil
}

// importRequest reads the SBOM of an import (or of a policy evaluation,
// which plans an import without writing it).
func (s *Service) importRequest(p auth.Principal, req *lineagev1.ImportSbomRequest) (record.ImportRequest, error) {
	doc, err := s.readSbom(req.GetSbom().GetData())
	if err != nil {
		return record.ImportRequest{}, err
	}
	return record.ImportRequest{
		Principal: p, Doc: doc, Digest: sha256.Sum256(req.GetSbom().GetData()), ProductLicence: req.GetProductLicence(),
		RequestID: req.GetRequestId(), AllowConflict: req.GetAllowConflict(), ValidateOnly: req.GetValidateOnly(),
	}, nil
}

// readSbom reads an SBOM within the service's bounds; a malformed
// document is INVALID_ARGUMENT naming the field "sbom.<path>".
func (s *Service) readSbom(data []byte) (*sbom.Document, error) {
	if len(data) == 0 {
		return nil, apierr.Missing("sbom")
	}
	doc, err := sbom.Read(data, sbom.Limits{MaxComponents: s.MaxBatch, MaxEdges: 20 * s.MaxBatch})
	var se *sbom.Error
	if errors.As(err, &se) {
		field := "sbom"
		if se.Path != "" {
			field += "." + se.Path
		}
		return nil, apierr.Invalid(field, "%s", se.Msg)
	}
	return doc, err
}

// importConflict refuses an import whose derivations conflict, naming each.
func importConflict(es []*record.Edge) error {
	vs := make([]apierr.Violation, len(es))
	for i, e := range es {
		d, from, to := e.Derivation, e.From.Entry.Name, e.To.Entry.Name
		reason := ""
		if len(d.Check.Reasons) > 0 {
			reason = ": " + d.Check.Reasons[0].Message
		}
		vs[i] = apierr.Violation{
			Type: "LICENCE_CONFLICT", Subject: from + " -> " + to,
			Description: fmt.Sprintf("%s (%s) may not be used in %s (%s)%s", to, orNone(d.SourceLicence),
				from, orNone(d.DerivativeLicence), reason),
		}
	}
	return apierr.Precondition("LICENCE_CONFLICT", fmt.Sprintf("%d dependencies' licences conflict; nothing was imported "+
		"(allow_conflict records them marked as conflicts)", len(es)), vs...)
}

func orNone(s string) string {
	if s == "" {
		return "no licence"
	}
	return s
}

// toImportReport is the compliance report of an import.
func toImportReport(im *record.Import, validateOnly bool) *lineagev1.ImportSbomResponse {
	prod := im.Components[0]
	r := &lineagev1.ImportSbomResponse{
		Format: im.Doc.FormatName(), Product: importedWork(prod), ProductLicence: im.Licence,
		AllowedLicences: toSuggestions(im.Allowed), Warnings: im.Warnings,
	}
	for _, c := range im.Components {
		if c.Created || c.Work == nil {
			r.WorksCreated++
		} else {
			r.WorksMatched++
		}
	}
	for _, e := range im.Edges {
		if e.Existing {
			r.DerivationsMatched++
		} else {
			r.DerivationsCreated++
		}
	}
	for _, c := range im.Components[1:] {
		cr := &lineagev1.ComponentReport{
			Work: importedWork(c), Ref: c.Entry.Ref, Name: c.Entry.Name, Version: c.Entry.Version, Purl: c.PURL,
			Licence: c.Licence, Check: toCheck(c.Check), Created: c.Created || c.Work == nil,
			DeclaredLicences: toDeclared(c.Declared), DeclaredLicence: c.DeclaredLicence, Curation: c.Curation,
			Path: labels(c.Path),
		}
		r.Components = append(r.Components, cr)
		switch c.Check.Verdict {
		case graph.Incompatible:
			r.Conflicts = append(r.Conflicts, &lineagev1.Conflict{
				Kind: lineagev1.Conflict_KIND_DERIVATION, Derivative: prod.Label(), Source: c.Label(),
				Relation: lineagev1.Relation(c.Relation), Check: toCheck(c.Check), Path: cr.Path,
			})
		case graph.Unknown:
			r.UnknownLicences = append(r.UnknownLicences, unknownLabel(c))
		}
	}
	for _, e := range im.Edges {
		if e.From == prod || e.Existing || !e.Derivation.Conflict {
			continue
		}
		d := e.Derivation
		r.Conflicts = append(r.Conflicts, &lineagev1.Conflict{
			Kind: lineagev1.Conflict_KIND_DERIVATION, Derivative: e.From.Label(), Source: e.To.Label(),
			Derivation: derivationName(d.ID), Relation: lineagev1.Relation(d.Relation), Check: toCheck(d.Check),
			Path: labels(e.From.Path), Recorded: !validateOnly,
		})
	}
	return r
}

func toSuggestions(ss []record.Suggestion) []*licencesv1.OutboundSuggestion {
	var out []*licencesv1.OutboundSuggestion
	for _, sg := range ss {
		out = append(out, &licencesv1.OutboundSuggestion{
			Licence: sg.Licence, Category: licencesv1.Category(licencesv1.Category_value[sg.Category]),
			Verdict: licencesv1.Verdict(sg.Verdict), Reasons: toReasons(sg.Reasons), Conditions: sg.Conditions,
		})
	}
	return out
}

// importedWork names a component's work, "" when it has none (yet).
func importedWork(c *record.Component) string {
	if c.Work == nil {
		return ""
	}
	return workName(c.Work.ID)
}

// labels names the components of a path.
func labels(cs []*record.Component) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Label())
	}
	return out
}

func unknownLabel(c *record.Component) string {
	s := c.Entry.Name
	if c.Entry.Version != "" {
		s += "@" + c.Entry.Version
	}
	if c.Licence == "" {
		return s + " (no licence)"
	}
	return s + " (" + c.Licence + ")"
}
