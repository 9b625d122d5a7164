package app_test

import (
	"context"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	collectortracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
)

// otlpReceiver is the test's collector: the OTLP/gRPC trace service on
// loopback, keeping every span it is sent with the stemma.targets of the
// process that sent it.
type otlpReceiver struct {
	collectortracepb.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []receivedSpan
	addr  string
}

type receivedSpan struct {
	process string // the resource's stemma.targets, joined with ","
	service string // the resource's service.name
	*tracepb.Span
}

func (r *otlpReceiver) Export(_ context.Context, req *collectortracepb.ExportTraceServiceRequest) (*collectortracepb.ExportTraceServiceResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		attrs := rs.GetResource().GetAttributes()
		var targets []string
		for _, v := range attrValue(attrs, "stemma.targets").GetArrayValue().GetValues() {
			targets = append(targets, v.GetStringValue())
		}
		service := attrValue(attrs, "service.name").GetStringValue()
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				r.spans = append(r.spans, receivedSpan{process: strings.Join(targets, ","), service: service, Span: sp})
			}
		}
	}
	return &collectortracepb.ExportTraceServiceResponse{}, nil
}

func (r *otlpReceiver) received() []receivedSpan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedSpan(nil), r.spans...)
}

func attrValue(attrs []*commonpb.KeyValue, key string) *commonpb.AnyValue {
	for _, kv := range attrs {
		if kv.GetKey() == key {
			return kv.GetValue()
		}
	}
	return nil
}

func startReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &otlpReceiver{addr: lis.Addr().String()}
	srv := grpc.NewServer()
	collectortracepb.RegisterTraceServiceServer(srv, r)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return r
}

// postWithID makes a REST POST as alice with the request id given and
// fails the test unless it answers 200.
func postWithID(t *testing.T, inst *apptest.Instance, path, body, id string) {
	t.Helper()
	req, err := http.NewRequest("POST", inst.BaseURL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apptest.AliceKey)
	if id != "" {
		req.Header.Set("X-Request-Id", id)
	}
	resp, err := inst.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d", path, resp.StatusCode)
	}
}

// startSplit starts the suite as two processes, licences and catalog in
// one, lineage and the gateway in the other, both exporting to endpoint
// (none: tracing off), and returns them with their logs.
func startSplit(t *testing.T, endpoint string) (back, front *apptest.Instance, backLog, frontLog *syncBuffer) {
	t.Helper()
	backLog, frontLog = &syncBuffer{}, &syncBuffer{}
	bcfg := apptest.Config(t, config.PartLicences, config.PartCatalog)
	bcfg.OTLPEndpoint = endpoint
	back = apptest.StartLogging(t, bcfg, backLog)
	fcfg := apptest.Config(t, config.PartLineage, config.PartGateway)
	fcfg.LicencesAddr, fcfg.CatalogAddr = back.InternalGRPCAddr(), back.InternalGRPCAddr()
	fcfg.OTLPEndpoint = endpoint
	front = apptest.StartLogging(t, fcfg, frontLog)
	return back, front, backLog, frontLog
}

const (
	tracedWork       = `{"kind":"WORK_KIND_TEXT","title":"Traced","licence":"MIT"}`
	tracedDerivation = `{"derivative":"works/derivative","source":"works/source","relation":"RELATION_ADAPTATION"}`
)

// TestTraceAcrossProcesses posts a derivation to a gateway whose lineage
// service reads the works from a catalog in another process, both
// exporting to a real OTLP/gRPC receiver: the spans of both processes form
// one trace rooted at the REST request, linked parent to child across the
// process boundary, named by the request id, and both processes' log lines
// carry its trace id.
func TestTraceAcrossProcesses(t *testing.T) {
	recv := startReceiver(t)
	back, front, backLog, frontLog := startSplit(t, recv.addr)
	postWithID(t, front, "/v1/works?workId=source", tracedWork, "")
	postWithID(t, front, "/v1/works?workId=derivative", tracedWork, "")
	const id = "otel-derivation-1"
	postWithID(t, front, "/v1/derivations", tracedDerivation, id)
	// Stopping flushes the batch span processors: what is exported then is
	// all there is.
	for _, inst := range []*apptest.Instance{front, back} {
		if err := inst.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	const frontProc, backProc = "lineage,gateway", "licences,catalog"

	all := recv.received()
	var root *receivedSpan
	for i, s := range all {
		if s.service != "stemma" {
			t.Errorf("span %q from service.name %q; want stemma", s.GetName(), s.service)
		}
		// The instances' /healthz made health checks from the front to
		// the back: traced, each probe would be a trace of its own.
		if strings.HasPrefix(s.GetName(), "grpc.health.v1.Health/") {
			t.Errorf("health check %q (%s) traced", s.GetName(), s.process)
		}
		if s.process == frontProc && s.GetKind() == tracepb.Span_SPAN_KIND_SERVER &&
			attrValue(s.GetAttributes(), "stemma.request_id").GetStringValue() == id && strings.HasPrefix(s.GetName(), "REST ") {
			root = &all[i]
		}
	}
	if root == nil {
		t.Fatalf("no REST server span named by request id %s among %d spans", id, len(all))
	}
	if len(root.GetParentSpanId()) != 0 {
		t.Errorf("the REST span has a parent; the caller sent no traceparent")
	}
	traceID := root.GetTraceId()
	byID := map[string]receivedSpan{}
	var trace []receivedSpan
	for _, s := range all {
		if string(s.GetTraceId()) == string(traceID) {
			trace = append(trace, s)
			byID[string(s.GetSpanId())] = s
		}
	}
	procs := map[string]int{}
	crossings := 0
	backServed := map[string]bool{}
	for _, s := range trace {
		procs[s.process]++
		if s.GetSpanId() == nil || string(s.GetSpanId()) == string(root.GetSpanId()) {
			continue
		}
		parent, ok := byID[string(s.GetParentSpanId())]
		if !ok {
			t.Errorf("span %q (%s) has a parent outside the trace", s.GetName(), s.process)
			continue
		}
		if parent.process != s.process {
			crossings++
			if parent.process != frontProc || parent.GetKind() != tracepb.Span_SPAN_KIND_CLIENT || s.GetKind() != tracepb.Span_SPAN_KIND_SERVER {
				t.Errorf("span %q (%s, %v) crosses from %q (%s, %v); want a front client span parenting a back server span",
					s.GetName(), s.process, s.GetKind(), parent.GetName(), parent.process, parent.GetKind())
			}
		}
		if s.process == backProc && s.GetKind() == tracepb.Span_SPAN_KIND_SERVER {
			backServed[s.GetName()] = true
			if got := attrValue(s.GetAttributes(), "stemma.request_id").GetStringValue(); got != id {
				t.Errorf("back span %q has request id %q; want %q", s.GetName(), got, id)
			}
		}
	}
	t.Logf("trace %x: %d spans (%v), %d cross the process boundary; the back served %v",
		traceID, len(trace), procs, crossings, keys(backServed))
	if procs[frontProc] == 0 || procs[backProc] == 0 {
		t.Errorf("the trace's spans come from %v; want both processes", procs)
	}
	if crossings == 0 {
		t.Error("no span of the back process is a child of one in the front")
	}
	var sawCatalog bool
	for name := range backServed {
		sawCatalog = sawCatalog || strings.HasPrefix(name, "stemma.catalog.v1.CatalogService/")
	}
	if !sawCatalog {
		t.Errorf("the back process served no catalog call in the trace: %v", keys(backServed))
	}
	want := "trace_id=" + hex.EncodeToString(traceID)
	for name, log := range map[string]*syncBuffer{"front": frontLog, "back": backLog} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the %s process logged nothing with %s:\n%.3000s", name, want, log.String())
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestTracingOffByDefault runs the same split without --otlp-endpoint but
// with the SDK's own OTEL_EXPORTER_OTLP_ENDPOINT pointing at a receiver:
// only the flag turns tracing on, so nothing is exported, the requests
// succeed, and no log line carries a trace id.
func TestTracingOffByDefault(t *testing.T) {
	recv := startReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+recv.addr)
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://"+recv.addr)
	back, front, backLog, frontLog := startSplit(t, "")
	postWithID(t, front, "/v1/works?workId=source", tracedWork, "")
	postWithID(t, front, "/v1/works?workId=derivative", tracedWork, "")
	postWithID(t, front, "/v1/derivations", tracedDerivation, "untraced-1")
	for _, inst := range []*apptest.Instance{front, back} {
		if err := inst.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	if got := recv.received(); len(got) != 0 {
		t.Errorf("%d spans exported with tracing off; first %q", len(got), got[0].GetName())
	}
	for name, log := range map[string]*syncBuffer{"front": frontLog, "back": backLog} {
		if !strings.Contains(log.String(), "request_id=untraced-1") {
			t.Errorf("the %s process did not log the request", name)
		}
		if strings.Contains(log.String(), "trace_id=") {
			t.Errorf("the %s process logged a trace id with tracing off", name)
		}
	}
}

// TestTracingWithCollectorDown points a process at a port nobody listens
// on: it starts, serves requests, and stops cleanly within its shutdown
// timeout, the spans it could not export logged as a warning, not a failure.
func TestTracingWithCollectorDown(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := lis.Addr().String()
	lis.Close()
	var log syncBuffer
	cfg := apptest.Config(t)
	cfg.OTLPEndpoint = dead
	cfg.ShutdownTimeout = time.Second
	inst := apptest.StartLogging(t, cfg, &log)
	postWithID(t, inst, "/v1/works", tracedWork, "collector-down-1")
	start := time.Now()
	if err := inst.Stop(); err != nil {
		t.Fatalf("stop with the collector down: %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("stop took %v; want about the 1s shutdown timeout at most", took)
	}
	if !strings.Contains(log.String(), "spans not exported at shutdown") {
		t.Errorf("no warning about the spans left unexported:\n%.3000s", log.String())
	}
	if !strings.Contains(log.String(), "request_id=collector-down-1") || !strings.Contains(log.String(), "trace_id=") {
		t.Errorf("the request was not logged with its ids:\n%.3000s", log.String())
	}
}
