package gateway

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// healthPath is where the gateway answers gRPC health checks.
const healthPath = "/v1/health"

// health answers GET /v1/health?service=<gRPC service name> with that
// service's gRPC health, asked of the connection that reaches it; with no
// service, SERVING only when all three services are. It is the cheapest
// route through the whole gateway path (routing, metadata, one gRPC call,
// JSON), so the load benchmarks use it as their no-op baseline.
type health struct {
	byPrefix map[string]healthpb.HealthClient // "stemma.catalog." -> client
	all      []string
}

func newHealth(o Options) *health {
	h := &health{byPrefix: map[string]healthpb.HealthClient{
		"stemma.licences.": healthpb.NewHealthClient(o.Licences),
		"stemma.catalog.":  healthpb.NewHealthClient(o.Catalog),
		"stemma.lineage.":  healthpb.NewHealthClient(o.Lineage),
	}}
	h.all = []string{"stemma.licences.v1.LicenceService", "stemma.catalog.v1.CatalogService", "stemma.lineage.v1.LineageService"}
	return h
}

func (h *health) client(service string) healthpb.HealthClient {
	for prefix, c := range h.byPrefix {
		if strings.HasPrefix(service, prefix) {
			return c
		}
	}
	return nil
}

// Check implements healthpb.HealthClient.
func (h *health) Check(ctx context.Context, in *healthpb.HealthCheckRequest, opts ...grpc.CallOption) (*healthpb.HealthCheckResponse, error) {
	if in.GetService() != "" {
		c := h.client(in.GetService())
		if c == nil {
			return nil, status.Errorf(codes.NotFound, "unknown service %q", in.GetService())
		}
		return c.Check(ctx, in, opts...)
	}
	for _, svc := range h.all {
		resp, err := h.client(svc).Check(ctx, &healthpb.HealthCheckRequest{Service: svc}, opts...)
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_NOT_SERVING}, nil
		}
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// List implements healthpb.HealthClient; the gateway does not use it.
func (h *health) List(ctx context.Context, in *healthpb.HealthListRequest, opts ...grpc.CallOption) (*healthpb.HealthListResponse, error) {
	return nil, status.Error(codes.Unimplemented, "not served over REST")
}

// Watch implements healthpb.HealthClient; the gateway does not use it.
func (h *health) Watch(ctx context.Context, in *healthpb.HealthCheckRequest, opts ...grpc.CallOption) (grpc.ServerStreamingClient[healthpb.HealthCheckResponse], error) {
	return nil, status.Error(codes.Unimplemented, "not served over REST")
}
