// Package licenceservice implements stemma.licences.v1.LicenceService: the
// SPDX list with Stemma's licence profiles, expression parsing, and the
// compatibility engine's verdicts, all computed in memory from data built
// into the binary.
package licenceservice

import (
	"context"
	"errors"
	"fmt"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/filter"
	"github.com/stemma-registry/stemma/services/internal/paging"
	"github.com/stemma-registry/stemma/services/licences/compat"
	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/profile"
	"github.com/stemma-registry/stemma/services/licences/spdx"
)

// Service is the licences service.
type Service struct {
	licencesv1.UnimplementedLicenceServiceServer
	engine   *compat.Engine
	cat      *profile.Catalogue
	list     *spdx.List
	pages    paging.Bounds
	maxBatch int
	// answers holds finished CheckCompatibility answers by their exact
	// question. Every answer is a pure function of the question and the
	// built-in data, so entries never go stale; sharing them saves the
	// parsing, the engine and the building of the response, which the
	// load test showed to be most of a check's cost beyond a no-op call.
	// The cached messages are only ever read (marshalled), never changed.
	answers *lru.Cache[checkKey, *licencesv1.CheckCompatibilityResponse]
}

type checkKey struct {
	inbound, outbound string
	use               licencesv1.Use
	strict            bool
}

// answerCacheSize bounds the answer cache: a few MB at most.
const answerCacheSize = 16384

// New returns the service over the engine's licence list.
func New(engine *compat.Engine, pages paging.Bounds, maxBatch int) *Service {
	answers, _ := lru.New[checkKey, *licencesv1.CheckCompatibilityResponse](answerCacheSize)
	return &Service{
		engine:   engine,
		cat:      engine.Catalogue(),
		list:     engine.Catalogue().List(),
		pages:    pages,
		maxBatch: maxBatch,
		answers:  answers,
	}
}

// RulesVersionHeader is the response header (gRPC metadata; over REST
// Grpc-Metadata-Stemma-Rules-Version) that carries the version of the
// licence rules that answered (compat.Engine.RulesVersion). Clients that
// cache answers, the lineage service's audits first, key them by it.
const RulesVersionHeader = "stemma-rules-version"

// stamp sends the rules' version with the response. Outside a gRPC call
// (a handler called directly) there is nowhere to send it.
func (s *Service) stamp(ctx context.Context) {
	_ = grpc.SetHeader(ctx, metadata.Pairs(RulesVersionHeader, s.engine.RulesVersion()))
}

// licenceID returns the SPDX id in a name "licences/{id}". SPDX ids are not
// AIP-122 ids (they have capitals, dots and '+'), so they get a check of
// their own: the characters an SPDX idstring may hold.
func licenceID(field, name, collection string) (string, error) {
	if name == "" {
		return "", apierr.Missing(field)
	}
	id, ok := strings.CutPrefix(name, collection+"/")
	if !ok || id == "" || len(id) > 128 {
		return "", apierr.Invalid(field, "want %s/{id}", collection)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '+') {
			return "", apierr.Invalid(field, "%q is not an SPDX identifier", id)
		}
	}
	return id, nil
}

// GetLicence returns one licence.
func (s *Service) GetLicence(ctx context.Context, req *licencesv1.GetLicenceRequest) (*licencesv1.Licence, error) {
	s.stamp(ctx)
	id, err := licenceID("name", req.GetName(), "licences")
	if err != nil {
		return nil, err
	}
	p, ok := s.cat.Licence(id)
	if !ok {
		return nil, apierr.NotFoundf("licences/" + id)
	}
	return s.toLicence(p), nil
}

// ListLicences lists the licences matching the filter, by identifier.
func (s *Service) ListLicences(ctx context.Context, req *licencesv1.ListLicencesRequest) (*licencesv1.ListLicencesResponse, error) {
	s.stamp(ctx)
	size, err := s.pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	f, err := filter.Parse(req.GetFilter(), licenceFilter)
	if err != nil {
		return nil, err
	}
	q := paging.NewQuery("ListLicences", req.GetFilter())
	after, err := paging.Decode(q, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &licencesv1.ListLicencesResponse{}
	more := false
	all := s.cat.Licences()
	for i := range all {
		p := &all[i]
		if !filter.Match(f, licenceValues(p)) {
			continue
		}
		resp.TotalSize++
		if after != "" && strings.ToLower(p.ID) <= after {
			continue
		}
		if len(resp.Licences) == size {
			more = true
			continue
		}
		resp.Licences = append(resp.Licences, s.toLicence(p))
	}
	if more {
		resp.NextPageToken = paging.Encode(q, strings.ToLower(resp.Licences[len(resp.Licences)-1].LicenceId))
	}
	return resp, nil
}

// GetException returns one exception.
func (s *Service) GetException(_ context.Context, req *licencesv1.GetExceptionRequest) (*licencesv1.LicenceException, error) {
	id, err := licenceID("name", req.GetName(), "exceptions")
	if err != nil {
		return nil, err
	}
	e, ok := s.cat.Exception(id)
	if !ok {
		return nil, apierr.NotFoundf("exceptions/" + id)
	}
	return s.toException(e), nil
}

// ListExceptions lists the exceptions, by identifier.
func (s *Service) ListExceptions(_ context.Context, req *licencesv1.ListExceptionsRequest) (*licencesv1.ListExceptionsResponse, error) {
	size, err := s.pages.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	q := paging.NewQuery("ListExceptions")
	after, err := paging.Decode(q, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	all := s.cat.Exceptions()
	resp := &licencesv1.ListExceptionsResponse{TotalSize: int32(len(all))}
	for i := range all {
		if after != "" && strings.ToLower(all[i].ID) <= after {
			continue
		}
		if len(resp.Exceptions) == size {
			resp.NextPageToken = paging.Encode(q, strings.ToLower(resp.Exceptions[size-1].ExceptionId))
			break
		}
		resp.Exceptions = append(resp.Exceptions, s.toException(&all[i]))
	}
	return resp, nil
}

// parse parses an expression from a request field; a syntax error becomes
// INVALID_ARGUMENT naming the field, the offending token and its position
// (also in the error's metadata, for programs). Unless strict, an
// identifier off the SPDX list is no error: verdicts answer it as unknown.
func (s *Service) parse(field, expr string, strict bool) (*expression.Parsed, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, apierr.Missing(field)
	}
	p, err := expression.ParseWith(s.list, expr, expression.Options{Unlisted: !strict})
	var se *expression.SyntaxError
	if errors.As(err, &se) {
		return nil, &apierr.Error{
			Kind: apierr.InvalidArgument, Reason: "BAD_EXPRESSION", Field: field,
			Message:  field + ": " + se.Error(),
			Metadata: map[string]string{"position": apierr.Position(se.Offset), "token": clip(se.Token)},
		}
	}
	return p, err
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// ParseExpression parses an expression.
func (s *Service) ParseExpression(_ context.Context, req *licencesv1.ParseExpressionRequest) (*licencesv1.ParseExpressionResponse, error) {
	p, err := s.parse("expression", req.GetExpression(), true)
	if err != nil {
		return nil, err
	}
	lics, excs := expression.IDs(p.Expr)
	return &licencesv1.ParseExpressionResponse{
		Canonical:    p.Expr.String(),
		LicenceIds:   lics,
		ExceptionIds: excs,
		Tree:         s.toNode(p.Expr),
		Warnings:     p.Warnings,
	}, nil
}

func (s *Service) toNode(e expression.Expr) *licencesv1.ExpressionNode {
	switch x := e.(type) {
	case *expression.Term:
		_, modelled := s.cat.Ref(x.ID)
		return &licencesv1.ExpressionNode{
			Kind:        licencesv1.ExpressionNode_KIND_LICENCE,
			LicenceId:   x.ID,
			OrLater:     x.AllowsLaterVersions(),
			ExceptionId: x.Exception,
			DocumentRef: x.DocumentRef,
			Modelled:    modelled && x.DocumentRef == "",
		}
	case *expression.And:
		return &licencesv1.ExpressionNode{Kind: licencesv1.ExpressionNode_KIND_AND, Operands: s.toNodes(x.Operands)}
	case *expression.Or:
		return &licencesv1.ExpressionNode{Kind: licencesv1.ExpressionNode_KIND_OR, Operands: s.toNodes(x.Operands)}
	}
	return nil
}

func (s *Service) toNodes(es []expression.Expr) []*licencesv1.ExpressionNode {
	out := make([]*licencesv1.ExpressionNode, len(es))
	for i, e := range es {
		out[i] = s.toNode(e)
	}
	return out
}

func use(field string, u licencesv1.Use) (compat.Use, error) {
	switch {
	case u == licencesv1.Use_USE_UNSPECIFIED:
		return compat.Incorporate, nil
	case u >= licencesv1.Use_USE_INCORPORATE && u <= licencesv1.Use_USE_TRAINING:
		// The domain's values follow the proto's numbering.
		return compat.Use(u), nil
	}
	return 0, apierr.Invalid(field, "unknown use %d", u)
}

// CheckCompatibility answers one compatibility question.
func (s *Service) CheckCompatibility(ctx context.Context, req *licencesv1.CheckCompatibilityRequest) (*licencesv1.CheckCompatibilityResponse, error) {
	s.stamp(ctx)
	return s.check("", req)
}

func (s *Service) check(prefix string, req *licencesv1.CheckCompatibilityRequest) (*licencesv1.CheckCompatibilityResponse, error) {
	key := checkKey{req.GetInbound(), req.GetOutbound(), req.GetUse(), req.GetStrict()}
	if r, ok := s.answers.Get(key); ok {
		return r, nil
	}
	in, err := s.parse(prefix+"inbound", req.GetInbound(), req.GetStrict())
	if err != nil {
		return nil, err
	}
	out, err := s.parse(prefix+"outbound", req.GetOutbound(), req.GetStrict())
	if err != nil {
		return nil, err
	}
	u, err := use(prefix+"use", req.GetUse())
	if err != nil {
		return nil, err
	}
	r := s.engine.Check(in.Expr, out.Expr, u)
	resp := &licencesv1.CheckCompatibilityResponse{
		Verdict:            licencesv1.Verdict(r.Verdict),
		Reasons:            toReasons(r.Reasons),
		Conditions:         r.Conditions,
		InboundChoice:      r.InboundChoice,
		CanonicalInbound:   in.Expr.String(),
		CanonicalOutbound:  out.Expr.String(),
		Use:                licencesv1.Use(u),
		Warnings:           append(in.Warnings, out.Warnings...),
		LicenceListVersion: s.list.Version,
	}
	s.answers.Add(key, resp)
	return resp, nil
}

// BatchCheckCompatibility answers many questions; a malformed one fails the
// whole batch, naming its index, so that results always line up with checks.
func (s *Service) BatchCheckCompatibility(ctx context.Context, req *licencesv1.BatchCheckCompatibilityRequest) (*licencesv1.BatchCheckCompatibilityResponse, error) {
	s.stamp(ctx)
	checks := req.GetChecks()
	if len(checks) == 0 {
		return nil, apierr.Missing("checks")
	}
	if len(checks) > s.maxBatch {
		return nil, apierr.Invalid("checks", "%d checks; at most %d per call", len(checks), s.maxBatch)
	}
	resp := &licencesv1.BatchCheckCompatibilityResponse{Results: make([]*licencesv1.CheckCompatibilityResponse, len(checks))}
	for i, c := range checks {
		r, err := s.check(fmt.Sprintf("checks[%d].", i), c)
		if err != nil {
			return nil, err
		}
		resp.Results[i] = r
	}
	return resp, nil
}

// SuggestOutbound lists the licences a work combining the inbound material
// may carry.
func (s *Service) SuggestOutbound(ctx context.Context, req *licencesv1.SuggestOutboundRequest) (*licencesv1.SuggestOutboundResponse, error) {
	s.stamp(ctx)
	if len(req.GetInbound()) == 0 {
		return nil, apierr.Missing("inbound")
	}
	if len(req.GetInbound()) > s.maxBatch || len(req.GetCandidates()) > s.maxBatch {
		return nil, apierr.Invalid("inbound", "at most %d inbound expressions and %d candidates per call", s.maxBatch, s.maxBatch)
	}
	if req.GetPageSize() < 0 {
		return nil, apierr.Invalid("page_size", "must not be negative")
	}
	u, err := use("use", req.GetUse())
	if err != nil {
		return nil, err
	}
	resp := &licencesv1.SuggestOutboundResponse{}
	inbound := make([]expression.Expr, len(req.GetInbound()))
	for i, x := range req.GetInbound() {
		p, err := s.parse(fmt.Sprintf("inbound[%d]", i), x, req.GetStrict())
		if err != nil {
			return nil, err
		}
		inbound[i] = p.Expr
		resp.Warnings = append(resp.Warnings, p.Warnings...)
	}
	var candidates []expression.Expr
	for i, x := range req.GetCandidates() {
		p, err := s.parse(fmt.Sprintf("candidates[%d]", i), x, req.GetStrict())
		if err != nil {
			return nil, err
		}
		candidates = append(candidates, p.Expr)
		resp.Warnings = append(resp.Warnings, p.Warnings...)
	}
	suggestions, blocking := s.engine.Suggest(inbound, u, candidates, int(req.GetPageSize()))
	resp.Blocking = blocking
	for _, sg := range suggestions {
		resp.Suggestions = append(resp.Suggestions, ToSuggestion(sg))
	}
	return resp, nil
}

// ToSuggestion converts an engine suggestion to its API form.
func ToSuggestion(sg compat.Suggestion) *licencesv1.OutboundSuggestion {
	return &licencesv1.OutboundSuggestion{
		Licence:    sg.Licence,
		Category:   licencesv1.Category(sg.Category),
		Verdict:    licencesv1.Verdict(sg.Verdict),
		Reasons:    toReasons(sg.Reasons),
		Conditions: sg.Conditions,
	}
}

func toReasons(rs []compat.Reason) []*licencesv1.Reason {
	out := make([]*licencesv1.Reason, len(rs))
	for i, r := range rs {
		out[i] = &licencesv1.Reason{
			Rule:     r.Rule,
			Message:  r.Message,
			Verdict:  licencesv1.Verdict(r.Verdict),
			Inbound:  r.Inbound,
			Outbound: r.Outbound,
			Sources:  toSources(r.Sources),
		}
	}
	return out
}

func toSources(ss []profile.Source) []*licencesv1.Source {
	out := make([]*licencesv1.Source, len(ss))
	for i, s := range ss {
		out[i] = &licencesv1.Source{Title: s.Title, Url: s.URL, Clause: s.Clause}
	}
	return out
}

func (s *Service) toLicence(p *profile.Profile) *licencesv1.Licence {
	l := &licencesv1.Licence{
		Name:         "licences/" + p.ID,
		LicenceId:    p.ID,
		Title:        p.Name,
		Family:       p.Family,
		Version:      p.Version,
		Category:     licencesv1.Category(p.Category),
		PatentTerms:  licencesv1.PatentTerms(p.Patent),
		Domain:       licencesv1.Domain(p.Domain),
		OsiApproved:  p.OSIApproved,
		FsfLibre:     p.FSFLibre,
		Deprecated:   p.Deprecated,
		ReplacedBy:   p.ReplacedBy,
		Modelled:     p.Modelled,
		Sources:      toSources(p.Sources),
		Notes:        p.Notes,
		ReferenceUrl: "https://spdx.org/licenses/" + p.ID + ".html",
	}
	if sl, ok := s.list.Licence(p.ID); ok {
		l.SeeAlso = sl.SeeAlso
		l.ReferenceUrl = sl.Reference
	}
	if p.Model != nil {
		// A licence outside the SPDX list: its own text is the reference.
		l.ReferenceUrl = p.Model.URL
	}
	for _, o := range p.Obligations {
		l.Obligations = append(l.Obligations, licencesv1.Obligation(o))
	}
	return l
}

func (s *Service) toException(e *profile.Exception) *licencesv1.LicenceException {
	x := &licencesv1.LicenceException{
		Name:        "exceptions/" + e.ID,
		ExceptionId: e.ID,
		Title:       e.Name,
		Deprecated:  e.Deprecated,
		Modelled:    e.Modelled,
		Effect:      e.Description,
		Sources:     toSources(e.Sources),
	}
	if se, ok := s.list.Exception(e.ID); ok {
		x.SeeAlso = se.SeeAlso
		x.ReferenceUrl = se.Reference
	}
	return x
}
