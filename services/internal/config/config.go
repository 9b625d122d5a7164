// Package config holds the configuration of `stemma serve`. Flags are the one
// source of truth: every flag --some-name can also be set through the
// environment variable STEMMA_SOME_NAME, derived from the flag's name, so
// the two can never drift apart.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/stemma-registry/stemma/services/lineage/events"
)

// EnvPrefix prefixes every environment variable derived from a flag.
const EnvPrefix = "STEMMA_"

// The names of the parts of the suite.
const (
	PartLicences = "licences"
	PartCatalog  = "catalog"
	PartLineage  = "lineage"
	PartGateway  = "gateway"
)

// Part is what the configuration checks of one part of the suite. The
// table of parts, in start order, lives with their constructors (package
// app's Parts), which hand it to Validate.
type Part struct {
	Name string
	// Needs lists the parts it calls: each runs in this process or is
	// reached at its --<part>-addr.
	Needs []string
	// GRPC says whether it serves gRPC (and so binds --grpc-addr).
	GRPC bool
}

func names(parts []Part) string {
	ns := make([]string, len(parts))
	for i, p := range parts {
		ns[i] = p.Name
	}
	return strings.Join(ns, ", ")
}

// Config is the configuration of one `stemma serve` process.
type Config struct {
	Target   []string // parts to run; "all" runs every part
	HTTPAddr string
	GRPCAddr string
	// AdminAddr, when set, is the only listener serving /metrics and gRPC
	// reflection.
	AdminAddr string
	// InternalGRPCAddr, when set, is the gRPC listener the other parts
	// call: the only TCP listener that accepts the internal key.
	InternalGRPCAddr string
	DataDir          string
	// Migrate brings the stores' schemas up to date at start; without it
	// the process alters nothing and refuses a schema that is behind.
	Migrate     bool
	DatabaseURL string
	// DatabaseReadURLs are streaming replicas of DatabaseURL that serve
	// reads (docs/operations.md, "Read replicas").
	DatabaseReadURLs []string
	// MaxReplicaLag is how far behind the primary a read replica may be
	// and still serve reads.
	MaxReplicaLag time.Duration
	RedisURL      string
	RedisCluster  bool
	RedisPrefix   string
	// CacheHMACKey authenticates every value and event Stemma writes to
	// Redis; empty derives one from InternalKey (cache.DeriveKey).
	CacheHMACKey string

	LicencesAddr string
	CatalogAddr  string
	LineageAddr  string

	APIKeys     string // "alice=key-a,bob=key-b"
	Admins      []string
	Reviewers   []string
	InternalKey string

	LogLevel  string
	LogFormat string

	RateLimit          float64
	RateBurst          int
	AnonymousRateLimit float64
	AnonymousRateBurst int
	// TrustedProxies are the CIDRs of proxies in front of the gateway
	// whose X-Forwarded-For entries the anonymous limiter believes.
	TrustedProxies []string
	// AuthFailureLimit is how many failed authentications a client
	// address may make a minute before its calls are refused unread.
	AuthFailureLimit int

	TLSCert string
	TLSKey  string
	TLSCA   string

	MaxBodyBytes    int64
	DefaultPageSize int
	MaxPageSize     int
	MaxBatchSize    int
	MaxDepth        int
	// MaxClosure bounds a lineage walk's width: the works one closure may
	// hold besides its root. Past it the answer is cut and flagged.
	MaxClosure int
	// WatchesPerClient and MaxWatches bound the open watch streams of one
	// principal (or anonymous address) and of the whole process.
	WatchesPerClient int
	MaxWatches       int
	// WebhookAllow lists the host:port patterns subscription webhooks may
	// call (docs/events.md); empty refuses webhooks.
	WebhookAllow string
	// WebhookAttempts failed attempts dead-letter an event; WebhookBackoff
	// is the pause after the first failure, doubled after each.
	WebhookAttempts int
	WebhookBackoff  time.Duration
	// LicencePromoteEvery is how often the catalog writes licence changes
	// come due into their works' rows (docs/catalog.md).
	LicencePromoteEvery time.Duration
	// GraphWriteWait bounds how long a lineage graph write (a derivation
	// or an SBOM import) waits for the writes queued before it.
	GraphWriteWait  time.Duration
	CacheEntries    int
	ShutdownTimeout time.Duration

	// HTTPReadTimeout bounds reading a whole request, body included, so a
	// client trickling bytes cannot hold a connection; no write timeout is
	// set, since the watch route streams for as long as its client stays.
	HTTPReadTimeout time.Duration
	HTTPIdleTimeout time.Duration
	// GRPCMaxStreams bounds the concurrent calls on one gRPC connection.
	GRPCMaxStreams uint32

	// OTLPEndpoint is the OTLP/gRPC collector traces go to; empty turns
	// tracing off.
	OTLPEndpoint string
	// TraceSampleRatio is the share of new traces recorded.
	TraceSampleRatio float64

	// DevKey is set by Validate when no API keys were configured for an
	// all-in-one process: a generated key for the principal "dev", printed
	// at start-up so that `make run` can be used at once.
	DevKey string
}

// Default returns the defaults, the values `stemma serve` runs with when
// nothing is set.
func Default() Config {
	return Config{
		Target:              []string{"all"},
		HTTPAddr:            "127.0.0.1:8080",
		GRPCAddr:            "127.0.0.1:9090",
		DataDir:             "./data",
		RedisPrefix:         "stemma:",
		LogLevel:            "info",
		LogFormat:           "json",
		RateLimit:           100,
		RateBurst:           200,
		AnonymousRateLimit:  50,
		AnonymousRateBurst:  200,
		AuthFailureLimit:    10,
		MaxBodyBytes:        4 << 20,
		DefaultPageSize:     50,
		MaxPageSize:         1000,
		MaxBatchSize:        1000,
		MaxDepth:            100,
		Migrate:             true,
		MaxClosure:          10_000,
		WatchesPerClient:    16,
		MaxWatches:          1000,
		GraphWriteWait:      10 * time.Second,
		WebhookAttempts:     8,
		WebhookBackoff:      time.Second,
		LicencePromoteEvery: time.Second,
		MaxReplicaLag:       2 * time.Second,
		CacheEntries:        100_000,
		ShutdownTimeout:     10 * time.Second,
		HTTPReadTimeout:     30 * time.Second,
		HTTPIdleTimeout:     2 * time.Minute,
		GRPCMaxStreams:      1000,
		TraceSampleRatio:    1,
	}
}

// RegisterFlags defines the serve flags on fs, with c's current values as
// defaults.
func (c *Config) RegisterFlags(fs *pflag.FlagSet) {
	fs.StringSliceVar(&c.Target, "target", c.Target, "parts to run: all, or a comma-separated list of parts (stemma serve --list-targets lists them)")
	fs.StringVar(&c.HTTPAddr, "http-addr", c.HTTPAddr, "address of the HTTP server (REST gateway, /healthz, /metrics)")
	fs.StringVar(&c.GRPCAddr, "grpc-addr", c.GRPCAddr, "address of the gRPC server of the services this process runs")
	fs.StringVar(&c.InternalGRPCAddr, "internal-grpc-addr", c.InternalGRPCAddr, "address of the gRPC listener the other parts call, the only TCP listener accepting the internal key; point their --*-addr here and keep it off public networks (ignored by a process running no service)")
	fs.StringVar(&c.AdminAddr, "admin-addr", c.AdminAddr, "address of the admin listener; when set, /metrics and gRPC reflection are served there only")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory of the SQLite files (one per service) when no database URL is set")
	fs.BoolVar(&c.Migrate, "migrate", c.Migrate, "migrate the stores' schemas at start; with false, alter nothing and refuse a schema that is behind (run `stemma migrate` as a role that may)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL (postgres://...); empty selects SQLite under --data-dir")
	fs.StringSliceVar(&c.DatabaseReadURLs, "database-read-url", c.DatabaseReadURLs, "PostgreSQL URL of a streaming replica of --database-url that serves reads; repeat it or separate URLs by commas for several")
	fs.DurationVar(&c.MaxReplicaLag, "database-max-replica-lag", c.MaxReplicaLag, "how far behind the primary a read replica may be and still serve reads; past it, or down, its reads go to the primary")
	fs.StringVar(&c.RedisURL, "redis-url", c.RedisURL, "Redis URL (redis://host:port/db); several hosts (redis://h1:p1,h2:p2) select Cluster; empty selects the in-process cache")
	fs.BoolVar(&c.RedisCluster, "redis-cluster", c.RedisCluster, "treat --redis-url as a Redis Cluster even with one host")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", c.RedisPrefix, "prefix of every Redis key Stemma writes")
	fs.StringVar(&c.CacheHMACKey, "cache-hmac-key", c.CacheHMACKey, "HMAC-SHA256 key authenticating the values and events Stemma puts in Redis, the same in every process (openssl rand -hex 32); empty derives one from --internal-key")
	fs.StringVar(&c.LicencesAddr, "licences-addr", c.LicencesAddr, "gRPC address(es) of the licences service when this process does not run it (host:port,host:port)")
	fs.StringVar(&c.CatalogAddr, "catalog-addr", c.CatalogAddr, "gRPC address(es) of the catalog service when this process does not run it")
	fs.StringVar(&c.LineageAddr, "lineage-addr", c.LineageAddr, "gRPC address(es) of the lineage service when this process does not run it")
	fs.StringVar(&c.APIKeys, "api-keys", c.APIKeys, "principals and their bearer keys: alice=key-a,bob=key-b")
	fs.StringSliceVar(&c.Admins, "admins", c.Admins, "principals that are admins")
	fs.StringSliceVar(&c.Reviewers, "reviewers", c.Reviewers, "principals that may accept or reject licence curations (admins may too)")
	fs.StringVar(&c.InternalKey, "internal-key", c.InternalKey, "bearer key the services use among themselves; generated when one process runs every part")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "requests a second each principal may make (0: no limit); beyond it RESOURCE_EXHAUSTED, HTTP 429")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "requests a principal may make at once above --rate-limit")
	fs.Float64Var(&c.AnonymousRateLimit, "anonymous-rate-limit", c.AnonymousRateLimit, "requests a second each anonymous client address may make (0: no limit)")
	fs.IntVar(&c.AnonymousRateBurst, "anonymous-rate-burst", c.AnonymousRateBurst, "requests an anonymous client may make at once above --anonymous-rate-limit")
	fs.IntVar(&c.AuthFailureLimit, "auth-failure-limit", c.AuthFailureLimit, "failed authentications a client address may make a minute; beyond it RESOURCE_EXHAUSTED, HTTP 429, whatever the key (0: no limit)")
	fs.StringSliceVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "CIDRs of proxies in front of the gateway; the anonymous limiter keys on the right-most X-Forwarded-For address outside them (empty: the address the gateway saw)")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "PEM certificate (chain) file; with --tls-key, gRPC and HTTP are served over TLS")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "PEM private key file for --tls-cert")
	fs.StringVar(&c.TLSCA, "tls-ca", c.TLSCA, "PEM CA file to verify the other parts' TLS certificates; calls to them use TLS when set")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "json or text")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest request body (REST) or message (gRPC) accepted, in bytes")
	fs.IntVar(&c.DefaultPageSize, "default-page-size", c.DefaultPageSize, "page size of a list call that asks for none")
	fs.IntVar(&c.MaxPageSize, "max-page-size", c.MaxPageSize, "largest page a list call returns")
	fs.IntVar(&c.MaxBatchSize, "max-batch-size", c.MaxBatchSize, "most items in one batch call")
	fs.IntVar(&c.MaxDepth, "max-depth", c.MaxDepth, "deepest graph walk a lineage query makes")
	fs.IntVar(&c.MaxClosure, "max-closure", c.MaxClosure, "most works one lineage walk reaches besides its root; past it the answer is cut and flagged truncated")
	fs.IntVar(&c.WatchesPerClient, "watches-per-client", c.WatchesPerClient, "open watch streams one principal (or anonymous client address) may hold; beyond it RESOURCE_EXHAUSTED")
	fs.IntVar(&c.MaxWatches, "max-watches", c.MaxWatches, "open watch streams this process serves in all; beyond it RESOURCE_EXHAUSTED")
	fs.StringVar(&c.WebhookAllow, "webhook-allow", c.WebhookAllow, "host:port patterns (port * for any), comma-separated, that subscription webhooks may call; empty refuses webhooks")
	fs.IntVar(&c.WebhookAttempts, "webhook-attempts", c.WebhookAttempts, "failed attempts after which a webhook event is dead-lettered")
	fs.DurationVar(&c.WebhookBackoff, "webhook-backoff", c.WebhookBackoff, "pause after a webhook's first failed attempt, doubled after each")
	fs.DurationVar(&c.LicencePromoteEvery, "licence-promote-every", c.LicencePromoteEvery, "how often the catalog writes licence changes come due into their works' rows; reads show a due change at once, licence filters after at most this")
	fs.DurationVar(&c.GraphWriteWait, "graph-write-wait", c.GraphWriteWait, "longest a lineage graph write (derivation, SBOM import) waits for the writes ahead of it; then UNAVAILABLE")
	fs.IntVar(&c.CacheEntries, "cache-entries", c.CacheEntries, "entries of each in-process cache (works by id always; every cache when no Redis URL is set); 0 turns them off")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long SIGTERM waits for in-flight requests")
	fs.DurationVar(&c.HTTPReadTimeout, "http-read-timeout", c.HTTPReadTimeout, "longest time to read a REST request, headers and body")
	fs.DurationVar(&c.HTTPIdleTimeout, "http-idle-timeout", c.HTTPIdleTimeout, "how long an idle keep-alive HTTP connection stays open")
	fs.Uint32Var(&c.GRPCMaxStreams, "grpc-max-streams", c.GRPCMaxStreams, "most concurrent calls on one gRPC connection")
	fs.StringVar(&c.OTLPEndpoint, "otlp-endpoint", c.OTLPEndpoint, "OpenTelemetry collector receiving traces over OTLP/gRPC: host:port (plaintext) or https://host:port; empty turns tracing off")
	fs.Float64Var(&c.TraceSampleRatio, "trace-sample-ratio", c.TraceSampleRatio, "share of new traces recorded, 0 to 1 (a call inside a caller's trace follows the caller's choice)")
}

// EnvName returns the environment variable that sets the flag name.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// ApplyEnv sets every flag of fs that the command line left unset from its
// STEMMA_ environment variable, if there is one. It returns the STEMMA_
// variables that match no flag, so that a misspelt or renamed variable is
// reported instead of silently ignored.
func ApplyEnv(fs *pflag.FlagSet, environ []string) (unknown []string, err error) {
	known := map[string]bool{}
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		name := EnvName(f.Name)
		known[name] = true
		if f.Changed {
			return
		}
		v, ok := lookup(environ, name)
		if !ok {
			return
		}
		if f.Value.Type() == "stringSlice" {
			// pflag appends to a slice flag on each Set; the variable replaces
			// the default instead.
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				if err := sv.Replace(splitList(v)); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", name, err))
				}
				return
			}
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
		}
	})
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, EnvPrefix) && !known[name] && !ignoredEnv[name] {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	return unknown, errors.Join(errs...)
}

// ignoredEnv lists STEMMA_ variables read elsewhere than by serve's flags.
var ignoredEnv = map[string]bool{
	"STEMMA_API_KEY":           true, // the client commands' key
	"STEMMA_SERVER":            true, // the client commands' server
	"STEMMA_TEST_DATABASE_URL": true, // tests
	"STEMMA_TEST_REDIS_URL":    true, // tests
}

func lookup(environ []string, name string) (string, bool) {
	for i := len(environ) - 1; i >= 0; i-- {
		k, v, ok := strings.Cut(environ[i], "=")
		if ok && k == name {
			return v, true
		}
	}
	return "", false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Runs reports whether this process runs the part.
func (c *Config) Runs(part string) bool {
	return slices.Contains(c.Target, "all") || slices.Contains(c.Target, part)
}

// RunsAll reports whether this process runs every one of the parts.
func (c *Config) RunsAll(parts []Part) bool {
	for _, p := range parts {
		if !c.Runs(p.Name) {
			return false
		}
	}
	return true
}

// RunsGRPC reports whether this process serves gRPC: whether it runs one
// of the parts that does.
func (c *Config) RunsGRPC(parts []Part) bool {
	for _, p := range parts {
		if p.GRPC && c.Runs(p.Name) {
			return true
		}
	}
	return false
}

// Validate checks the configuration against the suite's parts and fills in
// what can be derived: the internal key and a development key when one
// process runs everything.
func (c *Config) Validate(parts []Part) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if len(c.Target) == 0 {
		add("--target: empty; want all or some of %s", names(parts))
	}
	for _, t := range c.Target {
		if t != "all" && !slices.ContainsFunc(parts, func(p Part) bool { return p.Name == t }) {
			add("--target: unknown part %q; want all or some of %s", t, names(parts))
		}
	}
	if err := checkHostPort(c.HTTPAddr); err != nil {
		add("--http-addr: %v", err)
	}
	if c.RunsGRPC(parts) {
		if err := checkHostPort(c.GRPCAddr); err != nil {
			add("--grpc-addr: %v", err)
		}
	}
	for _, part := range parts {
		p := part.Name
		if !c.Runs(p) {
			continue
		}
		for _, dep := range part.Needs {
			if c.Runs(dep) {
				continue
			}
			addrs := c.Addr(dep)
			if addrs == "" {
				add("%s needs the %s service: set --%s-addr (%s)", p, dep, dep, EnvName(dep+"-addr"))
				continue
			}
			for _, a := range splitList(addrs) {
				if err := checkHostPort(a); err != nil {
					add("--%s-addr: %v", dep, err)
				}
			}
		}
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			add("--database-url: want a postgres:// URL")
		}
	}
	for _, r := range c.DatabaseReadURLs {
		if u, err := url.Parse(r); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			add("--database-read-url: want a postgres:// URL")
		}
	}
	if len(c.DatabaseReadURLs) > 0 && c.DatabaseURL == "" {
		add("--database-read-url needs --database-url: read replicas serve a PostgreSQL primary")
	}
	if c.MaxReplicaLag <= 0 {
		add("--database-max-replica-lag: want a positive duration")
	}
	if c.RedisURL != "" {
		// Not url.Parse: a Cluster URL lists several host:port pairs, which
		// net/url refuses as a port.
		if !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
			add("--redis-url: want a redis:// or rediss:// URL")
		}
	}
	if _, err := ParseAPIKeys(c.APIKeys); err != nil {
		add("--api-keys: %v", err)
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		add("--log-format: %q; want json or text", c.LogFormat)
	}
	if _, err := ParseLevel(c.LogLevel); err != nil {
		add("--log-level: %v", err)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		add("--tls-cert and --tls-key: set both or neither")
	}
	if c.RateLimit < 0 || c.AnonymousRateLimit < 0 || c.AuthFailureLimit < 0 || c.RateBurst < 1 || c.AnonymousRateBurst < 1 {
		add("rate limits: want rates of 0 (no limit) or more and bursts of 1 or more")
	}
	if c.AdminAddr != "" {
		if err := checkHostPort(c.AdminAddr); err != nil {
			add("--admin-addr: %v", err)
		}
	}
	if c.InternalGRPCAddr != "" {
		if err := checkHostPort(c.InternalGRPCAddr); err != nil {
			add("--internal-grpc-addr: %v", err)
		}
	}
	if c.OTLPEndpoint != "" {
		if err := checkEndpoint(c.OTLPEndpoint); err != nil {
			add("--otlp-endpoint: %v", err)
		}
	}
	if !(c.TraceSampleRatio >= 0 && c.TraceSampleRatio <= 1) {
		add("--trace-sample-ratio: %v; want 0 to 1", c.TraceSampleRatio)
	}
	if _, err := ParseTrustedProxies(c.TrustedProxies); err != nil {
		add("--trusted-proxies: %v", err)
	}
	if c.InternalKey != "" {
		if err := CheckInternalKey(c.InternalKey); err != nil {
			add("--internal-key: %v", err)
		}
	}
	if c.CacheHMACKey != "" {
		// The same strength check: a guessable key lets whoever can write
		// to Redis forge audits and events.
		if err := CheckInternalKey(c.CacheHMACKey); err != nil {
			add("--cache-hmac-key: %v", err)
		}
	}
	if c.MaxBodyBytes < 1024 {
		add("--max-body-bytes: %d; want at least 1024", c.MaxBodyBytes)
	}
	if c.DefaultPageSize < 1 || c.MaxPageSize < c.DefaultPageSize {
		add("--default-page-size %d, --max-page-size %d: want 1 <= default <= max", c.DefaultPageSize, c.MaxPageSize)
	}
	if c.MaxBatchSize < 1 {
		add("--max-batch-size: want at least 1")
	}
	if c.MaxDepth < 1 {
		add("--max-depth: want at least 1")
	}
	if c.MaxClosure < 1 {
		add("--max-closure: want at least 1")
	}
	if _, err := events.ParseAllowList(c.WebhookAllow); err != nil {
		add("--webhook-allow: %v", err)
	}
	if c.LicencePromoteEvery <= 0 {
		add("--licence-promote-every %s: want a positive interval", c.LicencePromoteEvery)
	}
	if c.WebhookAttempts < 1 || c.WebhookBackoff <= 0 {
		add("--webhook-attempts %d, --webhook-backoff %s: want at least 1 and a positive pause", c.WebhookAttempts, c.WebhookBackoff)
	}
	if c.WatchesPerClient < 1 || c.MaxWatches < c.WatchesPerClient {
		add("--watches-per-client %d, --max-watches %d: want 1 <= per client <= total", c.WatchesPerClient, c.MaxWatches)
	}
	if c.GraphWriteWait <= 0 {
		add("--graph-write-wait: want a positive duration")
	}
	if c.CacheEntries < 0 {
		add("--cache-entries: want 0 (no in-process cache) or more")
	}
	if c.ShutdownTimeout <= 0 || c.HTTPReadTimeout <= 0 || c.HTTPIdleTimeout <= 0 {
		add("--shutdown-timeout, --http-read-timeout, --http-idle-timeout: want positive durations")
	}
	if c.GRPCMaxStreams < 1 {
		add("--grpc-max-streams: want at least 1")
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}

	if c.RunsAll(parts) {
		if c.InternalKey == "" {
			c.InternalKey = randomKey()
		}
		if strings.TrimSpace(c.APIKeys) == "" {
			c.DevKey = randomKey()
			c.APIKeys = "dev=" + c.DevKey
			if !slices.Contains(c.Admins, "dev") {
				c.Admins = append(c.Admins, "dev")
			}
		}
		return nil
	}
	// Separate processes must agree on keys, so nothing is generated.
	if (c.Runs(PartCatalog) || c.Runs(PartLineage)) && c.InternalKey == "" {
		return fmt.Errorf("--internal-key (%s) is required when the catalog or lineage service runs without the other parts", EnvName("internal-key"))
	}
	if (c.Runs(PartCatalog) || c.Runs(PartLineage)) && strings.TrimSpace(c.APIKeys) == "" {
		return fmt.Errorf("--api-keys (%s) is required when parts run in separate processes", EnvName("api-keys"))
	}
	return nil
}

// Addr returns the configured address list of a part.
func (c *Config) Addr(part string) string {
	switch part {
	case PartLicences:
		return c.LicencesAddr
	case PartCatalog:
		return c.CatalogAddr
	case PartLineage:
		return c.LineageAddr
	}
	return ""
}

// AddrList returns the configured addresses of a part, split.
func (c *Config) AddrList(part string) []string { return splitList(c.Addr(part)) }

func checkHostPort(a string) error {
	if _, _, err := net.SplitHostPort(a); err != nil {
		return fmt.Errorf("%q: want host:port", a)
	}
	return nil
}

// checkEndpoint accepts host:port or an http(s) URL with a host, the forms
// the OTLP exporter takes.
func checkEndpoint(e string) error {
	if !strings.Contains(e, "://") {
		return checkHostPort(e)
	}
	u, err := url.Parse(e)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q: want host:port or http(s)://host:port", e)
	}
	return nil
}

func randomKey() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return "stm_" + hex.EncodeToString(b)
}

// ParseAPIKeys parses "alice=key-a,bob=key-b" into principal -> key.
func ParseAPIKeys(s string) (map[string]string, error) {
	out := map[string]string{}
	seenKey := map[string]bool{}
	for _, item := range splitList(s) {
		name, key, ok := strings.Cut(item, "=")
		name, key = strings.TrimSpace(name), strings.TrimSpace(key)
		if !ok || name == "" || key == "" {
			return nil, fmt.Errorf("entry %q: want principal=key", redactEntry(item))
		}
		if !validPrincipal(name) {
			return nil, fmt.Errorf("principal %q: want letters, digits, '.', '_' or '-'", name)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("principal %q appears twice", name)
		}
		if seenKey[key] {
			return nil, fmt.Errorf("principal %q shares its key with another principal", name)
		}
		if len(key) < 8 {
			return nil, fmt.Errorf("principal %q: key shorter than 8 characters", name)
		}
		seenKey[key] = true
		out[name] = key
	}
	return out, nil
}

func redactEntry(item string) string {
	name, _, _ := strings.Cut(item, "=")
	return name + "=…"
}

func validPrincipal(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}

// ParseLevel parses a log level name.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("%q: want debug, info, warn or error", s)
	}
	return l, nil
}

// LogValue implements slog.LogValuer: the configuration with its secrets
// redacted, for the start-up log line.
func (c *Config) LogValue() slog.Value {
	keys, _ := ParseAPIKeys(c.APIKeys)
	principals := make([]string, 0, len(keys))
	for p := range keys {
		principals = append(principals, p)
	}
	slices.Sort(principals)
	return slog.GroupValue(
		slog.Any("target", c.Target),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("grpc_addr", c.GRPCAddr),
		slog.String("internal_grpc_addr", c.InternalGRPCAddr),
		slog.String("data_dir", c.DataDir),
		slog.Bool("migrate", c.Migrate),
		slog.String("database_url", Redact(c.DatabaseURL)),
		slog.Any("database_read_urls", redactAll(c.DatabaseReadURLs)),
		slog.Duration("database_max_replica_lag", c.MaxReplicaLag),
		slog.String("redis_url", Redact(c.RedisURL)),
		slog.Bool("redis_cluster", c.RedisCluster),
		slog.String("licences_addr", c.LicencesAddr),
		slog.String("catalog_addr", c.CatalogAddr),
		slog.String("lineage_addr", c.LineageAddr),
		slog.Any("principals", principals),
		slog.Any("admins", c.Admins),
		slog.Any("reviewers", c.Reviewers),
		slog.Bool("internal_key_set", c.InternalKey != ""),
		slog.Bool("cache_hmac_key_set", c.CacheHMACKey != ""),
		slog.Float64("rate_limit", c.RateLimit),
		slog.Float64("anonymous_rate_limit", c.AnonymousRateLimit),
		slog.Bool("tls", c.TLSCert != ""),
		slog.Int64("max_body_bytes", c.MaxBodyBytes),
		slog.Int("max_page_size", c.MaxPageSize),
		slog.Int("max_batch_size", c.MaxBatchSize),
		slog.Int("max_depth", c.MaxDepth),
		slog.Int("max_closure", c.MaxClosure),
		slog.Int("watches_per_client", c.WatchesPerClient),
		slog.Int("max_watches", c.MaxWatches),
		slog.Duration("graph_write_wait", c.GraphWriteWait),
		slog.Int("cache_entries", c.CacheEntries),
		slog.String("otlp_endpoint", Redact(c.OTLPEndpoint)),
		slog.Float64("trace_sample_ratio", c.TraceSampleRatio),
	)
}

// userinfoPassword matches the credentials of a URL anywhere in a text:
// "scheme://user:password@", "scheme://:password@" and "scheme://password@"
// (a Redis URL's single userinfo field may be the password). net/url is not
// used: it refuses a Redis Cluster URL's host list, and the URL may sit
// inside an error message.
var userinfoPassword = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@\s:]*:)?[^/@\s]*@`)

// queryPassword matches a password given as a query parameter.
var queryPassword = regexp.MustCompile(`(?i)([?&](?:[a-z_]*password|pass|pwd)=)[^&\s"']*`)

// redactAll redacts each URL.
func redactAll(urls []string) []string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = Redact(u)
	}
	return out
}

// Redact hides every password of the URLs in s, which may be a URL or a
// message quoting one, so that no log line carries a Redis or PostgreSQL
// password. A user name stays readable; a lone userinfo field is hidden
// whole, since Redis reads it as the password.
func Redact(s string) string {
	s = userinfoPassword.ReplaceAllStringFunc(s, func(m string) string {
		sub := userinfoPassword.FindStringSubmatch(m)
		return sub[1] + sub[2] + "xxxxx@"
	})
	return queryPassword.ReplaceAllString(s, "${1}xxxxx")
}

// minInternalKeyBytes is the shortest internal key accepted: 32 bytes
// leave no room for a brute-force search, even at the rate the limiter of
// failed authentications allows.
const minInternalKeyBytes = 32

// placeholderWords are found in the example values of the deploy files
// and the docs; a key containing one was copied, not generated.
var placeholderWords = []string{"change", "example", "secret", "replace", "placeholder", "password", "internal-key", "xxxx"}

// CheckInternalKey refuses an internal key that is short or looks like a
// placeholder: the internal key may act on every owner's records, so a
// guessable one is a master key for anyone.
func CheckInternalKey(k string) error {
	if len(k) < minInternalKeyBytes {
		return fmt.Errorf("%d bytes; want at least %d random bytes (openssl rand -hex 32)", len(k), minInternalKeyBytes)
	}
	lower := strings.ToLower(k)
	for _, w := range placeholderWords {
		if strings.Contains(lower, w) {
			return fmt.Errorf("contains %q, so looks like a placeholder; generate one (openssl rand -hex 32)", w)
		}
	}
	if bits := entropyPerByte(k); bits < 3 {
		return fmt.Errorf("too few distinct characters (%.1f bits a byte); generate one (openssl rand -hex 32)", bits)
	}
	return nil
}

// entropyPerByte is the Shannon entropy of k's byte frequencies: about 4
// for a hex key, 0 for a repeated character.
func entropyPerByte(k string) float64 {
	var counts [256]int
	for i := 0; i < len(k); i++ {
		counts[k[i]]++
	}
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(len(k))
			h -= p * math.Log2(p)
		}
	}
	return h
}

// ParseTrustedProxies parses --trusted-proxies: CIDRs, or single
// addresses.
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("%q: want a CIDR such as 10.0.0.0/8", s)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q: want a CIDR such as 10.0.0.0/8", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
