package tracing

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/stats"
)

func TestLogHandlerAddsTheSpanOfTheContext(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewTextHandler(&buf, nil))).With("part", "catalog")
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	log.InfoContext(trace.ContextWithSpanContext(context.Background(), sc), "in a span")
	log.InfoContext(context.Background(), "outside")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("logged %q", buf.String())
	}
	for _, want := range []string{"trace_id=4bf92f3577b34da6a3ce929d0e0e4736", "span_id=00f067aa0ba902b7", "part=catalog"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("line in a span %q lacks %s", lines[0], want)
		}
	}
	if strings.Contains(lines[1], "trace_id") {
		t.Errorf("line outside a span %q names a trace", lines[1])
	}
}

func TestOffInstallsNothing(t *testing.T) {
	p, err := New(context.Background(), Options{SampleRatio: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p.Enabled() || p.ServerHandler() != nil || p.ClientHandler() != nil {
		t.Error("tracing without an endpoint installed stats handlers")
	}
	// Off, the REST handler is served as it is, not wrapped.
	h := &http.ServeMux{}
	if got := p.HTTPHandler(h); got != http.Handler(h) {
		t.Errorf("HTTPHandler wrapped the handler (%T) with tracing off", got)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown of tracing that is off: %v", err)
	}
}

func TestHealthAndReflectionAreNotTraced(t *testing.T) {
	for method, want := range map[string]bool{
		"/grpc.health.v1.Health/Check":                              false,
		"/grpc.health.v1.Health/Watch":                              false,
		"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo": false,
		"/stemma.catalog.v1.CatalogService/BatchGetWorks":           true,
		"/stemma.lineage.v1.LineageService/CreateDerivation":        true,
	} {
		if got := traced(&stats.RPCTagInfo{FullMethodName: method}); got != want {
			t.Errorf("traced(%s) = %v; want %v", method, got, want)
		}
	}
}
