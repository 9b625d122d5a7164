// Package apptest starts real Stemma processes' worth of parts inside a
// test: real gRPC and HTTP servers on loopback ports, real SQLite (or
// PostgreSQL), as `stemma serve` would run them.
package apptest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/config"
)

// Keys are the principals every test instance knows: alice and bob are
// ordinary principals, root is an admin.
const (
	AliceKey    = "key-alice-0001"
	BobKey      = "key-bob-00002"
	RootKey     = "key-root-00003"
	InternalKey = "6b1e9d4f2a7c0e8b5d3f1a9c7e2b4d6f8a0c3e5b7d9f1a2c4e6b8d0f2a4c6e8b"
)

// Config returns a configuration for a test instance running targets on
// free loopback ports, SQLite in the test's temporary folder.
func Config(t testing.TB, targets ...string) config.Config {
	t.Helper()
	c := config.Default()
	if len(targets) > 0 {
		c.Target = targets
	}
	c.HTTPAddr = "127.0.0.1:0"
	c.GRPCAddr = "127.0.0.1:0"
	if c.RunsGRPC(app.Parts()) {
		c.InternalGRPCAddr = "127.0.0.1:0"
	}
	c.DataDir = t.TempDir()
	c.APIKeys = "alice=" + AliceKey + ",bob=" + BobKey + ",root=" + RootKey
	c.Admins = []string{"root"}
	c.Reviewers = []string{"bob"}
	c.InternalKey = InternalKey
	c.ShutdownTimeout = 5 * time.Second
	// Tests call from one address, with big batches, far faster than a
	// client would; the tests of the limits set their own.
	c.RateLimit, c.AnonymousRateLimit = 0, 0
	return c
}

// Instance is a running test instance.
type Instance struct {
	*app.App
	client  *http.Client
	done    chan error
	stop    context.CancelFunc
	once    sync.Once
	stopErr error
}

// BaseURL returns the instance's HTTP base URL.
func (i *Instance) BaseURL() string {
	if i.client != http.DefaultClient {
		return "https://" + i.HTTPAddr()
	}
	return "http://" + i.HTTPAddr()
}

// HTTPClient returns a client for the instance: http.DefaultClient, or one
// trusting the instance's own certificate when it serves TLS.
func (i *Instance) HTTPClient() *http.Client { return i.client }

// Stop shuts the instance down gracefully and returns what Run returned.
func (i *Instance) Stop() error {
	i.once.Do(func() {
		// A transport that dialled for a request another connection then
		// served keeps the new connection idle, unused; the server counts
		// a connection that never sent a request as starting one and waits
		// five seconds for it, as long as the shutdown timeout here.
		i.client.CloseIdleConnections()
		i.stop()
		select {
		case i.stopErr = <-i.done:
		case <-time.After(30 * time.Second):
			i.stopErr = context.DeadlineExceeded
		}
	})
	return i.stopErr
}

// Start validates cfg, starts the instance, waits until /healthz answers
// 200 and stops it when the test ends. Logs go to the test log when
// STEMMA_TEST_LOG is set, else nowhere.
func Start(t testing.TB, cfg config.Config) *Instance {
	t.Helper()
	var w io.Writer = io.Discard
	if os.Getenv("STEMMA_TEST_LOG") != "" {
		w = os.Stderr
	}
	return StartLogging(t, cfg, w)
}

// StartLogging is Start with the instance's log, as text at debug level,
// written to w.
func StartLogging(t testing.TB, cfg config.Config, w io.Writer) *Instance {
	t.Helper()
	if err := cfg.Validate(app.Parts()); err != nil {
		t.Fatalf("config: %v", err)
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("start %v: %v", cfg.Target, err)
	}
	inst := &Instance{App: a, done: make(chan error, 1), stop: cancel, client: http.DefaultClient}
	if cfg.TLSCert != "" {
		inst.client = trusting(t, cfg.TLSCert)
	}
	go func() { inst.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		if err := inst.Stop(); err != nil && err != context.DeadlineExceeded {
			t.Errorf("stop %v: %v", cfg.Target, err)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := inst.client.Get(inst.BaseURL() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return inst
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v not healthy after 20s (last: %v)", cfg.Target, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// trusting returns an HTTP client that trusts the certificates in certFile.
func trusting(t testing.TB, certFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", certFile)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// Do makes a REST call to the instance as curl would: method and path
// (from /v1/...), the bearer key when not empty, body as JSON when not
// empty. It returns the HTTP status and the raw answer.
func (i *Instance) Do(t testing.TB, method, path, key, body string) (int, []byte) {
	t.Helper()
	resp, raw := i.DoHeader(t, method, path, key, body, nil)
	return resp.StatusCode, raw
}

// DoHeader makes the call Do makes with the request headers of header
// added, and returns the response (its body read and closed) and the raw
// answer.
func (i *Instance) DoHeader(t testing.TB, method, path, key, body string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, i.BaseURL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := i.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return resp, raw
}

// Conn returns a gRPC client connection to the instance's gRPC server,
// closed when the test ends.
func (i *Instance) Conn(t testing.TB) *grpc.ClientConn {
	t.Helper()
	return dial(t, i.GRPCAddr())
}

// InternalConn returns a gRPC client connection to the instance's internal
// listener, the only TCP port on which the internal key is accepted.
func (i *Instance) InternalConn(t testing.TB) *grpc.ClientConn {
	t.Helper()
	if i.InternalGRPCAddr() == "" {
		t.Fatal("the instance has no internal gRPC listener")
	}
	return dial(t, i.InternalGRPCAddr())
}

func dial(t testing.TB, addr string) *grpc.ClientConn {
	t.Helper()
	c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// As returns a context whose gRPC calls carry key as their bearer key.
func As(key string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+key)
}
