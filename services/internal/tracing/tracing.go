// Package tracing exports OpenTelemetry traces of a Stemma process to an
// OTLP/gRPC collector, when one is configured. Off (no endpoint), it
// installs nothing: no exporter, no gRPC stats handler, no HTTP wrapper, so
// a process that does not trace pays nothing for it.
//
// Each process gets its own tracer provider rather than the global one, so
// that two processes' worth of parts in one test binary stay apart, each
// with its resource (service.name "stemma", the targets it runs).
package tracing

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/stats"
)

// ServiceName is the service.name of every process's spans; which parts a
// process runs is in the resource attribute stemma.targets.
const ServiceName = "stemma"

// Options configures a process's tracing.
type Options struct {
	// Endpoint is the collector: host:port (plaintext) or
	// http(s)://host:port. Empty turns tracing off.
	Endpoint string
	// SampleRatio is the share of new traces recorded, 0 to 1; a call that
	// arrives inside a trace follows its caller's decision.
	SampleRatio float64
	// Targets are the parts the process runs, for the resource.
	Targets []string
}

// Provider is a process's tracing: enabled with an exporter, or a no-op.
type Provider struct {
	sdk  *sdktrace.TracerProvider // nil when off
	prop propagation.TextMapPropagator
}

// New returns the process's tracing. With no endpoint it is off and never
// fails. The exporter connects lazily: a collector that is down does not
// stop the process, its spans are dropped after the exporter's retries.
func New(ctx context.Context, o Options) (*Provider, error) {
	if o.Endpoint == "" {
		return &Provider{}, nil
	}
	var opts []otlptracegrpc.Option
	if strings.Contains(o.Endpoint, "://") {
		opts = append(opts, otlptracegrpc.WithEndpointURL(o.Endpoint))
	} else {
		opts = append(opts, otlptracegrpc.WithEndpoint(o.Endpoint), otlptracegrpc.WithInsecure())
	}
	exp, err := otlptracegrpc.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("otlp exporter for %s: %w", o.Endpoint, err)
	}
	// resource.NewSchemaless, not resource.Default: the environment's
	// OTEL_SERVICE_NAME must not rename the suite's spans.
	res := resource.NewSchemaless(
		attribute.String("service.name", ServiceName),
		attribute.StringSlice("stemma.targets", o.Targets),
	)
	sdk := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(o.SampleRatio))),
	)
	return &Provider{sdk: sdk, prop: propagation.TraceContext{}}, nil
}

// Enabled reports whether spans are recorded and exported.
func (p *Provider) Enabled() bool { return p != nil && p.sdk != nil }

// Shutdown exports the spans still buffered and stops the exporter; the
// process calls it last on its way down, so that the spans of the
// requests it drained are not lost.
func (p *Provider) Shutdown(ctx context.Context) error {
	if !p.Enabled() {
		return nil
	}
	return p.sdk.Shutdown(ctx)
}

// ServerHandler returns the gRPC stats handler that makes a server span
// per call, a child of the caller's span if the call carries its W3C
// traceparent; nil when off.
func (p *Provider) ServerHandler() stats.Handler {
	if !p.Enabled() {
		return nil
	}
	return otelgrpc.NewServerHandler(p.grpcOptions()...)
}

// ClientHandler returns the gRPC stats handler that makes a client span
// per call and sends its traceparent along; nil when off.
func (p *Provider) ClientHandler() stats.Handler {
	if !p.Enabled() {
		return nil
	}
	return otelgrpc.NewClientHandler(p.grpcOptions()...)
}

func (p *Provider) grpcOptions() []otelgrpc.Option {
	return []otelgrpc.Option{
		otelgrpc.WithTracerProvider(p.sdk),
		otelgrpc.WithPropagators(p.prop),
		otelgrpc.WithFilter(traced),
	}
}

// traced leaves out health checks and reflection: probes and the gateway's
// /healthz call them every few seconds, and each would be a trace of its
// own that says nothing about a request.
func traced(info *stats.RPCTagInfo) bool {
	return !strings.HasPrefix(info.FullMethodName, "/grpc.health.v1.Health/") &&
		!strings.HasPrefix(info.FullMethodName, "/grpc.reflection.")
}

// HTTPHandler wraps the REST entry: a server span per request (a child of
// the caller's traceparent, if any), in whose context the gateway's gRPC
// calls run. It returns h itself when off.
func (p *Provider) HTTPHandler(h http.Handler) http.Handler {
	if !p.Enabled() {
		return h
	}
	return otelhttp.NewHandler(h, "rest",
		otelhttp.WithTracerProvider(p.sdk),
		otelhttp.WithPropagators(p.prop),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			// The method only: grpc-gateway routes below this handler, so
			// no route pattern is known here, and a path holds ids, which
			// would make every span name new. The path is in the span's
			// attributes; the gRPC child span names the method called.
			return "REST " + r.Method
		}),
	)
}

// LogHandler adds trace_id and span_id to every record logged with a
// context inside a recorded span, so that a trace and the log lines it
// caused find each other.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(attrs)}
}

func (h logHandler) WithGroup(name string) slog.Handler { return logHandler{h.Handler.WithGroup(name)} }
