package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/stemma-registry/stemma/gateway"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/consistency"
	"github.com/stemma-registry/stemma/services/internal/requestid"

	"github.com/stemma-registry/stemma/services/internal/config"
)

// httpHandler serves, on every process: /healthz (readiness), /livez and
// /metrics; and, where the gateway runs, the REST API and the OpenAPI
// document.
func (a *App) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"alive"}`))
	})
	if a.admin == nil {
		mux.Handle("GET /metrics", a.metrics())
	} else {
		// Not left to the explorer's catch-all, which would answer 200.
		mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
			gateway.WriteStatus(w, http.StatusNotFound, status.New(codes.NotFound, "/metrics is served on the admin listener"))
		})
	}
	if a.api != nil {
		// The span first, so that the request id names it and the
		// gateway's gRPC calls are its children.
		mux.Handle("/", a.tracing.HTTPHandler(requestid.Middleware(consistency.Middleware(a.instrument(refuseInternalKey(a.keys, a.api))))))
	}
	return mux
}

func (a *App) metrics() http.Handler {
	return promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{Registry: a.reg})
}

// newAdmin builds the admin listener's server: /metrics over HTTP/1 or
// HTTP/2, and gRPC reflection about this process's services over HTTP/2
// (cleartext or TLS as the other listeners), so that an operator's
// Prometheus and grpcurl reach what the public need not see.
func (a *App) newAdmin() {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics())
	a.adminGRPC = grpc.NewServer()
	if a.grpc != nil {
		a.adminGRPC = a.grpc.Reflection()
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	protocols.SetUnencryptedHTTP2(true)
	a.admin = &http.Server{
		TLSConfig: a.serverTLS,
		Protocols: &protocols,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
				a.adminGRPC.ServeHTTP(w, r)
				return
			}
			mux.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: min(10*time.Second, a.cfg.HTTPReadTimeout),
		IdleTimeout:       a.cfg.HTTPIdleTimeout,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
}

// instrument counts REST requests and their latencies by method and status.
func (a *App) instrument(h http.Handler) http.Handler {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stemma_http_requests_total",
		Help: "REST requests by method and HTTP status.",
	}, []string{"method", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "stemma_http_request_duration_seconds",
		Help:    "REST request latencies by method and HTTP status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "code"})
	a.reg.MustRegister(requests, duration)
	return promhttp.InstrumentHandlerCounter(requests, promhttp.InstrumentHandlerDuration(duration, h))
}

// healthz answers 200 when every part this process runs is serving and,
// for the gateway, every service it calls answers its health check.
func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	parts := map[string]string{}
	ok := true
	type checker func(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error)
	check := func(part string, fn checker) {
		resp, err := fn(ctx, &healthpb.HealthCheckRequest{Service: ServiceOf(part)})
		st := "UNREACHABLE"
		if err == nil {
			st = resp.GetStatus().String()
		}
		parts[part] = st
		ok = ok && st == healthpb.HealthCheckResponse_SERVING.String()
	}
	for _, p := range a.parts {
		if p.name == config.PartGateway {
			continue
		}
		check(p.name, a.grpc.Health.Check)
	}
	if a.api != nil {
		gw, _ := specOf(config.PartGateway)
		for _, dep := range gw.Needs {
			if _, local := parts[dep]; local {
				continue
			}
			c, err := a.conn(dep, false)
			if err != nil {
				parts[dep] = "UNREACHABLE"
				ok = false
				continue
			}
			client := healthpb.NewHealthClient(c)
			check(dep, func(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
				return client.Check(ctx, req)
			})
		}
	}
	code, overall := http.StatusOK, "SERVING"
	if !ok {
		code, overall = http.StatusServiceUnavailable, "NOT_SERVING"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": overall, "parts": parts})
}

// refuseInternalKey answers 401 to a REST request that presents the
// internal key. The gateway forwards the caller's Authorization header
// over the same in-process connection the services use among themselves,
// so without this the internal key would be a master key on the public
// port.
func refuseInternalKey(keys *auth.Keys, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, v := range r.Header.Values("Authorization") {
			if key, ok := auth.ParseBearer(v); ok && keys.IsInternal(key) {
				gateway.WriteStatus(w, http.StatusUnauthorized, status.New(codes.Unauthenticated, "unknown bearer key"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
