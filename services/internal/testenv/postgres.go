package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresServer is a PostgreSQL server of a test's own: a cluster made by
// initdb in a temporary folder, served on a free loopback port, that the
// test may stop and start again without touching the machine's shared
// PostgreSQL.
type PostgresServer struct {
	t    testing.TB
	Port int
	// Database is the database the server was made with.
	Database string
	dir      string // the cluster's folder: data, socket, log
	bin      string // the folder of initdb and postgres
	cred     *syscall.Credential
	cmd      *exec.Cmd
	done     chan error
}

// StartPostgres makes a cluster (initdb, as the postgres user when the
// test runs as root, which PostgreSQL refuses to be), starts it, creates a
// database named stemma, and removes it all when the test ends or the test
// process is interrupted.
func StartPostgres(t testing.TB) *PostgresServer {
	t.Helper()
	bin, err := postgresBin()
	if err != nil {
		Unavailable(t, "PostgreSQL's server programs", err)
	}
	s := newPostgresServer(t, bin, "stemma")
	initdb := s.command("initdb", "-D", s.dataDir(), "-A", "trust", "-U", "postgres", "-E", "UTF8",
		"--locale=C", "--no-sync", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	s.Start()
	s.CreateDatabase(s.Database)
	return s
}

// newPostgresServer makes the folder of a server yet to be made (as the
// postgres user's when the test runs as root), removed with the server
// when the test ends or the test process is interrupted.
func newPostgresServer(t testing.TB, bin, database string) *PostgresServer {
	t.Helper()
	s := &PostgresServer{t: t, Port: FreePort(t), Database: database, bin: bin}
	var err error
	if os.Geteuid() == 0 {
		if s.cred, err = credentialOf("postgres"); err != nil {
			t.Fatalf("own PostgreSQL: %v", err)
		}
	}
	// Not t.TempDir: its parents are private to root, and the server runs
	// as another user.
	if s.dir, err = os.MkdirTemp("", "stemma-pg-"); err != nil {
		t.Fatalf("own PostgreSQL: %v", err)
	}
	unregister := OnInterrupt(s.remove)
	t.Cleanup(func() { s.remove(); unregister() })
	if s.cred != nil {
		if err := os.Chown(s.dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			t.Fatalf("own PostgreSQL: %v", err)
		}
	}
	return s
}

// StartReplica makes a streaming replica of the server (pg_basebackup -R,
// over the replication connection initdb's trust rules allow on
// loopback), starts it as a hot standby on a port of its own, and removes
// it when the test ends. Its URL reads what the server's does, once
// replayed.
func (s *PostgresServer) StartReplica() *PostgresServer {
	s.t.Helper()
	r := newPostgresServer(s.t, s.bin, s.Database)
	backup := r.command("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "postgres",
		"-D", r.dataDir(), "-R", "-X", "stream", "-c", "fast", "--no-sync")
	if out, err := backup.CombinedOutput(); err != nil {
		s.t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	r.Start()
	return r
}

// queryRow runs a statement on the server's stemma database and returns the first column of its first
// row as text ("" when it returns none).
func (s *PostgresServer) queryRow(stmt string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL())
	if err != nil {
		s.t.Fatalf("own PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	var out *string
	if err := conn.QueryRow(ctx, stmt).Scan(&out); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		s.t.Fatalf("own PostgreSQL: %s: %v", stmt, err)
	}
	if out == nil {
		return ""
	}
	return *out
}

// PauseReplay pauses a replica's replay of the primary's WAL and returns
// once it has paused: pg_wal_replay_pause only asks, and a replica asked
// while it replays a write may still apply that write (a test that
// writes next and expects the replica not to have it would be flaky).
func (s *PostgresServer) PauseReplay() {
	s.t.Helper()
	s.queryRow("SELECT pg_wal_replay_pause()")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		state := s.queryRow("SELECT pg_get_wal_replay_pause_state()")
		if state == "paused" {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("own PostgreSQL: replay pause state %q 30 s after the pause was asked", state)
		}
	}
}

// CatchUp waits until the replica has replayed everything the primary
// had written when it was called.
func (s *PostgresServer) CatchUp(primary *PostgresServer) {
	s.t.Helper()
	want := primary.queryRow("SELECT pg_current_wal_lsn()::text")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if s.queryRow("SELECT (pg_last_wal_replay_lsn() >= '"+want+"'::pg_lsn)::text") == "true" {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("own PostgreSQL: the replica has not replayed %s after 30 s", want)
		}
	}
}

// ResumeReplay resumes a replica's replay.
func (s *PostgresServer) ResumeReplay() {
	s.t.Helper()
	s.queryRow("SELECT pg_wal_replay_resume()")
}

// CreateDatabase creates another database on the server and returns its
// URL.
func (s *PostgresServer) CreateDatabase(name string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.urlOf("postgres"))
	if err != nil {
		s.t.Fatalf("own PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		s.t.Fatalf("own PostgreSQL: create database %s: %v", name, err)
	}
	return s.urlOf(name)
}

// postgresBin finds the folder of PostgreSQL's server programs: on PATH
// (where links lead),
// else Debian's /usr/lib/postgresql/<version>/bin, newest first.
func postgresBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("postgres"); err == nil {
			// The folder the link on PATH points into holds the other
			// programs too (pg_basebackup).
			if real, err := filepath.EvalSymlinks(p); err == nil {
				p = real
			}
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("initdb not on PATH nor in /usr/lib/postgresql/*/bin")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func credentialOf(name string) (*syscall.Credential, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL needs the %s user: %w", name, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (s *PostgresServer) dataDir() string { return filepath.Join(s.dir, "data") }

// LogFile is the server's log.
func (s *PostgresServer) LogFile() string { return filepath.Join(s.dir, "postgres.log") }

func (s *PostgresServer) command(program string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, program), args...)
	cmd.Dir = s.dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	BindLifetime(cmd)
	cmd.SysProcAttr.Credential = s.cred
	return cmd
}

// URL returns the URL of the server's stemma database.
func (s *PostgresServer) URL() string { return s.urlOf(s.Database) }

func (s *PostgresServer) urlOf(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}

// Start starts the server (again) on its port and waits until it accepts
// connections. The postmaster runs as a child of the test, not through
// pg_ctl's daemon, so that it dies with the test process.
func (s *PostgresServer) Start() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	logf, err := os.OpenFile(s.LogFile(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		s.t.Fatalf("own PostgreSQL: %v", err)
	}
	defer logf.Close()
	cmd := s.command("postgres", "-D", s.dataDir(), "-p", strconv.Itoa(s.Port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=off",
		"-c", "shared_buffers=64MB", "-c", "wal_level=replica", "-c", "max_wal_senders=10",
		// A standby keeps the rows its queries read from being vacuumed
		// away under them, rather than cancelling the queries.
		"-c", "hot_standby_feedback=on")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start postgres: %v", err)
	}
	s.cmd, s.done = cmd, make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.urlOf("postgres"))
		if err == nil {
			_ = conn.Close(ctx)
			cancel()
			return
		}
		cancel()
		select {
		case err := <-s.done:
			s.cmd = nil
			log, _ := os.ReadFile(s.LogFile())
			s.t.Fatalf("postgres exited at start-up: %v\n%s", err, log)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("postgres on port %d did not start: %v", s.Port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop shuts the server down as `pg_ctl stop -m fast` does (SIGINT: roll
// back open transactions, disconnect clients, checkpoint) and waits for it
// to exit.
func (s *PostgresServer) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Kill kills the server and its backends at once (SIGKILL), as the loss of
// its machine would, and waits for it to exit; Start starts it again,
// recovering. Killing the postmaster alone would leave its backends, each
// in a session of its own, serving the connections they have for a while.
func (s *PostgresServer) Kill() {
	if s.cmd == nil {
		return
	}
	pid := s.cmd.Process.Pid
	// Stopped, the postmaster starts no backend while they are listed.
	_ = syscall.Kill(pid, syscall.SIGSTOP)
	for _, child := range childrenOf(pid) {
		_ = syscall.Kill(child, syscall.SIGKILL)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

// childrenOf returns the processes whose parent is pid, from /proc.
func childrenOf(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		fields := strings.Fields(rest)
		if len(fields) < 2 || fields[1] != strconv.Itoa(pid) {
			continue
		}
		if child, err := strconv.Atoi(filepath.Base(filepath.Dir(f))); err == nil {
			out = append(out, child)
		}
	}
	return out
}

// remove stops the server and deletes its cluster.
func (s *PostgresServer) remove() {
	s.Stop()
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}
