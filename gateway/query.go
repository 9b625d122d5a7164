package gateway

import (
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stemma-registry/stemma/proto/httprule"
	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

// route says which query parameters one route takes: the request fields
// that neither the path nor the body binds.
type route struct {
	request protoreflect.MessageDescriptor
	bound   map[string]bool // top-level fields bound by the path or the body
	noQuery bool            // body "*": every field comes from the path or the body
}

// eachBinding calls fn for every method of the API contract that has an
// HTTP binding.
func eachBinding(fn func(md protoreflect.MethodDescriptor, b httprule.Binding)) {
	for _, fd := range []protoreflect.FileDescriptor{
		licencesv1.File_stemma_licences_v1_licences_proto,
		catalogv1.File_stemma_catalog_v1_catalog_proto,
		lineagev1.File_stemma_lineage_v1_lineage_proto,
		lineagev1.File_stemma_lineage_v1_policy_proto,
		lineagev1.File_stemma_lineage_v1_curation_proto,
		lineagev1.File_stemma_lineage_v1_subscription_proto,
		catalogv1.File_stemma_catalog_v1_outbox_proto,
	} {
		for i := 0; i < fd.Services().Len(); i++ {
			methods := fd.Services().Get(i).Methods()
			for j := 0; j < methods.Len(); j++ {
				if b, ok := httprule.Of(methods.Get(j)); ok {
					fn(methods.Get(j), b)
				}
			}
		}
	}
}

// queryRoutes maps "METHOD path-template" (as grpc-gateway prints a
// pattern, e.g. "GET /v1/{name=works/*}") to its route, for every method of
// the three services.
func queryRoutes() map[string]route {
	out := map[string]route{}
	eachBinding(func(md protoreflect.MethodDescriptor, b httprule.Binding) {
		r := route{request: md.Input(), bound: map[string]bool{}}
		for _, v := range b.Variables() {
			top, _, _ := strings.Cut(v, ".")
			r.bound[top] = true
		}
		switch b.Body {
		case "":
		case "*":
			r.noQuery = true
		default:
			r.bound[b.Body] = true
		}
		out[b.Method+" "+b.Path] = r
	})
	out[http.MethodGet+" "+healthPath] = route{request: (&healthpb.HealthCheckRequest{}).ProtoReflect().Descriptor()}
	return out
}

// strictQuery refuses, with 400, a query parameter the matched route does
// not take: a misspelt "?page_sise=10", a field the body or path already
// binds, or any parameter on a route whose whole request is the body. A
// parameter silently ignored would answer something else than was asked —
// or act anyway, as a DELETE with a typo in its etag parameter would.
func strictQuery(routes map[string]route) runtime.Middleware {
	return func(next runtime.HandlerFunc) runtime.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
			if r.URL.RawQuery == "" {
				next(w, r, params)
				return
			}
			pat, _ := runtime.HTTPPattern(r.Context())
			rt, known := routes[r.Method+" "+pat.String()]
			for key := range r.URL.Query() {
				if !known || !rt.takes(key) {
					WriteStatus(w, http.StatusBadRequest, status.Newf(codes.InvalidArgument, "unknown query parameter %q", key))
					return
				}
			}
			next(w, r, params)
		}
	}
}

// takes reports whether a dotted parameter path of proto or JSON field
// names ("page_size", "pageSize", "work.title") names a field the route
// fills from the query.
func (rt route) takes(key string) bool {
	if rt.noQuery {
		return false
	}
	desc := rt.request
	parts := strings.Split(key, ".")
	for i, part := range parts {
		f := desc.Fields().ByName(protoreflect.Name(part))
		if f == nil {
			f = desc.Fields().ByJSONName(part)
		}
		if f == nil || (i == 0 && rt.bound[string(f.Name())]) {
			return false
		}
		if i < len(parts)-1 {
			if f.Message() == nil {
				return false
			}
			desc = f.Message()
		}
	}
	return true
}
