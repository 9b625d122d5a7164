// Package rpc builds Stemma's gRPC servers and clients: the interceptor
// chain every server runs (metrics, logging, error mapping, panic recovery,
// authentication), health and reflection, and client connections that
// spread calls over replicas and retry idempotent reads.
package rpc

import (
	"context"
	"crypto/tls"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	v1reflectiongrpc "google.golang.org/grpc/reflection/grpc_reflection_v1"
	v1alphareflectiongrpc "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/consistency"
	"github.com/stemma-registry/stemma/services/internal/requestid"
)

// ServerOptions configures a gRPC server.
type ServerOptions struct {
	Logger      *slog.Logger
	Registry    prometheus.Registerer
	Keys        *auth.Keys
	Policy      *auth.Policy
	MaxMsgBytes int
	// MaxStreams bounds the concurrent calls on one connection (0: gRPC's
	// default, unbounded).
	MaxStreams uint32
	// TLS, when set, serves every connection over TLS.
	TLS *tls.Config
	// AdminReflection leaves reflection off this server, for an admin
	// listener to serve it (Server.Reflection).
	AdminReflection bool
	// PreAuth interceptors run just outside authentication (the limiter
	// of failed authentications, which counts what it refuses).
	PreAuthUnary  []grpc.UnaryServerInterceptor
	PreAuthStream []grpc.StreamServerInterceptor
	// Extra interceptors run innermost, after authentication (the rate
	// limiter, which needs the principal).
	Unary  []grpc.UnaryServerInterceptor
	Stream []grpc.StreamServerInterceptor
	// StatsHandler, when set, sees every call before the interceptors:
	// the tracing server handler, whose span the request id and the log
	// lines of the call then find in its context.
	StatsHandler stats.Handler
}

// Server is a gRPC server with health checking and reflection registered.
type Server struct {
	*grpc.Server
	Health  *health.Server
	metrics *grpcprom.ServerMetrics
	// unary is the whole unary interceptor chain, for InProcess calls.
	unary grpc.UnaryServerInterceptor

	mu      sync.RWMutex
	methods map[string]unaryMethod // by full method name
}

// NewServer returns a server whose every call passes, outermost first,
// through: its request id (requestid), its consistency token
// (consistency: read-your-writes across read replicas), Prometheus metrics (counts and latency per method), a log line
// per finished call, the rewriting of domain errors into statuses, the
// refusal of requests that could not be decoded, panic recovery and
// authentication.
func NewServer(o ServerOptions) *Server {
	metrics := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(
		grpcprom.WithHistogramBuckets([]float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}),
	))
	if o.Registry != nil {
		o.Registry.MustRegister(metrics)
	}
	rec := recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
		o.Logger.ErrorContext(ctx, "panic in handler", "panic", p, "stack", string(debug.Stack()))
		return status.Error(codes.Internal, "internal error")
	})
	codec := newLenientCodec()
	unary := []grpc.UnaryServerInterceptor{
		requestid.UnaryServerInterceptor(),
		consistency.UnaryServerInterceptor(),
		metrics.UnaryServerInterceptor(),
		logUnary(o.Logger),
		errorsUnary(o.Logger),
		codec.unary(),
		recovery.UnaryServerInterceptor(rec),
	}
	unary = append(append(unary, o.PreAuthUnary...), o.Keys.UnaryInterceptor(o.Policy))
	stream := []grpc.StreamServerInterceptor{
		requestid.StreamServerInterceptor(),
		consistency.StreamServerInterceptor(),
		metrics.StreamServerInterceptor(),
		logStream(o.Logger),
		errorsStream(o.Logger),
		codec.stream(),
		recovery.StreamServerInterceptor(rec),
	}
	stream = append(append(stream, o.PreAuthStream...), o.Keys.StreamInterceptor(o.Policy))
	unary = append(unary, o.Unary...)
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(append(stream, o.Stream...)...),
		grpc.MaxRecvMsgSize(o.MaxMsgBytes),
		grpc.ForceServerCodecV2(codec),
		// A client pinging more often than every 10 s is closed with
		// GOAWAY, so pings cannot be used to keep the server busy; pings
		// without a call are allowed, for clients holding a watch.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		// Dead peers are found by the server's own pings, and a connection
		// idle for 15 minutes is closed, so idle connections cannot pile up.
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: 15 * time.Minute, Time: 2 * time.Minute, Timeout: 20 * time.Second}),
	}
	if o.MaxStreams > 0 {
		opts = append(opts, grpc.MaxConcurrentStreams(o.MaxStreams))
	}
	if o.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(o.TLS)))
	}
	if o.StatsHandler != nil {
		opts = append(opts, grpc.StatsHandler(o.StatsHandler))
	}
	srv := grpc.NewServer(opts...)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	if !o.AdminReflection {
		reflection.Register(srv)
	}
	return &Server{Server: srv, Health: hs, metrics: metrics, unary: chainUnary(unary)}
}

// Reflection returns a gRPC server answering reflection (v1 and v1alpha)
// about s's services and nothing else, for an admin listener.
func (s *Server) Reflection() *grpc.Server {
	srv := grpc.NewServer()
	opts := reflection.ServerOptions{Services: s.Server}
	v1reflectiongrpc.RegisterServerReflectionServer(srv, reflection.NewServerV1(opts))
	v1alphareflectiongrpc.RegisterServerReflectionServer(srv, reflection.NewServer(opts))
	return srv
}

// InitializeMetrics makes every registered method appear in the metrics
// with zero counts; call it once the services are registered.
func (s *Server) InitializeMetrics() { s.metrics.InitializeMetrics(s.Server) }

// toStatusError rewrites a handler's error into a status error once, and
// logs the cause of anything that becomes INTERNAL or UNAVAILABLE (their
// messages to callers are generic).
func toStatusError(ctx context.Context, log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	st := apierr.ToStatus(err)
	switch st.Code() {
	case codes.Internal, codes.Unknown:
		if _, isStatus := status.FromError(err); !isStatus || st.Message() != "internal error" {
			log.ErrorContext(ctx, "internal error", "err", err)
		}
	case codes.Unavailable:
		log.WarnContext(ctx, "dependency unavailable", "err", err)
	}
	return st.Err()
}

func errorsUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return nil, toStatusError(ctx, log, err)
		}
		return resp, nil
	}
}

func errorsStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return toStatusError(ss.Context(), log, handler(srv, ss))
	}
}
