package lineageservice

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/lineage/attribution"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// GetAttribution returns the credits a work owes to its ancestry.
//
// Key: lineage:attribution:v2:{epoch}:{rules version}:{depth}:{work}:{digest
// of the etags of every work of the ancestry}{digest of the accepted
// curations}: titles and creators come from the catalog, and any change
// to a work changes its etag; curations change credited licences; the licence
// rules' version is there so that a rollout of new licence data never
// serves credits built with the old (depth as in audit keys).
func (s *Service) GetAttribution(ctx context.Context, req *lineagev1.GetAttributionRequest) (*lineagev1.Attribution, error) {
	w, a, ws, err := s.upstream(ctx, req.GetWork(), req.GetMaxDepth())
	if err != nil {
		return nil, err
	}
	rulesVersion := s.checker.RulesVersion(ctx)
	cu, err := s.curator(ctx)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("lineage:attribution:v2:%d:%s:%s:%s:%s%s", a.epoch, rulesVersion, a.depth, w.Root,
		digest(a.closure, ws, (*catalogv1.Work).GetEtag), cu.digest())
	cached := rulesVersion != ""
	if cached {
		if b, ok := s.Cache.Get(ctx, key); ok {
			resp := &lineagev1.Attribution{}
			if err := proto.Unmarshal(b, resp); err == nil {
				return resp, nil
			}
		}
	}
	at, err := s.credits(ctx, w, a, ws, cu)
	if err != nil {
		return nil, err
	}
	resp := &lineagev1.Attribution{Work: workName(at.Work), Markdown: at.Markdown, Text: at.Text, Truncated: at.Truncated}
	for _, c := range at.Credits {
		cr := &lineagev1.Credit{
			Work: workName(c.Work), Title: c.Title, SourceUri: c.SourceURI, Licence: c.Licence, LicenceUrl: c.LicenceURL,
			Change: c.Change, Depth: int32(c.Depth), Path: workNames(c.Path), Deleted: c.Deleted,
			DeclaredLicence: c.Declared, Curation: c.Curation,
		}
		for _, p := range c.Creators {
			cr.Creators = append(cr.Creators, &catalogv1.Creator{Name: p.Name, Role: p.Role, Uri: p.URI})
		}
		resp.Credits = append(resp.Credits, cr)
	}
	if b, err := proto.Marshal(resp); cached && err == nil {
		s.Cache.Set(ctx, key, b, cacheTTL)
	}
	return resp, nil
}

// upstream walks a work's ancestry with every derivation loaded, and
// fetches its works from the catalog: what attribution, notices and SBOM
// exports are built from.
func (s *Service) upstream(ctx context.Context, work string, maxDepth int32) (graph.Walk, *ancestry, map[string]*catalogv1.Work, error) {
	w, err := s.walk(work, maxDepth, nil, graph.Up)
	if err != nil {
		return w, nil, nil, err
	}
	a, err := s.ancestry(ctx, w, true)
	if err != nil {
		return w, nil, nil, err
	}
	ws, err := s.ancestryWorks(ctx, a.closure)
	return w, a, ws, err
}

// credits computes the credits of a walk's ancestry, whose works the
// catalog returned as ws, each under the licence an accepted curation
// gives it if one does: the one walk GetAttribution and GetWorkNotice
// share, so that a NOTICE credits exactly the works an attribution does.
func (s *Service) credits(ctx context.Context, w graph.Walk, a *ancestry, ws map[string]*catalogv1.Work, cu *curator) (*attribution.Attribution, error) {
	if err := a.load(ctx, s, w); err != nil {
		return nil, err
	}
	// Credited under the licence in force when the material was taken.
	inTime, _, err := s.atSourceTime(ctx, a.derivations, ws)
	if err != nil {
		return nil, err
	}
	ds := make(map[string]*graph.Derivation, len(inTime))
	for _, d := range inTime {
		ds[d.ID] = d
	}
	credited := make(map[string]attribution.Work, len(ws))
	for id, wk := range ws {
		cw := toCredited(wk)
		if c := cu.ofWork(id, wk); c != nil {
			cw.Curation = &attribution.Curation{Name: "curations/" + c.ID, Licence: c.Licence}
		}
		credited[id] = cw
	}
	return attribution.Build(a.closure, ds, credited), nil
}

func toCredited(w *catalogv1.Work) attribution.Work {
	out := attribution.Work{Title: w.GetTitle()}
	for _, c := range w.GetCreators() {
		out.Creators = append(out.Creators, attribution.Creator{Name: c.GetName(), Role: c.GetRole(), URI: c.GetUri()})
	}
	var ids []attribution.Identifier
	for _, id := range w.GetIdentifiers() {
		ids = append(ids, attribution.Identifier{Type: id.GetType(), Value: id.GetValue()})
	}
	out.SourceURI = attribution.SourceURI(w.GetSourceUris(), ids)
	return out
}

// curator reads the accepted curations of the service's store (none when
// the store keeps no curations).
func (s *Service) curator(ctx context.Context) (*curator, error) {
	st, _ := s.Store.(store.Curations)
	return loadCurator(ctx, st)
}
