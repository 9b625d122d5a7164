// Package gateway is Stemma's REST edge: every RPC of the licences, catalog
// and lineage services as REST/JSON under /v1 (grpc-gateway, from the
// google.api.http rules of the API contract), the OpenAPI documents, and
// the web explorer at / (package web).
//
// The gateway calls the services through gRPC client interfaces, never by
// calling the servers' methods directly, so that REST requests pass
// through the same interceptors (authentication, metrics, logging) as gRPC
// ones, and server streaming works; for a service in the same process the
// interface may skip the transport (services/internal/rpc InProcess).
package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	catalogv1 "github.com/stemma-registry/stemma/gateway/gen/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/gateway/gen/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/gateway/gen/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/gateway/web"
	"github.com/stemma-registry/stemma/proto/openapi"
	catalogpb "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencespb "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagepb "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
)

// Options configures the gateway.
type Options struct {
	// The connections to the services: gRPC client connections, or, for a
	// service in the same process, a connection that runs its calls
	// through the server's interceptors without a transport.
	Licences grpc.ClientConnInterface
	Catalog  grpc.ClientConnInterface
	Lineage  grpc.ClientConnInterface
	// MaxBodyBytes bounds request bodies; a larger one gets 413.
	MaxBodyBytes int64
	Logger       *slog.Logger
}

// JSON is the JSON form of every REST request and response: protojson with
// lowerCamelCase names. Every field is emitted, defaults included, so that
// clients see the whole shape ("conflict": false, "nextPageToken": "").
// Unknown fields in a request are an error rather than silently dropped:
// a misspelt field ("license" for "licence") must not lose data.
var JSON = &runtime.JSONPb{
	MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: true},
	UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
}

// New returns the REST handler: the API under /v1, the OpenAPI 3.1 document
// at /openapi.json and its Swagger 2.0 form at /openapi-v2.json, and the
// web explorer at every other path (deep links such as /works/{id} answer
// with the explorer's page; unknown paths under /v1 still answer the API's
// JSON 404).
func New(ctx context.Context, o Options) (http.Handler, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	for name, c := range map[string]grpc.ClientConnInterface{"licences": o.Licences, "catalog": o.Catalog, "lineage": o.Lineage} {
		if c == nil {
			return nil, fmt.Errorf("gateway: no connection to the %s service", name)
		}
	}
	mux := runtime.NewServeMux(
		runtime.WithHealthEndpointAt(newHealth(o), healthPath),
		runtime.WithMarshalerOption(runtime.MIMEWildcard, jsonMarshaler),
		runtime.WithErrorHandler(errorHandler(o.Logger)),
		runtime.WithRoutingErrorHandler(routingErrorHandler),
		runtime.WithDisablePathLengthFallback(),
		runtime.WithOutgoingHeaderMatcher(outgoingHeader),
		runtime.WithMiddlewares(strictQuery(queryRoutes()), plainStreamErrors(streamingRoutes())),
	)
	register := []struct {
		name string
		fn   func() error
	}{
		// Registered last, matched first: lineage's custom verbs on works
		// (works/{id}:audit) must be tried before the catalog's plain
		// works/{id}.
		{"catalog", func() error {
			return catalogv1.RegisterCatalogServiceHandlerClient(ctx, mux, catalogpb.NewCatalogServiceClient(o.Catalog))
		}},
		{"catalog", func() error {
			return catalogv1.RegisterCatalogEventServiceHandlerClient(ctx, mux, catalogpb.NewCatalogEventServiceClient(o.Catalog))
		}},
		{"licences", func() error {
			return licencesv1.RegisterLicenceServiceHandlerClient(ctx, mux, licencespb.NewLicenceServiceClient(o.Licences))
		}},
		{"lineage", func() error {
			return lineagev1.RegisterLineageServiceHandlerClient(ctx, mux, lineagepb.NewLineageServiceClient(o.Lineage))
		}},
		{"lineage", func() error {
			return lineagev1.RegisterPolicyServiceHandlerClient(ctx, mux, lineagepb.NewPolicyServiceClient(o.Lineage))
		}},
		{"lineage", func() error {
			return lineagev1.RegisterCurationServiceHandlerClient(ctx, mux, lineagepb.NewCurationServiceClient(o.Lineage))
		}},
		{"lineage", func() error {
			return lineagev1.RegisterSubscriptionServiceHandlerClient(ctx, mux, lineagepb.NewSubscriptionServiceClient(o.Lineage))
		}},
	}
	for _, r := range register {
		if err := r.fn(); err != nil {
			return nil, fmt.Errorf("gateway: register %s: %w", r.name, err)
		}
	}
	h := http.NewServeMux()
	h.Handle("/v1/", limitBody(o.MaxBodyBytes, validUTF8(mux)))
	h.HandleFunc("GET /openapi.json", serveDocument(openapi.Document))
	h.HandleFunc("GET /openapi-v2.json", serveDocument(openapi.Swagger))
	h.Handle("/", web.Handler())
	return h, nil
}

func serveDocument(doc []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	}
}

// limitBody reads the whole body up front, at most max bytes, so that an
// over-long body gets a clear 413 before any decoding, whatever its
// Content-Length claims.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > max {
			tooLarge(w, max)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			tooLarge(w, max)
			return
		case err != nil:
			WriteStatus(w, http.StatusBadRequest, status.New(codes.InvalidArgument, "could not read the request body: "+err.Error()))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// validUTF8 refuses a request whose path or query is not valid UTF-8 once
// unescaped. grpc-gateway would copy it into a protobuf string field, which
// gRPC then refuses to marshal, and the caller's mistake would come back
// as a 500.
func validUTF8(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		valid := utf8.ValidString(r.URL.Path)
		if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
			for k, vs := range q {
				valid = valid && utf8.ValidString(k)
				for _, v := range vs {
					valid = valid && utf8.ValidString(v)
				}
			}
		}
		if !valid {
			WriteStatus(w, http.StatusBadRequest, status.New(codes.InvalidArgument, "the request's path or query is not valid UTF-8"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func tooLarge(w http.ResponseWriter, max int64) {
	WriteStatus(w, http.StatusRequestEntityTooLarge,
		status.New(codes.InvalidArgument, fmt.Sprintf("request body larger than %d bytes", max)))
}

// WriteStatus writes st as the JSON error body every Stemma error has
// ({"code", "message", "details"}) with the given HTTP status.
func WriteStatus(w http.ResponseWriter, httpStatus int, st *status.Status) {
	b, err := JSON.Marshal(st.Proto())
	if err != nil {
		b = []byte(`{"code":13,"message":"internal error","details":[]}`)
		httpStatus = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_, _ = w.Write(b)
}

// errorHandler is grpc-gateway's default mapping of gRPC codes to HTTP
// statuses and JSON bodies; it also logs what became INTERNAL, which a
// caller only sees as "internal error".
func errorHandler(log *slog.Logger) runtime.ErrorHandlerFunc {
	return func(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
		if st, ok := status.FromError(err); ok && st.Code() == codes.Internal {
			log.ErrorContext(ctx, "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
	}
}

// routingErrorHandler answers a path no route matches with 404, and a known
// path with the wrong method with 405, both with a JSON error body.
func routingErrorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	switch httpStatus {
	case http.StatusMethodNotAllowed:
		WriteStatus(w, httpStatus, status.New(codes.Unimplemented, fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)))
	case http.StatusNotFound:
		WriteStatus(w, httpStatus, status.New(codes.NotFound, "no route for "+r.URL.Path))
	default:
		WriteStatus(w, httpStatus, status.New(codes.InvalidArgument, http.StatusText(httpStatus)))
	}
}

// consistencyKey is the metadata of the consistency token a service
// returns after a write (services/internal/consistency); REST callers get
// it as the Stemma-Consistency header, the name they send it back under.
const consistencyKey = "x-stemma-consistency"

// outgoingHeader names the HTTP headers of a call's response metadata:
// Grpc-Metadata-<key>, as grpc-gateway does, but for the consistency
// token.
func outgoingHeader(key string) (string, bool) {
	if key == consistencyKey {
		return "Stemma-Consistency", true
	}
	return runtime.MetadataHeaderPrefix + key, true
}
