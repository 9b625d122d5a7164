package lineageservice

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/lineage/audit"
	"github.com/stemma-registry/stemma/services/lineage/graph"
	"github.com/stemma-registry/stemma/services/lineage/record"
)

// The adapters below are the ports of package record over the gRPC
// clients: each rewrites what the called service answers into a
// *record.ServiceError, and apiError rewrites record's errors into the
// API's.

// recorder returns the write use cases over the service's clients.
func (s *Service) recorder() *record.Recorder {
	r := &record.Recorder{
		Catalog: catalogPort{s}, Licences: licencePort{s: s}, Curations: curationsPort{s},
		Store: s.Store, Events: s.Hub, MaxBatch: s.MaxBatch, Log: s.Log,
	}
	if s.CallerCatalog != nil {
		r.Registry = registryPort{s.CallerCatalog}
	}
	return r
}

// serviceError rewrites a called service's error: a status error (or an
// error of the process's own vocabulary, from an in-process call) becomes
// a *record.ServiceError, a context's error stays one.
func serviceError(service string, err error) error {
	if err == nil {
		return nil
	}
	st := apierr.ToStatus(err)
	e := &record.ServiceError{Service: service, Message: st.Message(), Index: -1, Err: err}
	switch st.Code() {
	case codes.Canceled:
		return fmt.Errorf("%s: %w", service, context.Canceled)
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: %w", service, context.DeadlineExceeded)
	case codes.Unavailable:
		e.Fault = record.Unavailable
	case codes.Aborted:
		e.Fault = record.Aborted
	case codes.ResourceExhausted:
		e.Fault = record.Exhausted
	case codes.InvalidArgument:
		e.Fault = record.Invalid
	case codes.NotFound:
		e.Fault = record.Missing
	case codes.PermissionDenied, codes.Unauthenticated:
		e.Fault = record.Denied
	case codes.AlreadyExists:
		e.Fault = record.Exists
	case codes.FailedPrecondition:
		e.Fault = record.Refused
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			e.Reason = info.GetReason()
		}
	}
	return e
}

// apiError rewrites an error of the write use cases into the API's error
// contract; any other error (the store's, the request's) is one already.
func apiError(err error) error {
	var (
		nf *record.NotFoundError
		de *record.DeniedError
		ke *record.KindError
		ee *record.ExistsError
		ce *record.ConflictError
		ic *record.ImportConflictError
		ie *record.InvalidError
		se *record.ServiceError
	)
	switch {
	case errors.As(err, &nf):
		return apierr.NotFoundf(workName(nf.Work))
	case errors.As(err, &de):
		return apierr.Denied("only the owner of %s (or an admin) may record what it derives from", workName(de.Work))
	case errors.As(err, &ke):
		return apierr.Precondition("KIND_MISMATCH", fmt.Sprintf("RELATION_TRAINING records a model trained on its source, and %s is %v",
			workName(ke.Work), ke.Kind), apierr.Violation{
			Type: "KIND_MISMATCH", Subject: workName(ke.Work), Description: "the derivative of a training derivation must be WORK_KIND_MODEL",
		})
	case errors.As(err, &ee):
		return apierr.Exists(derivationName(ee.Derivation), "%s already exists", derivationName(ee.Derivation))
	case errors.As(err, &ce):
		return licenceConflict(ce.Derivation)
	case errors.As(err, &ic):
		return importConflict(ic.Edges)
	case errors.As(err, &ie):
		return apierr.Invalid(ie.Field, "%s", ie.Message)
	case errors.As(err, &se):
		return dependencyError(se)
	}
	return err
}

// faultKinds are the refusals of a called service: each keeps its kind,
// reason and message (the use case passed on what the caller asked for).
var faultKinds = map[record.Fault]struct {
	kind   apierr.Kind
	reason string
}{
	record.Invalid: {apierr.InvalidArgument, "INVALID_ARGUMENT"}, record.Missing: {apierr.NotFound, "NOT_FOUND"},
	record.Denied: {apierr.PermissionDenied, "PERMISSION_DENIED"}, record.Exists: {apierr.AlreadyExists, "ALREADY_EXISTS"},
	record.Refused: {apierr.FailedPrecondition, "FAILED_PRECONDITION"}, record.Exhausted: {apierr.ResourceExhausted, "RESOURCE_EXHAUSTED"},
	record.Aborted: {apierr.Aborted, "ABORTED"},
}

// dependencyError is a called service's failure as the caller sees it: a
// refusal as the service refused, a service that is down as UNAVAILABLE,
// anything else as the service's own fault.
func dependencyError(se *record.ServiceError) error {
	if k, ok := faultKinds[se.Fault]; ok {
		return &apierr.Error{Kind: k.kind, Reason: cmp.Or(se.Reason, k.reason), Message: se.Message, Err: se}
	}
	if se.Fault == record.Unavailable {
		return apierr.UnavailableErr("the "+se.Service+" service", se)
	}
	return se
}

// catalogPort is the catalog as lineage holds its works, over the client
// that carries the internal key.
type catalogPort struct{ s *Service }

func (c catalogPort) Works(ctx context.Context, ids []string, at time.Time) (map[string]*record.Work, error) {
	ws, err := c.s.worksAt(ctx, ids, at)
	if err != nil {
		return nil, serviceError("catalog", err)
	}
	out := make(map[string]*record.Work, len(ws))
	for id, w := range ws {
		out[id] = fromWork(w)
	}
	return out, nil
}

// Lookup asks in one BatchLookupWorks per chunk of the batch bound, not a
// lookup per work: a document of a thousand components costs one round
// trip.
func (c catalogPort) Lookup(ctx context.Context, ls []record.Lookup) ([][]*record.Work, error) {
	out := make([][]*record.Work, 0, len(ls))
	for start := 0; start < len(ls); start += c.s.MaxBatch {
		end := min(start+c.s.MaxBatch, len(ls))
		req := &catalogv1.BatchLookupWorksRequest{}
		for _, l := range ls[start:end] {
			req.Requests = append(req.Requests, &catalogv1.LookupWorksRequest{Purl: l.PURL, Digest: l.Digest})
		}
		resp, err := c.s.Catalog.BatchLookupWorks(ctx, req)
		if err != nil {
			return nil, serviceError("catalog", err)
		}
		if len(resp.GetResponses()) != end-start {
			return nil, fmt.Errorf("lineage: the catalog answered %d of %d lookups", len(resp.GetResponses()), end-start)
		}
		for _, r := range resp.GetResponses() {
			ws := make([]*record.Work, len(r.GetWorks()))
			for i, w := range r.GetWorks() {
				ws[i] = fromWork(w)
			}
			out = append(out, ws)
		}
	}
	return out, nil
}

func (c catalogPort) PlaceLiens(ctx context.Context, ls []record.Lien) error {
	req := &catalogv1.BatchCreateLiensRequest{Requests: make([]*catalogv1.CreateLienRequest, len(ls))}
	for i, l := range ls {
		req.Requests[i] = &catalogv1.CreateLienRequest{
			Parent: workName(l.Work), Lien: &catalogv1.Lien{Origin: l.Origin, Reason: l.Reason}, LienId: l.ID,
		}
	}
	_, err := c.s.Catalog.BatchCreateLiens(ctx, req)
	return serviceError("catalog", err)
}

func (c catalogPort) LiftLien(ctx context.Context, work, id string) error {
	_, err := c.s.Catalog.DeleteLien(ctx, &catalogv1.DeleteLienRequest{Name: workName(work) + "/liens/" + id})
	return serviceError("catalog", err)
}

func (c catalogPort) DeleteWork(ctx context.Context, id string) error {
	_, err := c.s.Catalog.DeleteWork(ctx, &catalogv1.DeleteWorkRequest{Name: workName(id)})
	return serviceError("catalog", err)
}

func fromWork(w *catalogv1.Work) *record.Work {
	return &record.Work{
		ID: strings.TrimPrefix(w.GetName(), "works/"), Owner: w.GetOwner(), Kind: record.Kind(w.GetKind().String()),
		Title: w.GetTitle(), Version: w.GetVersion(), Licence: w.GetLicence(), CreateTime: w.GetCreateTime().AsTime(),
	}
}

// registryPort registers works as the caller, over a client without the
// internal key.
type registryPort struct {
	client catalogv1.CatalogServiceClient
}

// batchIndex finds the request of a batch a catalog error names.
var batchIndex = regexp.MustCompile(`requests\[(\d+)\]\.`)

func (r registryPort) CreateWorks(ctx context.Context, ws []record.NewWork) ([]*record.Work, error) {
	req := &catalogv1.BatchCreateWorksRequest{Requests: make([]*catalogv1.CreateWorkRequest, len(ws))}
	for i, w := range ws {
		req.Requests[i] = &catalogv1.CreateWorkRequest{Work: toWork(w), RequestId: w.RequestID}
	}
	// The call carries the caller's own key, so that the works belong to
	// the importer.
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if keys := md.Get("authorization"); len(keys) > 0 {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", keys[0])
		}
	}
	resp, err := r.client.BatchCreateWorks(ctx, req)
	if err != nil {
		err = serviceError("catalog", err)
		var se *record.ServiceError
		if errors.As(err, &se) {
			if m := batchIndex.FindStringSubmatch(se.Message); m != nil {
				se.Index, _ = strconv.Atoi(m[1])
				se.Message = strings.ReplaceAll(se.Message, m[0], "")
			}
		}
		return nil, err
	}
	out := make([]*record.Work, len(resp.GetWorks()))
	for i, w := range resp.GetWorks() {
		out[i] = fromWork(w)
	}
	return out, nil
}

func toWork(w record.NewWork) *catalogv1.Work {
	out := &catalogv1.Work{
		Kind: catalogv1.WorkKind(catalogv1.WorkKind_value[string(w.Kind)]), Title: w.Title, Version: w.Version,
		Description: w.Description, Licence: w.Licence, SourceUris: w.SourceURIs, Digests: w.Digests,
		DeclaredLicences: toDeclared(w.Declared),
	}
	if w.PURL != "" {
		out.Identifiers = []*catalogv1.Identifier{{Type: work.PURL, Value: w.PURL}}
	}
	for _, name := range w.Creators {
		out.Creators = append(out.Creators, &catalogv1.Creator{Name: name})
	}
	return out
}

func toDeclared(ds []record.Declared) []*catalogv1.DeclaredLicence {
	var out []*catalogv1.DeclaredLicence
	for _, d := range ds {
		out = append(out, &catalogv1.DeclaredLicence{Statement: d.Statement, Expression: d.Expression, Method: d.Method, Confidence: d.Confidence})
	}
	return out
}

// licencePort answers licence questions through the licences service.
// trees, when set, keeps the tree of each expression parsed, for a
// policy evaluation.
type licencePort struct {
	s     *Service
	trees map[string]*licencesv1.ExpressionNode
}

func (l licencePort) Check(ctx context.Context, qs []audit.Question) ([]graph.Check, error) {
	cs, err := l.s.checker.Check(ctx, qs)
	return cs, serviceError("licences", err)
}

func (l licencePort) Parse(ctx context.Context, expr string) (record.Expression, error) {
	resp, err := l.s.Licences.ParseExpression(ctx, &licencesv1.ParseExpressionRequest{Expression: expr})
	if err != nil {
		return record.Expression{}, serviceError("licences", err)
	}
	if l.trees != nil {
		l.trees[resp.GetCanonical()] = resp.GetTree()
	}
	return record.Expression{Canonical: resp.GetCanonical(), IDs: resp.GetLicenceIds()}, nil
}

func (l licencePort) Suggest(ctx context.Context, inbound []string, use graph.Use, candidates []string) ([]record.Suggestion, []string, error) {
	resp, err := l.s.Licences.SuggestOutbound(ctx, &licencesv1.SuggestOutboundRequest{
		Inbound: inbound, Use: licencesv1.Use(use), Candidates: candidates,
	})
	if err != nil {
		return nil, nil, serviceError("licences", err)
	}
	out := make([]record.Suggestion, len(resp.GetSuggestions()))
	for i, sg := range resp.GetSuggestions() {
		out[i] = record.Suggestion{
			Licence: sg.GetLicence(), Category: sg.GetCategory().String(), Verdict: graph.Verdict(sg.GetVerdict()),
			Reasons: fromReasons(sg.GetReasons()), Conditions: sg.GetConditions(),
		}
	}
	return out, resp.GetBlocking(), nil
}

// curationsPort reads the accepted curations from the lineage store.
type curationsPort struct{ s *Service }

func (c curationsPort) ForPackages(ctx context.Context) (func(purl, version string) (record.Curated, bool), error) {
	cu, err := c.s.curator(ctx)
	if err != nil {
		return nil, err
	}
	return func(purl, version string) (record.Curated, bool) {
		cur := cu.forPackage(purl, version)
		if cur == nil {
			return record.Curated{}, false
		}
		return record.Curated{ID: cur.ID, Licence: cur.Licence}, true
	}, nil
}
