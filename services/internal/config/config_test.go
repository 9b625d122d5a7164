package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func parse(t *testing.T, args []string, env []string) (Config, []string, error) {
	t.Helper()
	c := Default()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	unknown, err := ApplyEnv(fs, env)
	return c, unknown, err
}

func TestEnvironmentMirrorsFlags(t *testing.T) {
	c, unknown, err := parse(t, []string{"--http-addr=127.0.0.1:1"}, []string{
		"STEMMA_HTTP_ADDR=127.0.0.1:2", // the flag wins
		"STEMMA_DATABASE_URL=postgres://u:secret@db/x",
		"STEMMA_TARGET=catalog,lineage",
		"STEMMA_ADMINS=alice, bob",
		"STEMMA_SHUTDOWN_TIMEOUT=3s",
		"STEMMA_REDIS_CLUSTER=true",
		"STEMMA_DATABASE_READ_URL=postgres://r1/x,postgres://r2/x",
		"STEMMA_DATABSE_URL=typo",
		"PATH=/bin",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:1" {
		t.Errorf("HTTPAddr = %q; the flag must beat the variable", c.HTTPAddr)
	}
	if c.DatabaseURL != "postgres://u:secret@db/x" || !c.RedisCluster || c.ShutdownTimeout != 3*time.Second {
		t.Errorf("variables not applied: %+v", c)
	}
	if strings.Join(c.Target, ",") != "catalog,lineage" || strings.Join(c.Admins, ",") != "alice,bob" {
		t.Errorf("list variables: target %v, admins %v; want them to replace the defaults", c.Target, c.Admins)
	}
	if len(c.DatabaseReadURLs) != 2 || c.DatabaseReadURLs[1] != "postgres://r2/x" {
		t.Errorf("DatabaseReadURLs = %v; want the two replicas of the variable", c.DatabaseReadURLs)
	}
	if strings.Join(unknown, ",") != "STEMMA_DATABSE_URL" {
		t.Errorf("unknown = %v; want the misspelt variable reported", unknown)
	}
}

func TestBadEnvironmentValueNamesTheVariable(t *testing.T) {
	_, _, err := parse(t, nil, []string{"STEMMA_MAX_DEPTH=deep"})
	if err == nil || !strings.Contains(err.Error(), "STEMMA_MAX_DEPTH") {
		t.Fatalf("err = %v; want it to name STEMMA_MAX_DEPTH", err)
	}
}

func TestEveryFlagHasAVariable(t *testing.T) {
	c := Default()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	c.RegisterFlags(fs)
	fs.VisitAll(func(f *pflag.Flag) {
		if got := EnvName(f.Name); !strings.HasPrefix(got, "STEMMA_") || strings.ContainsAny(got, "-a") {
			t.Errorf("flag %s maps to %q", f.Name, got)
		}
	})
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr string
	}{
		{"defaults", func(*Config) {}, ""},
		{"unknown target", func(c *Config) { c.Target = []string{"billing"} }, `unknown part "billing"`},
		{"gateway alone needs addresses", func(c *Config) { c.Target = []string{"gateway"} }, "--licences-addr"},
		{"catalog alone needs the internal key", func(c *Config) {
			c.Target = []string{"catalog"}
			c.LicencesAddr = "127.0.0.1:1"
			c.APIKeys = "alice=key-alice"
		}, "--internal-key"},
		{"catalog alone needs keys", func(c *Config) {
			c.Target = []string{"catalog"}
			c.LicencesAddr = "127.0.0.1:1"
			c.InternalKey = strongKey
		}, "--api-keys"},
		{"bad address list", func(c *Config) {
			c.Target = []string{"gateway"}
			c.LicencesAddr = "a:1,b"
			c.CatalogAddr = "c:1"
			c.LineageAddr = "d:1"
		}, `"b": want host:port`},
		{"bad database", func(c *Config) { c.DatabaseURL = "mysql://x" }, "postgres://"},
		{"bad redis", func(c *Config) { c.RedisURL = "http://x" }, "redis://"},
		{"read replicas", func(c *Config) {
			c.DatabaseURL = "postgres://h/x"
			c.DatabaseReadURLs = []string{"postgres://r1/x", "postgresql://r2/x"}
		}, ""},
		{"bad read replica", func(c *Config) {
			c.DatabaseURL = "postgres://h/x"
			c.DatabaseReadURLs = []string{"mysql://r1/x"}
		}, "--database-read-url: want"},
		{"read replica without primary", func(c *Config) { c.DatabaseReadURLs = []string{"postgres://r1/x"} }, "needs --database-url"},
		{"replica lag bound", func(c *Config) { c.MaxReplicaLag = 0 }, "--database-max-replica-lag"},
		{"licence promotion interval", func(c *Config) { c.LicencePromoteEvery = 0 }, "--licence-promote-every"},
		{"bad keys", func(c *Config) { c.APIKeys = "alice" }, "principal=key"},
		{"short key", func(c *Config) { c.APIKeys = "alice=k" }, "shorter than 8"},
		{"shared key", func(c *Config) { c.APIKeys = "alice=same-key,bob=same-key" }, "shares its key"},
		{"bad trusted proxy", func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/33"} }, "--trusted-proxies"},
		{"trusted proxies", func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8", "192.0.2.1", "fd00::/8"} }, ""},
		{"page sizes", func(c *Config) { c.DefaultPageSize = 10; c.MaxPageSize = 5 }, "default <= max"},
		{"otlp endpoint", func(c *Config) { c.OTLPEndpoint = "collector:4317" }, ""},
		{"otlp endpoint URL", func(c *Config) { c.OTLPEndpoint = "https://collector.example:4317" }, ""},
		{"otlp endpoint without port", func(c *Config) { c.OTLPEndpoint = "collector" }, "--otlp-endpoint"},
		{"otlp endpoint of another scheme", func(c *Config) { c.OTLPEndpoint = "grpc://collector:4317" }, "--otlp-endpoint"},
		{"sample ratio above 1", func(c *Config) { c.TraceSampleRatio = 1.5 }, "--trace-sample-ratio"},
		{"sample ratio NaN", func(c *Config) { c.TraceSampleRatio = math.NaN() }, "--trace-sample-ratio"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mod(&c)
			err := c.Validate(testParts)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate: %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestAllInOneGetsGeneratedKeys(t *testing.T) {
	c := Default()
	if err := c.Validate(testParts); err != nil {
		t.Fatal(err)
	}
	if c.DevKey == "" || c.InternalKey == "" || !strings.Contains(c.APIKeys, "dev="+c.DevKey) {
		t.Fatalf("no generated keys: %+v", c)
	}
	c2 := Default()
	c2.APIKeys = "alice=key-alice"
	if err := c2.Validate(testParts); err != nil {
		t.Fatal(err)
	}
	if c2.DevKey != "" {
		t.Error("a development key was generated although keys are configured")
	}
}

// strongKey is an internal key as `openssl rand -hex 32` makes one.
const strongKey = "9f2c4e7a1b3d5f60817a9c2e4b6d8f01a3c5e7092b4d6f8e1c3a5b7d9f0e2c4a"

func TestInternalKeyMustBeStrong(t *testing.T) {
	weak := map[string]string{
		"example env file":  "change-me-internal-key",
		"k8s dev overlay":   "dev-internal-key-not-secret",
		"production sample": "replace-with-another-long-random-key",
		"short":             "Zq8v3LkP0wX2",
		"repeated":          strings.Repeat("ab", 20),
		"one character":     strings.Repeat("x", 40),
		"contains example":  "example-7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c8e",
	}
	for name, k := range weak {
		t.Run(name, func(t *testing.T) {
			c := Default()
			c.InternalKey = k
			if err := c.Validate(testParts); err == nil || !strings.Contains(err.Error(), "--internal-key") {
				t.Fatalf("Validate with internal key %q: %v; want it refused", k, err)
			}
		})
	}
	c := Default()
	c.InternalKey = strongKey
	if err := c.Validate(testParts); err != nil {
		t.Fatalf("a random 32-byte key refused: %v", err)
	}
	if err := CheckInternalKey(randomKey()); err != nil {
		t.Fatalf("a generated key refused: %v", err)
	}
}

// TestStartupLogRedactsRedisPasswords logs the configuration and an error
// quoting a URL through slog, as serve does, and reads what was written.
func TestStartupLogRedactsRedisPasswords(t *testing.T) {
	urls := map[string]string{
		"redis://:pw-colon-only@h:6379/0":                    "pw-colon-only",
		"redis://user:pw-with-user@h:6379":                   "pw-with-user",
		"redis://pw-userinfo-only@h:6379":                    "pw-userinfo-only",
		"redis://h:6379/0?password=pw-query&dial_timeout=1s": "pw-query",
		"rediss://:pw-cluster@h1:1,h2:2":                     "pw-cluster",
		"redis://h:1?master=m&sentinel_password=pw-sentinel": "pw-sentinel",
	}
	for u, secret := range urls {
		var buf bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&buf, nil))
		c := Default()
		c.RedisURL = u
		log.Info("configuration", "config", &c)
		log.Error("cache", "err", Redact(fmt.Sprintf("redis: connect %s: refused", u)))
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log shows the password of %s: %s", u, buf.String())
		}
		if !strings.Contains(buf.String(), "xxxxx") {
			t.Errorf("log of %s has no redaction mark: %s", u, buf.String())
		}
	}
	if got := Redact("redis://alice:pw@h:1"); got != "redis://alice:xxxxx@h:1" {
		t.Errorf("Redact kept too little or too much: %s", got)
	}
}

func TestLogValueRedactsSecrets(t *testing.T) {
	c := Default()
	c.APIKeys = "alice=very-secret-key"
	c.InternalKey = "internal-secret"
	c.CacheHMACKey = "cache-hmac-secret"
	c.DatabaseURL = "postgres://u:db-secret@h/x"
	c.RedisURL = "redis://:redis-secret@h1:1,h2:2"
	c.DatabaseReadURLs = []string{"postgres://u:replica-secret@r/x"}
	out := c.LogValue().String()
	for _, secret := range []string{"very-secret-key", "internal-secret", "cache-hmac-secret", "db-secret", "redis-secret", "replica-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("log value shows %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "alice") {
		t.Errorf("log value hides the principal names: %s", out)
	}
	if !strings.Contains(out, "cache_hmac_key_set=true") {
		t.Errorf("log value does not say a cache HMAC key is set: %s", out)
	}
}

// A weak cache HMAC key is refused like a weak internal key.
func TestCacheHMACKeyMustBeStrong(t *testing.T) {
	c := Default()
	c.CacheHMACKey = "short"
	if err := c.Validate(testParts); err == nil || !strings.Contains(err.Error(), "--cache-hmac-key") {
		t.Errorf("weak --cache-hmac-key: %v", err)
	}
	c.CacheHMACKey = randomKey()
	if err := c.Validate(testParts); err != nil {
		t.Errorf("strong --cache-hmac-key: %v", err)
	}
}

// TestAnonymousReadsAreLimitedByDefault: an operator who sets nothing
// still has anonymous callers held to a rate.
func TestAnonymousReadsAreLimitedByDefault(t *testing.T) {
	if c := Default(); c.AnonymousRateLimit <= 0 || c.AuthFailureLimit <= 0 {
		t.Fatalf("default anonymous rate %g, failed-authentication limit %d; want both limited", c.AnonymousRateLimit, c.AuthFailureLimit)
	}
}

// testParts is a table of parts of the suite's shape for Validate; package
// app's own table is checked by booting every part of it
// (TestEveryTargetBootsAlone).
var testParts = []Part{
	{Name: PartLicences, GRPC: true},
	{Name: PartCatalog, Needs: []string{PartLicences}, GRPC: true},
	{Name: PartLineage, Needs: []string{PartLicences, PartCatalog}, GRPC: true},
	{Name: PartGateway, Needs: []string{PartLicences, PartCatalog, PartLineage}},
}
