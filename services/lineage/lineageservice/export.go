package lineageservice

import (
	"context"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/lineage/record"
	"github.com/stemma-registry/stemma/services/lineage/sbom"
)

// sbomWriters are the export formats, by the name the request gives.
var sbomWriters = map[string]struct {
	mediaType string
	write     func(*sbom.Document, sbom.WriteOptions) ([]byte, error)
}{
	"cyclonedx": {sbom.CycloneDXMediaType, sbom.WriteCycloneDX},
	"spdx":      {sbom.SPDXMediaType, sbom.WriteSPDX},
}

// ExportWorkSbom writes a work's ancestry as an SBOM whose product is the
// work: each work of the closure a component (a work since deleted from
// the catalogue is left out, with its derivations), each derivation
// between two of them an edge. The licence written is each work's
// current licence, as concluded by its record or by an accepted curation
// of it (the document then names the curation and the declared licence).
func (s *Service) ExportWorkSbom(ctx context.Context, req *lineagev1.ExportWorkSbomRequest) (*httpbody.HttpBody, error) {
	format := strings.ToLower(strings.TrimSpace(req.GetFormat()))
	if format == "" {
		format = "cyclonedx"
	}
	writer, ok := sbomWriters[format]
	if !ok {
		return nil, apierr.Invalid("format", "%q; want cyclonedx or spdx", req.GetFormat())
	}
	w, a, ws, err := s.upstream(ctx, req.GetWork(), req.GetMaxDepth())
	if err != nil {
		return nil, err
	}
	if err := a.load(ctx, s, w); err != nil {
		return nil, err
	}
	cu, err := s.curator(ctx)
	if err != nil {
		return nil, err
	}
	doc := &sbom.Document{Root: workName(w.Root)}
	for _, n := range a.closure.Nodes {
		wk := ws[n.Work]
		if wk == nil {
			continue
		}
		c := workComponent(wk)
		if cur := cu.ofWork(n.Work, wk); cur != nil && cur.Licence != c.Licence {
			c.Curation = &sbom.Curation{Name: "curations/" + cur.ID, Declared: c.Licence}
			c.Licence = cur.Licence
		}
		doc.Components = append(doc.Components, c)
	}
	for _, d := range a.derivations {
		if ws[d.Derivative] != nil && ws[d.Source] != nil {
			doc.Edges = append(doc.Edges, sbom.Edge{
				From: workName(d.Derivative), To: workName(d.Source), Link: record.RelationLink(d.Relation, d.Use),
			})
		}
	}
	b, err := writer.write(doc, sbom.WriteOptions{Created: time.Now()})
	if err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: writer.mediaType, Data: b}, nil
}

// sbomKinds are the component kinds the SBOM model names; other work
// kinds are written as their own names (text, image…), which the
// writers take as files.
var sbomKinds = map[catalogv1.WorkKind]string{
	catalogv1.WorkKind_WORK_KIND_SOFTWARE: "software",
	catalogv1.WorkKind_WORK_KIND_DATASET:  "dataset",
	catalogv1.WorkKind_WORK_KIND_MODEL:    "model",
}

// workComponent is a work as an SBOM component, the inverse of what an
// import makes of one (record's newWork).
func workComponent(w *catalogv1.Work) sbom.Component {
	c := sbom.Component{
		Ref: w.GetName(), Name: w.GetTitle(), Version: w.GetVersion(), Description: w.GetDescription(),
		Licence: w.GetLicence(), URLs: w.GetSourceUris(), Kind: sbomKinds[w.GetKind()],
	}
	if c.Kind == "" {
		c.Kind = strings.ToLower(strings.TrimPrefix(w.GetKind().String(), "WORK_KIND_"))
	}
	for _, id := range w.GetIdentifiers() {
		if id.GetType() == work.PURL && c.PURL == "" {
			c.PURL = id.GetValue()
		}
	}
	for _, d := range w.GetDigests() {
		if alg, hex, ok := strings.Cut(d, ":"); ok {
			c.Hashes = append(c.Hashes, sbom.Hash{Algorithm: alg, Value: hex})
		}
	}
	for _, p := range w.GetCreators() {
		c.Creators = append(c.Creators, p.GetName())
	}
	return c
}
