package config

import (
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
			c.InternalKey = "internal-key"
		}, "--api-keys"},
		{"bad address list", func(c *Config) {
			c.Target = []string{"gateway"}
			c.LicencesAddr = "a:1,b"
			c.CatalogAddr = "c:1"
			c.LineageAddr = "d:1"
		}, `"b": want host:port`},
		{"bad database", func(c *Config) { c.DatabaseURL = "mysql://x" }, "postgres://"},
		{"bad redis", func(c *Config) { c.RedisURL = "http://x" }, "redis://"},
		{"bad keys", func(c *Config) { c.APIKeys = "alice" }, "principal=key"},
		{"short key", func(c *Config) { c.APIKeys = "alice=k" }, "shorter than 8"},
		{"shared key", func(c *Config) { c.APIKeys = "alice=same-key,bob=same-key" }, "shares its key"},
		{"page sizes", func(c *Config) { c.DefaultPageSize = 10; c.MaxPageSize = 5 }, "default <= max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mod(&c)
			err := c.Validate()
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
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.DevKey == "" || c.InternalKey == "" || !strings.Contains(c.APIKeys, "dev="+c.DevKey) {
		t.Fatalf("no generated keys: %+v", c)
	}
	c2 := Default()
	c2.APIKeys = "alice=key-alice"
	if err := c2.Validate(); err != nil {
		t.Fatal(err)
	}
	if c2.DevKey != "" {
		t.Error("a development key was generated although keys are configured")
	}
}

func TestLogValueRedactsSecrets(t *testing.T) {
	c := Default()
	c.APIKeys = "alice=very-secret-key"
	c.InternalKey = "internal-secret"
	c.DatabaseURL = "postgres://u:db-secret@h/x"
	c.RedisURL = "redis://:redis-secret@h1:1,h2:2"
	out := c.LogValue().String()
	for _, secret := range []string{"very-secret-key", "internal-secret", "db-secret", "redis-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("log value shows %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "alice") {
		t.Errorf("log value hides the principal names: %s", out)
	}
}
