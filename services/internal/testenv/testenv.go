// Package testenv gives tests the real services they talk to: the
// machine's PostgreSQL and Redis, and Redis servers of a test's own that it
// may stop and start.
//
// When a service is unreachable a test is skipped on a developer's machine
// and fails in CI (CI=true), where PostgreSQL and Redis are always present:
// CI never passes by silently skipping.
package testenv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// Defaults match CI: PostgreSQL with trust authentication and a database
// named test, Redis on its standard port. STEMMA_TEST_DATABASE_URL and
// STEMMA_TEST_REDIS_URL override them.
const (
	DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	DefaultRedisURL    = "redis://127.0.0.1:6379/0"
)

// InCI reports whether the tests run in CI.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips the test because what it needs is missing, or, in CI,
// where everything the tests need is installed, fails it.
func Unavailable(t testing.TB, what string, err error) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is unreachable in CI: %v", what, err)
	}
	t.Skipf("%s is unreachable (%v); skipped here, required in CI", what, err)
}

// service is a shared service that tests reach by URL, checked once per
// process.
type service struct {
	name, env, fallback string
	once                sync.Once
	err                 error
	ping                func(ctx context.Context, url string) error
}

func (s *service) url(t testing.TB) string {
	t.Helper()
	u := os.Getenv(s.env)
	if u == "" {
		u = s.fallback
	}
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.err = s.ping(ctx, u)
	})
	if s.err != nil {
		Unavailable(t, s.name, s.err)
	}
	return u
}

var postgres = &service{name: "PostgreSQL", env: "STEMMA_TEST_DATABASE_URL", fallback: DefaultPostgresURL,
	ping: func(ctx context.Context, url string) error {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		return conn.Ping(ctx)
	}}

var redisService = &service{name: "Redis", env: "STEMMA_TEST_REDIS_URL", fallback: DefaultRedisURL,
	ping: func(ctx context.Context, url string) error {
		opt, err := redis.ParseURL(url)
		if err != nil {
			return err
		}
		c := redis.NewClient(opt)
		defer c.Close()
		return c.Ping(ctx).Err()
	}}

// PostgresURL returns the URL of the PostgreSQL tests use, after checking
// once per process that it answers.
func PostgresURL(t testing.TB) string { t.Helper(); return postgres.url(t) }

// RedisURL returns the URL of the Redis tests use, after checking once per
// process that it answers. Tests share it: each must use keys of its own
// (see UniquePrefix).
func RedisURL(t testing.TB) string { t.Helper(); return redisService.url(t) }

// UniquePrefix returns a key prefix no other test uses.
func UniquePrefix(t testing.TB) string {
	return fmt.Sprintf("stemmatest:%d:%d:", os.Getpid(), time.Now().UnixNano())
}

// RedisServer is a redis-server process of a test's own, on a free port,
// that the test may stop and start again (the machine's shared Redis must
// not be disturbed).
type RedisServer struct {
	t    testing.TB
	Port int
	// args are the server's own besides the port and the common ones
	// (a cluster node's settings).
	args []string
	cmd  *exec.Cmd
}

// StartRedis starts a redis-server and stops it when the test ends.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		Unavailable(t, "redis-server", err)
	}
	s := &RedisServer{t: t, Port: FreePort(t)}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL returns the server's URL.
func (s *RedisServer) URL() string { return "redis://" + s.Addr() + "/0" }

// Start starts the server (again) on its port and waits until it answers.
func (s *RedisServer) Start() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	args := append([]string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"}, s.args...)
	cmd := exec.Command("redis-server", args...)
	BindLifetime(cmd)
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on port %d did not start: %v", s.Port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Addr returns the server's host:port.
func (s *RedisServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// Running reports whether the server was started and not stopped since.
func (s *RedisServer) Running() bool { return s.cmd != nil }

// Stop kills the server, as a crash would (SIGKILL), and waits for it to
// exit.
func (s *RedisServer) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Database creates a database of the test's own, named from prefix, on the
// machine's PostgreSQL, drops it when the test ends and returns its URL.
func Database(t testing.TB, prefix string) string {
	t.Helper()
	base := PostgresURL(t)
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), rand.IntN(1e9))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
