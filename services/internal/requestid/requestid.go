// Package requestid gives every request an id that follows it through the
// gateway and every service it reaches, into each log line it causes, and
// back to the caller: REST's X-Request-Id header, gRPC's x-request-id
// header metadata. A caller may choose the id (a short token of letters,
// digits and ._:-); otherwise one is made.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

const (
	// Header is the HTTP header carrying the id, both ways.
	Header = "X-Request-Id"
	// MetadataKey is the gRPC metadata key carrying the id, both ways.
	MetadataKey = "x-request-id"
	// gatewayHeader is the header grpc-gateway turns into the metadata
	// MetadataKey on the call it makes.
	gatewayHeader = "Grpc-Metadata-" + Header
	maxLen        = 128
)

type ctxKey struct{}

// FromContext returns the id of the request ctx belongs to, or "".
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// SpanAttribute is the span attribute carrying the id, so that a trace can
// be found from the id a caller reports.
const SpanAttribute = "stemma.request_id"

// With returns ctx carrying id, and names id on ctx's span, if one is
// recording (tracing is on and the gRPC or HTTP server span was started
// before this).
func With(ctx context.Context, id string) context.Context {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(attribute.String(SpanAttribute, id))
	}
	return context.WithValue(ctx, ctxKey{}, id)
}

// New returns a fresh id: 16 random bytes in hex.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// valid reports whether a caller's id may be used as it is: short, and of
// characters that cannot break a log line or a header.
func valid(id string) bool {
	if id == "" || len(id) > maxLen {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// choose returns the caller's id if it is valid, else a new one.
func choose(id string) string {
	if valid(id) {
		return id
	}
	return New()
}

// Middleware gives a REST request its id, returns it in the response's
// X-Request-Id and hands it to grpc-gateway for the call it makes.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := choose(r.Header.Get(Header))
		r.Header.Set(gatewayHeader, id)
		w.Header().Set(Header, id)
		next.ServeHTTP(w, r.WithContext(With(r.Context(), id)))
	})
}

// serverContext gives a call its id, from the caller's metadata or new,
// and sends it back in the response header.
func serverContext(ctx context.Context) context.Context {
	md, _ := metadata.FromIncomingContext(ctx)
	var id string
	if vals := md.Get(MetadataKey); len(vals) == 1 {
		id = vals[0]
	}
	id = choose(id)
	_ = grpc.SetHeader(ctx, metadata.Pairs(MetadataKey, id))
	return With(ctx, id)
}

// UnaryServerInterceptor gives each call its id. It must come before the
// interceptors that log, so that their lines carry it.
func UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return handler(serverContext(ctx), req)
	}
}

// StreamServerInterceptor gives each stream its id.
func StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &stream{ServerStream: ss, ctx: serverContext(ss.Context())})
	}
}

type stream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *stream) Context() context.Context { return s.ctx }

// outgoing adds the id of ctx's request to a call a service makes while
// serving it, so that the next service logs the same id.
func outgoing(ctx context.Context) context.Context {
	id := FromContext(ctx)
	if id == "" {
		return ctx
	}
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get(MetadataKey)) > 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, MetadataKey, id)
}

// UnaryClientInterceptor passes the id on to the service called.
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return invoker(outgoing(ctx), method, req, reply, cc, opts...)
	}
}

// StreamClientInterceptor passes the id on to the service called.
func StreamClientInterceptor() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return streamer(outgoing(ctx), desc, cc, method, opts...)
	}
}

// LogHandler adds the request's id, as request_id, to every record logged
// with a context that carries one.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := FromContext(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(attrs)}
}

func (h logHandler) WithGroup(name string) slog.Handler { return logHandler{h.Handler.WithGroup(name)} }
