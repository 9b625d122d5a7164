// Package testproc builds the stemma binary and runs it as real processes
// for tests and benchmarks that must see the suite as an operator would:
// separate processes, real ports, signals.
package testproc

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/internal/testenv"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

// Binary builds the stemma command once per test binary and returns its
// path. The file lives until the process exits (tests share it).
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		src := filepath.Join(filepath.Dir(file), "..", "..", "cmd", "stemma")
		buildDir, buildErr = os.MkdirTemp("", "stemma-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "stemma")
		out, err := exec.Command("go", "build", "-o", binPath, src).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Process is a running `stemma serve`.
type Process struct {
	cmd      *exec.Cmd
	HTTPAddr string
	GRPCAddr string
	log      *bytes.Buffer
	mu       sync.Mutex
	done     chan struct{}
	exitErr  error
}

// Serve starts `stemma serve` with the given extra flags and environment
// (added to a minimal one), on free loopback ports, and waits until
// /healthz answers 200. The process is killed when the test ends if it is
// still running.
func Serve(t testing.TB, flags []string, env []string) *Process {
	t.Helper()
	p := &Process{
		HTTPAddr: "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)),
		GRPCAddr: "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)),
		log:      &bytes.Buffer{},
		done:     make(chan struct{}),
	}
	args := append([]string{"serve", "--http-addr=" + p.HTTPAddr, "--grpc-addr=" + p.GRPCAddr}, flags...)
	p.cmd = exec.Command(Binary(t), args...)
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	p.cmd.Stdout = &lockedWriter{p: p}
	p.cmd.Stderr = &lockedWriter{p: p}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start stemma: %v", err)
	}
	go func() { p.exitErr = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("stemma exited at start-up: %v\n%s", p.exitErr, p.Log())
		default:
		}
		resp, err := http.Get("http://" + p.HTTPAddr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("stemma not healthy after 30s: %v\n%s", err, p.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Signal sends sig and waits up to timeout for the process to exit,
// returning its exit code (-1 if it did not exit in time).
func (p *Process) Signal(sig syscall.Signal, timeout time.Duration) int {
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		return -1
	}
}

// Log returns what the process has written so far.
func (p *Process) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

type lockedWriter struct{ p *Process }

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.log.Write(b)
}
