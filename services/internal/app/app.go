// Package app assembles the parts of the suite a process runs (its targets:
// licences, catalog, lineage, gateway) and runs them until the process is
// told to stop, then drains them in reverse order.
//
// Each part's constructor takes what it depends on as typed arguments (a
// client connection per service it calls, its store, the cache); a part
// this process does not run is reached at its configured addresses, one it
// runs over an in-process connection that still passes through the gRPC
// interceptors.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc"
	"google.golang.org/grpc/test/bufconn"

	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/cache"
	"github.com/stemma-registry/stemma/services/internal/config"
	"github.com/stemma-registry/stemma/services/internal/paging"
	"github.com/stemma-registry/stemma/services/internal/ratelimit"
	"github.com/stemma-registry/stemma/services/internal/requestid"
	"github.com/stemma-registry/stemma/services/internal/rpc"
	"github.com/stemma-registry/stemma/services/internal/tracing"
)

// App is a running process of the suite.
type App struct {
	cfg config.Config
	log *slog.Logger
	reg *prometheus.Registry

	keys   *auth.Keys
	policy *auth.Policy

	serverTLS *tls.Config // nil: plaintext
	clientTLS *tls.Config // for calls to parts elsewhere; nil: plaintext

	grpc    *rpc.Server        // nil when the process runs only the gateway
	limiter *ratelimit.Limiter // with grpc
	grpcLis net.Listener
	// internalLis is --internal-grpc-addr, marked like local as the
	// parts' own (auth.InternalListener); nil when not set.
	internalLis net.Listener
	local       *bufconn.Listener

	http    *http.Server
	httpLis net.Listener

	admin     *http.Server // nil without --admin-addr
	adminLis  net.Listener
	adminGRPC *grpc.Server // reflection on the admin listener
	api       http.Handler // the gateway's REST API, when this process runs it

	cache        cache.Cache
	cacheMetrics *cache.Metrics // shared by every cache of the process

	tracing *tracing.Provider // a no-op without --otlp-endpoint

	parts []*part // started parts, in start order
	conns map[string]*grpc.ClientConn

	stopOnce sync.Once
	stopping chan struct{}
}

// part is one started part and what it must release.
type part struct {
	name     string
	services []string // gRPC service names it serves, for health
	close    closer
}

// New builds the parts cfg names, binding their listeners (so that the
// addresses are known before Run), but serves nothing yet.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (a *App, err error) {
	keys, err := config.ParseAPIKeys(cfg.APIKeys)
	if err != nil {
		return nil, err
	}
	// Every line logged while serving a request names its id and, when
	// tracing, its trace and span.
	log = slog.New(tracing.LogHandler(requestid.LogHandler(log.Handler())))
	tp, err := tracing.New(ctx, tracing.Options{Endpoint: cfg.OTLPEndpoint, SampleRatio: cfg.TraceSampleRatio, Targets: cfg.Target})
	if err != nil {
		return nil, err
	}
	a = &App{
		cfg:      cfg,
		log:      log,
		reg:      prometheus.NewRegistry(),
		keys:     auth.NewKeys(keys, cfg.Admins, cfg.InternalKey).WithReviewers(cfg.Reviewers),
		policy:   Policy(),
		conns:    map[string]*grpc.ClientConn{},
		stopping: make(chan struct{}),
		tracing:  tp,
	}
	// A failed return sets a to nil; the clean-up keeps its own handle.
	built := a
	defer func() {
		if err != nil {
			_ = built.closeAll()
			_ = tp.Shutdown(context.Background())
			for _, l := range []net.Listener{built.grpcLis, built.internalLis, built.httpLis, built.adminLis} {
				if l != nil {
					_ = l.Close()
				}
			}
		}
	}()
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	if cfg.TLSCert != "" {
		if a.serverTLS, err = rpc.ServerTLS(cfg.TLSCert, cfg.TLSKey); err != nil {
			return nil, err
		}
	}
	if cfg.TLSCA != "" {
		if a.clientTLS, err = rpc.ClientTLS(cfg.TLSCA); err != nil {
			return nil, err
		}
	}
	if a.cache, err = a.newCache(); err != nil {
		return nil, err
	}
	if cfg.RunsGRPC(Parts()) {
		limiter := ratelimit.New(cfg.RateLimit, cfg.RateBurst, cfg.AnonymousRateLimit, cfg.AnonymousRateBurst)
		trusted, err := config.ParseTrustedProxies(cfg.TrustedProxies)
		if err != nil {
			return nil, err
		}
		limiter.TrustProxies(trusted)
		limiter.SetAuthFailureLimit(cfg.AuthFailureLimit)
		if r, ok := a.cache.(*cache.Redis); ok {
			// Every replica draws on the caller's one bucket.
			limiter.Share(r.Client(), cfg.RedisPrefix)
		}
		a.limiter = limiter
		a.grpc = rpc.NewServer(rpc.ServerOptions{
			Logger: log, Registry: a.reg, Keys: a.keys, Policy: a.policy,
			MaxMsgBytes: int(cfg.MaxBodyBytes), MaxStreams: cfg.GRPCMaxStreams, TLS: a.serverTLS,
			AdminReflection: cfg.AdminAddr != "",
			PreAuthUnary:    []grpc.UnaryServerInterceptor{limiter.AuthFailuresUnary()},
			PreAuthStream:   []grpc.StreamServerInterceptor{limiter.AuthFailuresStream()},
			Unary:           []grpc.UnaryServerInterceptor{limiter.UnaryInterceptor()},
			Stream:          []grpc.StreamServerInterceptor{limiter.StreamInterceptor()},
			StatsHandler:    tp.ServerHandler(),
		})
		a.local = bufconn.Listen(1 << 20)
		if a.grpcLis, err = net.Listen("tcp", cfg.GRPCAddr); err != nil {
			return nil, fmt.Errorf("listen on --grpc-addr %s: %w", cfg.GRPCAddr, err)
		}
		if cfg.InternalGRPCAddr != "" {
			if a.internalLis, err = net.Listen("tcp", cfg.InternalGRPCAddr); err != nil {
				return nil, fmt.Errorf("listen on --internal-grpc-addr %s: %w", cfg.InternalGRPCAddr, err)
			}
		}
	}
	for _, spec := range partTable {
		if !cfg.Runs(spec.Name) {
			continue
		}
		release, err := spec.start(a, ctx)
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", spec.Name, err)
		}
		p := &part{name: spec.Name, close: release}
		for _, d := range spec.services {
			p.services = append(p.services, string(d.FullName()))
		}
		a.parts = append(a.parts, p)
	}
	if a.grpc != nil {
		a.grpc.InitializeMetrics()
	}
	// Before the public handler, which leaves out what the admin serves.
	if cfg.AdminAddr != "" {
		a.newAdmin()
	}
	a.http = &http.Server{
		TLSConfig:         a.serverTLS,
		Handler:           a.httpHandler(),
		ReadHeaderTimeout: min(10*time.Second, cfg.HTTPReadTimeout),
		ReadTimeout:       cfg.HTTPReadTimeout,
		IdleTimeout:       cfg.HTTPIdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if a.httpLis, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		return nil, fmt.Errorf("listen on --http-addr %s: %w", cfg.HTTPAddr, err)
	}
	if a.admin != nil {
		if a.adminLis, err = net.Listen("tcp", cfg.AdminAddr); err != nil {
			return nil, fmt.Errorf("listen on --admin-addr %s: %w", cfg.AdminAddr, err)
		}
	}
	return a, nil
}

// pages returns the page-size bounds of the deployment.
func (a *App) pages() paging.Bounds {
	return paging.Bounds{Default: a.cfg.DefaultPageSize, Max: a.cfg.MaxPageSize}
}

// conn returns the client connection to a part, made once: in-process if
// this process runs it, else to its configured replicas. Connections from
// a service carry the internal key; the gateway's carry the caller's.
func (a *App) conn(part string, internal bool) (*grpc.ClientConn, error) {
	key := part
	if internal {
		key += "+internal"
	}
	if c, ok := a.conns[key]; ok {
		return c, nil
	}
	t := rpc.Target{MaxMsgBytes: int(a.cfg.MaxBodyBytes), Policy: a.policy, StatsHandler: a.tracing.ClientHandler()}
	if internal {
		t.Key = a.cfg.InternalKey
	}
	if a.cfg.Runs(part) {
		t.Local = a.local
		if a.serverTLS != nil {
			t.TLS = rpc.PinnedTLS(a.serverTLS)
		}
	} else {
		t.Addrs = a.cfg.AddrList(part)
		t.TLS = a.clientTLS
	}
	c, err := rpc.Dial(t)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", part, err)
	}
	a.conns[key] = c
	return c, nil
}

// gatewayConn returns the gateway's connection to a part, which carries
// the caller's key. A part in this process is called in process
// (rpc.Server.InProcess: the same interceptors, no transport), unless
// tracing is on: then the call crosses the in-process listener, whose
// client and server spans show the hop in the trace.
func (a *App) gatewayConn(part string) (grpc.ClientConnInterface, error) {
	c, err := a.conn(part, false)
	if err != nil || !a.cfg.Runs(part) || a.tracing.Enabled() {
		return c, err
	}
	return a.grpc.InProcess(c, a.local.Addr(), int(a.cfg.MaxBodyBytes), a.policy), nil
}

func (a *App) newCache() (cache.Cache, error) {
	m := cache.NewMetrics(a.reg)
	a.cacheMetrics = m
	if a.cfg.RedisURL != "" {
		client, err := cache.Connect(cache.RedisOptions{URL: a.cfg.RedisURL, Cluster: a.cfg.RedisCluster})
		if err != nil {
			// The parser's message may quote the URL, password and all.
			return nil, errors.New(config.Redact(err.Error()))
		}
		return cache.NewRedis(client, a.cfg.RedisPrefix, cache.NewMAC(a.cacheKey(), m, a.log), m, a.log), nil
	}
	if a.cfg.CacheEntries == 0 {
		return cache.None{}, nil
	}
	return cache.NewLocal(a.cfg.CacheEntries, m)
}

// cacheKey returns the key that authenticates what this process puts in
// Redis: --cache-hmac-key, or else one derived from the internal key, which
// every process of a split deployment running the catalog or lineage
// service must hold anyway (config.Validate), so that `make run` and the
// deployments that set no cache key still share one. A process with
// neither (the licences service or the gateway alone) reads nothing from
// Redis another process wrote, and gets a key of its own.
func (a *App) cacheKey() []byte {
	switch {
	case a.cfg.CacheHMACKey != "":
		return []byte(a.cfg.CacheHMACKey)
	case a.cfg.InternalKey != "":
		return cache.DeriveKey(a.cfg.InternalKey)
	}
	return cache.RandomKey()
}

// GRPCAddr returns the address the gRPC server listens on ("" if none).
func (a *App) GRPCAddr() string {
	if a.grpcLis == nil {
		return ""
	}
	return a.grpcLis.Addr().String()
}

// InternalGRPCAddr returns the address of the internal gRPC listener ("" if
// none).
func (a *App) InternalGRPCAddr() string {
	if a.internalLis == nil {
		return ""
	}
	return a.internalLis.Addr().String()
}

// HTTPAddr returns the address the HTTP server listens on.
func (a *App) HTTPAddr() string { return a.httpLis.Addr().String() }

// AdminAddr returns the address the admin listener listens on ("" if none).
func (a *App) AdminAddr() string {
	if a.adminLis == nil {
		return ""
	}
	return a.adminLis.Addr().String()
}

// Stopping is closed when the process starts shutting down, so that
// long-lived streams can end and let the servers drain.
func (a *App) Stopping() <-chan struct{} { return a.stopping }

// Run serves until ctx is done or a server fails, then shuts down
// gracefully: health turns NOT_SERVING, streams are told to end, in-flight
// REST and gRPC requests get up to the shutdown timeout to finish, then
// every part is closed in reverse start order.
func (a *App) Run(ctx context.Context) error {
	errc := make(chan error, 5)
	if a.grpc != nil {
		go func() { errc <- a.grpc.Serve(a.grpcLis) }()
		go func() { errc <- a.grpc.Serve(auth.InternalListener(a.local)) }()
		if a.internalLis != nil {
			go func() { errc <- a.grpc.Serve(auth.InternalListener(a.internalLis)) }()
		}
		for _, p := range a.parts {
			for _, svc := range p.services {
				a.grpc.Health.SetServingStatus(svc, servingStatus)
			}
		}
	}
	go func() { errc <- serveHTTP(a.http, a.httpLis, a.serverTLS != nil) }()
	if a.admin != nil {
		go func() { errc <- serveHTTP(a.admin, a.adminLis, a.serverTLS != nil) }()
	}
	a.log.Info("stemma serving", "targets", a.cfg.Target, "http_addr", a.HTTPAddr(), "grpc_addr", a.GRPCAddr(), "internal_grpc_addr", a.InternalGRPCAddr(), "admin_addr", a.AdminAddr())

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
		a.log.Error("server failed", "err", serveErr)
	}
	return errors.Join(serveErr, a.shutdown())
}

func (a *App) shutdown() error {
	a.log.Info("shutting down", "timeout", a.cfg.ShutdownTimeout)
	a.stopOnce.Do(func() { close(a.stopping) })
	if a.grpc != nil {
		a.grpc.Health.Shutdown()
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	// REST first: its requests are gRPC calls into this process.
	if err := a.http.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	if a.admin != nil {
		a.adminGRPC.Stop()
		if err := a.admin.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("admin shutdown: %w", err))
		}
	}
	if a.grpc != nil {
		done := make(chan struct{})
		go func() { a.grpc.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			a.log.Warn("gRPC calls still running at the shutdown timeout; stopping them")
			a.grpc.Stop()
		}
	}
	errs = append(errs, a.closeAll())
	// Last, so that the spans of the requests drained above are exported;
	// a collector that is gone costs at most what is left of the timeout,
	// and is no failure of the process's own shutdown.
	if err := a.tracing.Shutdown(ctx); err != nil {
		a.log.Warn("spans not exported at shutdown", "err", err)
	}
	a.log.Info("stopped")
	return errors.Join(errs...)
}

// closeAll releases the parts in reverse start order, then the client
// connections and the cache.
func (a *App) closeAll() error {
	var errs []error
	for i := len(a.parts) - 1; i >= 0; i-- {
		if c := a.parts[i].close; c != nil {
			if err := c(); err != nil {
				errs = append(errs, fmt.Errorf("close %s: %w", a.parts[i].name, err))
			}
		}
	}
	a.parts = nil
	for k, c := range a.conns {
		_ = c.Close()
		delete(a.conns, k)
	}
	if a.cache != nil {
		_ = a.cache.Close()
	}
	return errors.Join(errs...)
}

// serveHTTP serves srv on lis, over TLS when tls (its certificate is in
// srv.TLSConfig already).
func serveHTTP(srv *http.Server, lis net.Listener, tls bool) error {
	if tls {
		return srv.ServeTLS(lis, "", "")
	}
	return srv.Serve(lis)
}
