package lineageservice

import (
	"cmp"
	"context"
	"slices"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/lineage/attribution"
	"github.com/stemma-registry/stemma/services/lineage/notice"
	"github.com/stemma-registry/stemma/services/lineage/record"
	"github.com/stemma-registry/stemma/services/lineage/sbom"
)

// GetWorkNotice returns the third-party notices of a work: the works its
// attribution credits, each with the licence its derivation recorded (the
// licence the material was taken under) or the one an accepted curation
// gives it, and every licence's text.
//
// Not cached: it reads what GetAttribution reads (the closure, from the
// cache) and adds table lookups of licence texts.
func (s *Service) GetWorkNotice(ctx context.Context, req *lineagev1.GetWorkNoticeRequest) (*lineagev1.Notice, error) {
	w, a, ws, err := s.upstream(ctx, req.GetWork(), req.GetMaxDepth())
	if err != nil {
		return nil, err
	}
	cu, err := s.curator(ctx)
	if err != nil {
		return nil, err
	}
	at, err := s.credits(ctx, w, a, ws, cu)
	if err != nil {
		return nil, err
	}
	entries := make([]notice.Entry, len(at.Credits))
	for i, c := range at.Credits {
		e := notice.Entry{
			Work: workName(c.Work), Title: c.Title, Creators: c.Creators, SourceURI: c.SourceURI,
			Licence: c.Licence, Curation: c.Curation, Declared: c.Declared, Depth: c.Depth, Deleted: c.Deleted,
		}
		if wk := ws[c.Work]; wk != nil {
			e.Version = wk.GetVersion()
			for _, id := range wk.GetIdentifiers() {
				e.Identifiers = append(e.Identifiers, attribution.Identifier{Type: id.GetType(), Value: id.GetValue()})
			}
			if e.Licence == "" {
				e.Licence = wk.GetLicence()
			}
		}
		entries[i] = e
	}
	root := ws[w.Root]
	return toNotice(notice.Build(workName(w.Root), root.GetTitle(), entries, at.Truncated, nil)), nil
}

// BuildSbomNotice returns the third-party notices of an SBOM's product,
// reading the document as ImportSbom does and resolving each component's
// licence statements the same way (an accepted curation of its package
// replacing them), without writing anything. It takes a
// key as the import does (the policy makes only GET routes public): it
// parses a document of up to the body bound, the costliest read there is.
func (s *Service) BuildSbomNotice(ctx context.Context, req *lineagev1.BuildSbomNoticeRequest) (*lineagev1.Notice, error) {
	if _, err := auth.Require(ctx); err != nil {
		return nil, err
	}
	doc, err := s.readSbom(req.GetSbom().GetData())
	if err != nil {
		return nil, err
	}
	cu, err := s.curator(ctx)
	if err != nil {
		return nil, err
	}
	paths := doc.ShortestPaths(doc.Edges)
	resolver := sbom.NewResolver(doc)
	var entries []notice.Entry
	for _, c := range doc.Components[1:] {
		e := notice.Entry{Work: c.Ref, Title: c.Name, Version: c.Version, Licence: resolver.Resolve(c).Expression, Depth: len(paths[c.Ref]) - 1}
		if cur := cu.forPackage(record.StripQualifiers(c.PURL), c.Version); cur != nil && cur.Licence != e.Licence {
			e.Declared, e.Licence, e.Curation = e.Licence, cur.Licence, "curations/"+cur.ID
		}
		for _, name := range c.Creators {
			e.Creators = append(e.Creators, attribution.Creator{Name: name})
		}
		if c.PURL != "" {
			e.Identifiers = []attribution.Identifier{{Type: "purl", Value: c.PURL}}
		}
		if len(c.URLs) > 0 {
			e.SourceURI = c.URLs[0]
		}
		entries = append(entries, e)
	}
	// Nearest first, as a work's notices are; document order among equals.
	slices.SortStableFunc(entries, func(a, b notice.Entry) int { return cmp.Compare(a.Depth, b.Depth) })
	defined := make(map[string]notice.Defined, len(doc.Extracted))
	for id, x := range doc.Extracted {
		defined[id] = notice.Defined{Name: x.Name, Text: x.Text, URLs: x.URLs}
	}
	product := doc.Product()
	n := notice.Build(product.Ref, product.Name, entries, false, defined)
	n.Warnings = append(n.Warnings, resolver.Warnings()...)
	return toNotice(n), nil
}

func toNotice(n *notice.Notice) *lineagev1.Notice {
	out := &lineagev1.Notice{Work: n.Work, Title: n.Title, Text: n.Text, Truncated: n.Truncated, Warnings: n.Warnings}
	for _, e := range n.Entries {
		oe := &lineagev1.NoticeEntry{
			Work: e.Work, Title: e.Title, Version: e.Version, SourceUri: e.SourceURI, Licence: e.Licence,
			Depth: int32(e.Depth), Deleted: e.Deleted, DeclaredLicence: e.Declared, Curation: e.Curation,
		}
		for _, c := range e.Creators {
			oe.Creators = append(oe.Creators, &catalogv1.Creator{Name: c.Name, Role: c.Role, Uri: c.URI})
		}
		for _, id := range e.Identifiers {
			oe.Identifiers = append(oe.Identifiers, &catalogv1.Identifier{Type: id.Type, Value: id.Value})
		}
		out.Entries = append(out.Entries, oe)
	}
	for _, l := range n.Licences {
		out.Licences = append(out.Licences, &lineagev1.NoticeLicence{
			Id: l.ID, Name: l.Name, Url: l.URL, Exception: l.Exception, Text: l.Text, Note: l.Note, Works: l.Works,
		})
	}
	return out
}
