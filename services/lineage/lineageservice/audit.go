package lineageservice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/paging"
	"github.com/stemma-registry/stemma/services/lineage/audit"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// ancestryWorks returns the catalog's works of every work of a closure
// (sources too: their licences at the source time, their package URLs for
// curations), NOT_FOUND if the root has no ancestry and no record.
func (s *Service) ancestryWorks(ctx context.Context, c *graph.Closure) (map[string]*catalogv1.Work, error) {
	ids := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		ids[i] = n.Work
	}
	ws, err := s.works(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(c.Nodes) == 1 && ws[c.Nodes[0].Work] == nil {
		return nil, apierr.NotFoundf(workName(c.Nodes[0].Work))
	}
	return ws, nil
}

// digest hashes, for every work of a closure asked of the catalog, in
// order, what field says of it (a missing work hashing differently from
// every value), for cache keys that must change when any of those works
// does.
func digest(c *graph.Closure, ws map[string]*catalogv1.Work, field func(*catalogv1.Work) string) string {
	h := sha256.New()
	for _, n := range c.Nodes {
		h.Write([]byte(n.Work))
		if w := ws[n.Work]; w != nil {
			h.Write([]byte{1})
			h.Write([]byte(field(w)))
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// AuditWork lists the licence conflicts of a work's ancestry, nearest
// first.
func (s *Service) AuditWork(ctx context.Context, req *lineagev1.AuditWorkRequest) (*lineagev1.AuditWorkResponse, error) {
	w, err := s.walk(req.GetWork(), req.GetMaxDepth(), nil, graph.Up)
	if err != nil {
		return nil, err
	}
	size, err := s.Pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	q := query("AuditWork", w)
	from, err := offset(q, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	all, err := s.audit(ctx, w)
	if err != nil {
		return nil, err
	}
	n := int64(len(all.GetConflicts()))
	start, end := min(from, n), min(from+int64(size), n)
	resp := &lineagev1.AuditWorkResponse{
		Work: all.GetWork(), Conflicts: all.GetConflicts()[start:end], DerivationsChecked: all.GetDerivationsChecked(),
		Unknown: all.GetUnknown(), Truncated: all.GetTruncated(), Relicensed: all.GetRelicensed(),
		Conditional: all.GetConditional(),
	}
	if end < n {
		resp.NextPageToken = paging.Encode(q, strconv.FormatInt(end, 10))
	}
	return resp, nil
}

// audit returns every conflict of a walk's ancestry.
//
// Key: lineage:audit:v3:{epoch}:{rules version}:{depth}:{work}:{digest of
// the current licences and etags of the ancestry's works}{digest of the
// accepted curations}. The audit reads the derivatives' licences from the
// catalog and the sources' licences in force at each source time (which a
// licence change, even one dated in the past, changes with the work's
// etag, as does a change of the package URL or version a curation may
// name), and its verdicts come from the licence rules the licences service
// runs, so all are part of what it describes; the depth is "all" when the
// walk reached every ancestor (ancestry).
func (s *Service) audit(ctx context.Context, w graph.Walk) (*lineagev1.AuditWorkResponse, error) {
	a, err := s.ancestry(ctx, w, true)
	if err != nil {
		return nil, err
	}
	c := a.closure
	cu, err := s.curator(ctx)
	if err != nil {
		return nil, err
	}
	// Derivatives' licences are the outbound side of every check; the
	// inbound side is the source's licence in force at the source time,
	// unless a curation covers the source: by the work, or by the package
	// URL and version its record gives.
	ws, err := s.ancestryWorks(ctx, c)
	if err != nil {
		return nil, err
	}
	rulesVersion := s.checker.RulesVersion(ctx)
	key := auditKey(a, rulesVersion, w.Root, digest(c, ws, licenceAndEtag)+cu.digest())
	if rulesVersion != "" {
		if b, ok := s.Cache.Get(ctx, key); ok {
			resp := &lineagev1.AuditWorkResponse{}
			if err := proto.Unmarshal(b, resp); err == nil {
				return resp, nil
			}
		}
	}
	ctx, seen := withVersions(ctx)
	if err := a.load(ctx, s, w); err != nil {
		return nil, err
	}
	licences := make(map[string]string, len(ws))
	for id, wk := range ws {
		licences[id] = wk.GetLicence()
	}
	inTime, relicensed, err := s.atSourceTime(ctx, a.derivations, ws)
	if err != nil {
		return nil, err
	}
	derivations, curated := cu.curateSources(inTime, ws)
	r, err := audit.Run(ctx, s.checker, audit.Input{Closure: c, Derivations: derivations, Licences: licences})
	if err != nil {
		return nil, err
	}
	resp := &lineagev1.AuditWorkResponse{
		Work: workName(w.Root), DerivationsChecked: int32(r.Checked), Truncated: r.Truncated,
		Relicensed: toRelicensed(c, relicensed),
	}
	for _, k := range r.Conditional {
		works, _, _ := c.Path(k.Node)
		resp.Conditional = append(resp.Conditional, &lineagev1.ConditionalDerivation{
			Derivation: derivationName(k.Derivation.ID), Derivative: workName(k.Derivation.Derivative),
			Source: workName(k.Derivation.Source), Check: toCheck(k.Check), Path: workNames(works),
		})
	}
	for _, d := range r.Unknown {
		resp.Unknown = append(resp.Unknown, derivationName(d.ID))
	}
	for _, k := range r.Conflicts {
		works, _, _ := c.Path(k.Node)
		cf := &lineagev1.Conflict{
			Kind:       lineagev1.Conflict_Kind(k.Kind),
			Derivative: workName(k.Derivation.Derivative),
			Source:     workName(k.Derivation.Source),
			Derivation: derivationName(k.Derivation.ID),
			Relation:   lineagev1.Relation(k.Derivation.Relation),
			Check:      toCheck(k.Check),
			Path:       workNames(works),
			Recorded:   k.Kind == audit.Derivation && k.Derivation.Conflict,
			Curation:   curated[k.Derivation.ID],
		}
		if k.Other != nil {
			cf.OtherSource, cf.OtherDerivation = workName(k.Other.Source), derivationName(k.Other.ID)
		}
		resp.Conflicts = append(resp.Conflicts, cf)
	}
	// Cached only under the version of the rules that gave every verdict.
	if rulesVersion != "" && seen.only(rulesVersion) {
		if b, err := proto.Marshal(resp); err == nil {
			s.Cache.Set(ctx, key, b, cacheTTL)
		}
	}
	return resp, nil
}

// licenceAndEtag is what an audit's cache key takes of each work.
func licenceAndEtag(w *catalogv1.Work) string { return w.GetLicence() + "\x00" + w.GetEtag() }

// auditKey returns the cache key of the audit of an ancestry under the
// licence rules of version rules.
func auditKey(a *ancestry, rules, root, licences string) string {
	return fmt.Sprintf("lineage:audit:v3:%d:%s:%s:%s:%s", a.epoch, rules, a.depth, root, licences)
}

// and joins licence expressions into one that binds them all.
func and(exprs []string) string {
	if len(exprs) == 1 {
		return exprs[0]
	}
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		parts[i] = "(" + e + ")"
	}
	return strings.Join(parts, " AND ")
}

// SuggestLicences lists the licences a work may carry given the licences
// its direct sources were taken under (each source's own ancestry is in
// its licence, if it was respected; an audit says whether it was).
// Sources used in different ways are asked about separately, a licence
// being suggested only if every way allows it.
func (s *Service) SuggestLicences(ctx context.Context, req *lineagev1.SuggestLicencesRequest) (*lineagev1.SuggestLicencesResponse, error) {
	id, err := workID("work", req.GetWork())
	if err != nil {
		return nil, err
	}
	if req.GetPageSize() < 0 {
		return nil, apierr.Invalid("page_size", "must not be negative (got %d)", req.GetPageSize())
	}
	ws, err := s.works(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if ws[id] == nil {
		return nil, apierr.NotFoundf(workName(id))
	}
	current := ws[id].GetLicence()
	var ds []*graph.Derivation
	for q := (store.ListQuery{Derivatives: []string{id}, Limit: s.Pages.Max}); ; {
		page, next, err := s.Store.List(ctx, q)
		if err != nil {
			return nil, err
		}
		ds = append(ds, page...)
		if next == 0 {
			break
		}
		q.After = next
	}
	resp := &lineagev1.SuggestLicencesResponse{CurrentLicenceAllowed: true}
	byUse := map[graph.Use][]string{}
	var uses []graph.Use
	for _, d := range ds {
		resp.Inbound = append(resp.Inbound, d.SourceLicence)
		if d.SourceLicence == "" {
			// Material under no known licence: nothing can be vouched for.
			resp.CurrentLicenceAllowed = false
			return resp, nil
		}
		if _, ok := byUse[d.Use]; !ok {
			uses = append(uses, d.Use)
		}
		if !slices.Contains(byUse[d.Use], d.SourceLicence) {
			byUse[d.Use] = append(byUse[d.Use], d.SourceLicence)
		}
	}
	if len(uses) == 0 {
		return resp, nil // nothing upstream: any licence will do
	}
	var merged []*licencesv1.OutboundSuggestion
	for i, u := range uses {
		inbound := byUse[u]
		if len(inbound) > s.MaxBatch {
			return nil, apierr.Exhausted("TOO_MANY_SOURCES", "%s has %d distinct source licences; at most %d are considered", workName(id), len(inbound), s.MaxBatch)
		}
		sr, err := s.Licences.SuggestOutbound(ctx, &licencesv1.SuggestOutboundRequest{Inbound: inbound, Use: licencesv1.Use(u)})
		if err != nil {
			return nil, err
		}
		if i == 0 {
			merged = sr.GetSuggestions()
			continue
		}
		merged = intersect(merged, sr.GetSuggestions())
	}
	if n := int(req.GetPageSize()); n > 0 && len(merged) > n {
		merged = merged[:n]
	}
	resp.Suggestions = merged
	qs := make([]audit.Question, len(uses))
	for i, u := range uses {
		qs[i] = audit.Question{Inbound: and(byUse[u]), Outbound: current, Use: u}
	}
	checks, err := s.checker.Check(ctx, qs)
	if err != nil {
		return nil, err
	}
	for _, c := range checks {
		if c.Verdict != graph.Compatible && c.Verdict != graph.Conditional {
			resp.CurrentLicenceAllowed = false
		}
	}
	return resp, nil
}

// intersect keeps the suggestions of a that b also makes, in a's order,
// with both reasons and conditions; CONDITIONAL if either is.
func intersect(a, b []*licencesv1.OutboundSuggestion) []*licencesv1.OutboundSuggestion {
	other := make(map[string]*licencesv1.OutboundSuggestion, len(b))
	for _, sg := range b {
		other[sg.GetLicence()] = sg
	}
	var out []*licencesv1.OutboundSuggestion
	for _, sg := range a {
		o, ok := other[sg.GetLicence()]
		if !ok {
			continue
		}
		m := proto.Clone(sg).(*licencesv1.OutboundSuggestion)
		m.Reasons = append(m.Reasons, o.GetReasons()...)
		m.Conditions = append(m.Conditions, o.GetConditions()...)
		if o.GetVerdict() == licencesv1.Verdict_VERDICT_CONDITIONAL {
			m.Verdict = licencesv1.Verdict_VERDICT_CONDITIONAL
		}
		out = append(out, m)
	}
	return out
}
