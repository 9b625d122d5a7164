package lineageservice

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/names"
	"github.com/stemma-registry/stemma/services/internal/paging"
	"github.com/stemma-registry/stemma/services/lineage/audit"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/policy"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// Policies implements stemma.lineage.v1.PolicyService: licence policies
// kept in the lineage store and evaluated with the lineage service's
// readers (SBOMs, ancestries) and licence checks. The rules themselves are
// package policy's.
type Policies struct {
	lineagev1.UnimplementedPolicyServiceServer
	s     *Service
	store store.Policies
	now   func() time.Time
}

// NewPolicies returns the policy service over the lineage service and a
// policy store.
func NewPolicies(s *Service, st store.Policies) *Policies {
	return &Policies{s: s, store: st, now: time.Now}
}

func policyID(field, name string) (string, error) { return names.Parse(field, name, "policies") }

// read reads a policy document: INVALID_ARGUMENT naming the field of the
// document that is wrong.
func read(field, doc string) (*policy.Policy, error) {
	if strings.TrimSpace(doc) == "" {
		return nil, apierr.Missing(field)
	}
	p, err := policy.Parse([]byte(doc))
	var pe *policy.Error
	if errors.As(err, &pe) {
		if pe.Field != "" {
			field += "." + pe.Field
		}
		return nil, apierr.Invalid(field, "%s", pe.Msg)
	}
	return p, err
}

// toPolicy answers with a stored policy and what its document says.
func toPolicy(sp *store.Policy) *lineagev1.Policy {
	out := &lineagev1.Policy{
		Name: "policies/" + sp.ID, Document: sp.Document, Owner: sp.Owner, RevisionId: sp.Revision, Etag: sp.Etag(),
		CreateTime: timestamppb.New(sp.CreateTime), UpdateTime: timestamppb.New(sp.UpdateTime),
	}
	// Stored documents were read when written; one that no longer reads
	// (a later, stricter reader) is still returned, without its summary.
	if p, err := policy.Parse([]byte(sp.Document)); err == nil {
		out.Title, out.Description = p.Title, p.Description
		for _, r := range p.Rules {
			out.RuleIds = append(out.RuleIds, r.ID)
		}
	}
	return out
}

// CreatePolicy records a policy owned by the caller.
func (ps *Policies) CreatePolicy(ctx context.Context, req *lineagev1.CreatePolicyRequest) (*lineagev1.Policy, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetPolicy() == nil {
		return nil, apierr.Missing("policy")
	}
	p, err := read("policy.document", req.GetPolicy().GetDocument())
	if err != nil {
		return nil, err
	}
	if id := req.GetPolicyId(); id != "" && id != p.ID {
		return nil, apierr.Invalid("policy_id", "%q, but the document's id is %q", id, p.ID)
	}
	sp := &store.Policy{ID: p.ID, Owner: pr.Name, Document: req.GetPolicy().GetDocument(), CreateTime: ps.now().UTC()}
	if err := ps.store.CreatePolicy(ctx, sp); err != nil {
		return nil, err
	}
	return toPolicy(sp), nil
}

// GetPolicy returns a policy.
func (ps *Policies) GetPolicy(ctx context.Context, req *lineagev1.GetPolicyRequest) (*lineagev1.Policy, error) {
	id, err := policyID("name", req.GetName())
	if err != nil {
		return nil, err
	}
	sp, err := ps.store.GetPolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	return toPolicy(sp), nil
}

// ListPolicies lists policies by id; the page token carries the last id.
func (ps *Policies) ListPolicies(ctx context.Context, req *lineagev1.ListPoliciesRequest) (*lineagev1.ListPoliciesResponse, error) {
	size, err := ps.s.Pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	q := paging.NewQuery("ListPolicies")
	after, err := paging.Decode(q, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	sps, err := ps.store.ListPolicies(ctx, after, size+1)
	if err != nil {
		return nil, err
	}
	resp := &lineagev1.ListPoliciesResponse{}
	if len(sps) > size {
		sps = sps[:size]
		resp.NextPageToken = paging.Encode(q, sps[size-1].ID)
	}
	for _, sp := range sps {
		resp.Policies = append(resp.Policies, toPolicy(sp))
	}
	return resp, nil
}

// owned returns a policy the caller may change, checking the etag it was
// read with.
func (ps *Policies) owned(ctx context.Context, name, etag string) (*store.Policy, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	id, err := policyID("name", name)
	if err != nil {
		return nil, err
	}
	sp, err := ps.store.GetPolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	if !pr.CanActOn(sp.Owner) {
		return nil, apierr.Denied("policies/%s belongs to %s; only its owner or an admin may change it", id, sp.Owner)
	}
	if etag != "" && etag != sp.Etag() {
		return nil, apierr.StaleEtag("policies/" + id)
	}
	return sp, nil
}

// UpdatePolicy replaces a policy's document, as a new revision.
func (ps *Policies) UpdatePolicy(ctx context.Context, req *lineagev1.UpdatePolicyRequest) (*lineagev1.Policy, error) {
	if req.GetPolicy() == nil {
		return nil, apierr.Missing("policy")
	}
	// Over REST the gateway names every field of the body in the mask:
	// the name and etag identify the revision updated.
	for _, path := range req.GetUpdateMask().GetPaths() {
		if path != "document" && path != "etag" && path != "name" {
			return nil, apierr.Invalid("update_mask", "%q cannot be updated; only document", path)
		}
	}
	sp, err := ps.owned(ctx, req.GetPolicy().GetName(), req.GetPolicy().GetEtag())
	if err != nil {
		return nil, err
	}
	p, err := read("policy.document", req.GetPolicy().GetDocument())
	if err != nil {
		return nil, err
	}
	if p.ID != sp.ID {
		return nil, apierr.Invalid("policy.document.id", "%q, but the policy is policies/%s", p.ID, sp.ID)
	}
	pr, _ := auth.FromContext(ctx)
	updated, err := ps.store.UpdatePolicy(ctx, sp.ID, sp.Revision, req.GetPolicy().GetDocument(), pr.Name, ps.now().UTC())
	if err != nil {
		return nil, err
	}
	return toPolicy(updated), nil
}

// DeletePolicy deletes a policy and its revisions.
func (ps *Policies) DeletePolicy(ctx context.Context, req *lineagev1.DeletePolicyRequest) (*emptypb.Empty, error) {
	sp, err := ps.owned(ctx, req.GetName(), req.GetEtag())
	if err != nil {
		return nil, err
	}
	if err := ps.store.DeletePolicy(ctx, sp.ID, sp.Revision); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// ListPolicyRevisions lists a policy's revisions, newest first; the page
// token carries the last revision returned.
func (ps *Policies) ListPolicyRevisions(ctx context.Context, req *lineagev1.ListPolicyRevisionsRequest) (*lineagev1.ListPolicyRevisionsResponse, error) {
	id, err := policyID("name", req.GetName())
	if err != nil {
		return nil, err
	}
	size, err := ps.s.Pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	q := paging.NewQuery("ListPolicyRevisions", id)
	before, err := offset(q, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	rs, err := ps.store.ListPolicyRevisions(ctx, id, before, size+1)
	if err != nil {
		return nil, err
	}
	resp := &lineagev1.ListPolicyRevisionsResponse{}
	if len(rs) > size {
		rs = rs[:size]
		resp.NextPageToken = paging.Encode(q, strconv.FormatInt(rs[size-1].Revision, 10))
	}
	for _, r := range rs {
		resp.Revisions = append(resp.Revisions, &lineagev1.PolicyRevision{
			Name: fmt.Sprintf("policies/%s@%d", id, r.Revision), RevisionId: r.Revision, Document: r.Document,
			Author: r.Author, CreateTime: timestamppb.New(r.CreateTime),
		})
	}
	return resp, nil
}

// subject is one subject of an evaluation with the licence check behind
// its findings.
type subject struct {
	policy.Subject
	check *lineagev1.LicenceCheck
	// curation is the accepted curation that replaced the declared
	// licence, and declared that licence.
	curation, declared string
}

// EvaluatePolicy applies a policy to an SBOM, a work's ancestry or a
// licence check.
func (ps *Policies) EvaluatePolicy(ctx context.Context, req *lineagev1.EvaluatePolicyRequest) (*lineagev1.EvaluatePolicyResponse, error) {
	id, err := policyID("name", req.GetName())
	if err != nil {
		return nil, err
	}
	given := 0
	for _, set := range []bool{len(req.GetSbom()) > 0, req.GetWork() != "", req.GetCheck() != nil} {
		if set {
			given++
		}
	}
	if given != 1 {
		return nil, apierr.Invalid("sbom", "give exactly one of sbom, work and check (got %d)", given)
	}
	if req.GetProductLicence() != "" && len(req.GetSbom()) == 0 {
		return nil, apierr.Invalid("product_licence", "only with an sbom")
	}
	sp, err := ps.store.GetPolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := policy.Parse([]byte(sp.Document))
	if err != nil {
		return nil, fmt.Errorf("lineage: stored policies/%s no longer reads: %w", id, err)
	}
	resp := &lineagev1.EvaluatePolicyResponse{Policy: "policies/" + id, RevisionId: sp.Revision}
	var subjects []subject
	switch {
	case len(req.GetSbom()) > 0:
		subjects, err = ps.sbomSubjects(ctx, req, resp)
	case req.GetWork() != "":
		subjects, err = ps.workSubjects(ctx, req.GetWork(), resp)
	default:
		subjects, err = ps.checkSubjects(ctx, req.GetCheck(), resp)
	}
	if err != nil {
		return nil, err
	}
	facts, err := ps.facts(ctx, subjects)
	if err != nil {
		return nil, err
	}
	in := make([]policy.Subject, len(subjects))
	for i, s := range subjects {
		in[i] = s.Subject
	}
	res := p.Evaluate(in, facts, ps.now())
	resp.Outcome = lineagev1.PolicyOutcome(res.Outcome)
	resp.SubjectsEvaluated = int32(len(subjects))
	for _, f := range res.Findings {
		s := subjects[f.Subject]
		resp.Findings = append(resp.Findings, &lineagev1.PolicyFinding{
			Subject: s.Ref, Title: s.Name, Version: s.Version, Purl: s.Purl, Work: s.Work, Path: s.Path,
			Licence: s.Licence, MatchedLicence: f.Licence, Rule: f.Rule, Action: lineagev1.PolicyAction(f.Action),
			Reason: curatedReason(s, f.Reason), Check: s.check, Exemption: f.Exemption,
			DeclaredLicence: s.declared, Curation: s.curation,
		})
	}
	return resp, nil
}

// sbomSubjects plans the import of an SBOM without the catalog or the
// store: its components, their resolved licences and paths, and their
// licences checked against the product's.
func (ps *Policies) sbomSubjects(ctx context.Context, req *lineagev1.EvaluatePolicyRequest, resp *lineagev1.EvaluatePolicyResponse) ([]subject, error) {
	in, err := ps.s.importRequest(auth.Principal{}, &lineagev1.ImportSbomRequest{
		Sbom: &httpbody.HttpBody{Data: req.GetSbom()}, ProductLicence: req.GetProductLicence(), ValidateOnly: true,
	})
	if err != nil {
		return nil, err
	}
	// A recorder of its own, whose licence port keeps the trees the
	// subjects' alternatives are read from.
	trees := map[string]*licencesv1.ExpressionNode{}
	rec := *ps.s.rec
	rec.Licences = licencePort{s: ps.s, trees: trees}
	im, err := rec.Plan(ctx, in)
	if err != nil {
		return nil, apiError(err)
	}
	resp.ProductLicence, resp.Warnings = im.Licence, im.Warnings
	var out []subject
	for _, c := range im.Components[1:] {
		s := subject{Subject: policy.Subject{
			Ref: c.Entry.Ref, Name: c.Entry.Name, Version: c.Entry.Version, Purl: c.PURL, Licence: c.Licence,
			Kind: kindOf(c.Entry.Kind), Alternatives: alternatives(trees[c.Licence]), Path: labels(c.Path),
		}}
		s.curation, s.declared = c.Curation, c.DeclaredLicence
		if c.Use != 0 {
			s.Use = licencesv1.Use(c.Use).String()
		}
		if im.Licence != "" {
			s.Verdict, s.check = licencesv1.Verdict(c.Check.Verdict).String(), toCheck(c.Check)
		}
		out = append(out, s)
	}
	return out, nil
}

// workSubjects makes a subject of every work of a work's ancestry (the
// work itself aside): its licence is the one the derivation on its
// shortest path took it under, as in an audit, checked against the
// derivative's licence as it stands now.
func (ps *Policies) workSubjects(ctx context.Context, work string, resp *lineagev1.EvaluatePolicyResponse) ([]subject, error) {
	w, err := ps.s.walk(work, 0, nil, graph.Up)
	if err != nil {
		return nil, err
	}
	a, err := ps.s.ancestry(ctx, w, true)
	if err != nil {
		return nil, err
	}
	if err := a.load(ctx, ps.s, w); err != nil {
		return nil, err
	}
	c := a.closure
	ws, err := ps.s.ancestryWorks(ctx, c)
	if err != nil {
		return nil, err
	}
	if c.Truncated {
		resp.Warnings = append(resp.Warnings, fmt.Sprintf("the ancestry of %s was cut short by the depth or closure bound; works beyond it were not evaluated", workName(w.Root)))
	}
	resp.ProductLicence = ws[w.Root].GetLicence()
	byID := make(map[string]*graph.Derivation, len(a.derivations))
	for _, d := range a.derivations {
		byID[d.ID] = d
	}
	var (
		out []subject
		qs  []audit.Question
	)
	cu, err := ps.s.curator(ctx)
	if err != nil {
		return nil, err
	}
	exprs := map[string]*licencesv1.ExpressionNode{}
	for i, n := range c.Nodes[1:] {
		d := byID[n.Derivation]
		if d == nil {
			continue
		}
		works, _, _ := c.Path(i + 1)
		wk := ws[n.Work]
		s := subject{Subject: policy.Subject{
			Ref: workName(n.Work), Work: workName(n.Work), Name: wk.GetTitle(), Version: wk.GetVersion(),
			Path: workNames(works), Licence: d.SourceLicence, Use: licencesv1.Use(d.Use).String(),
		}}
		if wk != nil {
			s.Kind, s.Purl = wk.GetKind().String(), workPurl(wk)
		}
		if cur := cu.ofWork(n.Work, wk); cur != nil {
			s.declared, s.curation, s.Licence = s.Licence, "curations/"+cur.ID, cur.Licence
		}
		outbound := d.DerivativeLicence
		if dw := ws[d.Derivative]; dw != nil {
			outbound = dw.GetLicence()
		}
		qs = append(qs, audit.Question{Inbound: s.Licence, Outbound: outbound, Use: d.Use})
		if s.Licence != "" {
			exprs[s.Licence] = nil
		}
		out = append(out, s)
	}
	checks, err := ps.s.checker.Check(ctx, qs)
	if err != nil {
		return nil, err
	}
	for expr := range exprs {
		r, err := ps.s.Licences.ParseExpression(ctx, &licencesv1.ParseExpressionRequest{Expression: expr})
		if err != nil && status.Code(err) != codes.InvalidArgument {
			return nil, err
		}
		exprs[expr] = r.GetTree()
	}
	for i := range out {
		out[i].Alternatives = alternatives(exprs[out[i].Licence])
		if qs[i].Outbound != "" {
			out[i].Verdict, out[i].check = licencesv1.Verdict(checks[i].Verdict).String(), toCheck(checks[i])
		}
	}
	return out, nil
}

// curatedReason says, before a finding's reason, that the licence it is
// about is a curation's rather than the declared one.
func curatedReason(s subject, reason string) string {
	if s.curation == "" {
		return reason
	}
	declared := s.declared
	if declared == "" {
		declared = "no licence"
	}
	return fmt.Sprintf("declared %s, curated %s (%s): %s", declared, s.Licence, s.curation, reason)
}

// kindOf maps an SBOM component's kind to the catalog's work kind.
func kindOf(k string) string {
	if k == "" {
		return ""
	}
	return "WORK_KIND_" + strings.ToUpper(k)
}

// checkSubjects makes the one subject of a licence check.
func (ps *Policies) checkSubjects(ctx context.Context, c *lineagev1.PolicyLicenceCheck, resp *lineagev1.EvaluatePolicyResponse) ([]subject, error) {
	if c.GetInbound() == "" {
		return nil, apierr.Missing("check.inbound")
	}
	in, err := ps.s.Licences.ParseExpression(ctx, &licencesv1.ParseExpressionRequest{Expression: c.GetInbound()})
	if status.Code(err) == codes.InvalidArgument {
		return nil, apierr.Invalid("check.inbound", "%s", status.Convert(err).Message())
	}
	if err != nil {
		return nil, err
	}
	use := c.GetUse()
	if use == licencesv1.Use_USE_UNSPECIFIED {
		use = licencesv1.Use_USE_INCORPORATE
	}
	s := subject{Subject: policy.Subject{
		Ref: in.GetCanonical(), Name: in.GetCanonical(), Licence: in.GetCanonical(), Use: use.String(),
		Alternatives: alternatives(in.GetTree()),
	}}
	if c.GetKind() != 0 {
		s.Kind = c.GetKind().String()
	}
	if c.GetOutbound() != "" {
		r, err := ps.s.Licences.CheckCompatibility(ctx, &licencesv1.CheckCompatibilityRequest{Inbound: c.GetInbound(), Outbound: c.GetOutbound(), Use: use})
		if status.Code(err) == codes.InvalidArgument {
			return nil, apierr.Invalid("check.outbound", "%s", status.Convert(err).Message())
		}
		if err != nil {
			return nil, err
		}
		s.Verdict = r.GetVerdict().String()
		s.check = &lineagev1.LicenceCheck{Verdict: r.GetVerdict(), Reasons: r.GetReasons(), Conditions: r.GetConditions(),
			Use: r.GetUse(), Inbound: r.GetCanonicalInbound(), Outbound: r.GetCanonicalOutbound()}
		resp.ProductLicence = r.GetCanonicalOutbound()
	}
	return []subject{s}, nil
}

// maxAlternatives bounds the choices an expression is expanded into: an
// AND of many ORs has exponentially many. Past it, every licence of the
// expression is taken to bind, which can only make findings stricter.
const maxAlternatives = 256

// alternatives expands a licence expression's tree into its choices, an OR
// of ANDs.
func alternatives(n *licencesv1.ExpressionNode) [][]policy.Term {
	if n == nil {
		return nil
	}
	alts, ok := expand(n)
	if !ok {
		var all []policy.Term
		for _, a := range alts {
			all = append(all, a...)
		}
		return [][]policy.Term{all}
	}
	return alts
}

// expand returns the choices of a node; ok is false when they would be
// more than maxAlternatives, and then the one choice returned holds every
// licence of the node.
func expand(n *licencesv1.ExpressionNode) (alts [][]policy.Term, ok bool) {
	switch n.GetKind() {
	case licencesv1.ExpressionNode_KIND_LICENCE:
		return [][]policy.Term{{{ID: n.GetLicenceId(), OrLater: n.GetOrLater(), Exception: n.GetExceptionId()}}}, true
	case licencesv1.ExpressionNode_KIND_OR:
		for _, o := range n.GetOperands() {
			sub, sok := expand(o)
			if !sok {
				return flatten(n), false
			}
			alts = append(alts, sub...)
			if len(alts) > maxAlternatives {
				return flatten(n), false
			}
		}
		return alts, true
	case licencesv1.ExpressionNode_KIND_AND:
		alts = [][]policy.Term{{}}
		for _, o := range n.GetOperands() {
			sub, sok := expand(o)
			if !sok || len(alts)*len(sub) > maxAlternatives {
				return flatten(n), false
			}
			var next [][]policy.Term
			for _, a := range alts {
				for _, b := range sub {
					next = append(next, append(append([]policy.Term{}, a...), b...))
				}
			}
			alts = next
		}
		return alts, true
	}
	return nil, true
}

// flatten returns one choice holding every licence of a node.
func flatten(n *licencesv1.ExpressionNode) [][]policy.Term {
	var all []policy.Term
	var walk func(*licencesv1.ExpressionNode)
	walk = func(n *licencesv1.ExpressionNode) {
		if n.GetKind() == licencesv1.ExpressionNode_KIND_LICENCE {
			all = append(all, policy.Term{ID: n.GetLicenceId(), OrLater: n.GetOrLater(), Exception: n.GetExceptionId()})
		}
		for _, o := range n.GetOperands() {
			walk(o)
		}
	}
	walk(n)
	return [][]policy.Term{all}
}

// facts asks the licences service about each licence the subjects name,
// once each. A LicenseRef- or an id not on the SPDX list is not known.
func (ps *Policies) facts(ctx context.Context, subjects []subject) (map[string]policy.Facts, error) {
	out := map[string]policy.Facts{}
	for _, s := range subjects {
		for _, alt := range s.Alternatives {
			for _, t := range alt {
				if _, done := out[t.ID]; done {
					continue
				}
				out[t.ID] = policy.Facts{}
				if strings.Contains(t.ID, "Ref-") {
					continue
				}
				l, err := ps.s.Licences.GetLicence(ctx, &licencesv1.GetLicenceRequest{Name: "licences/" + t.ID})
				if status.Code(err) == codes.NotFound {
					continue
				}
				if err != nil {
					return nil, err
				}
				f := policy.Facts{Known: l.GetModelled(), Category: strings.TrimPrefix(l.GetCategory().String(), "CATEGORY_")}
				for _, o := range l.GetObligations() {
					f.Obligations = append(f.Obligations, o.String())
				}
				out[t.ID] = f
			}
		}
	}
	return out, nil
}
