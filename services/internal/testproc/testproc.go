// Package testproc builds the stemma binary and runs it as real processes
// for tests and benchmarks that must see the suite as an operator would:
// separate processes, real ports, signals, crashes and restarts.
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

// Options says how to run one `stemma serve`.
type Options struct {
	// Name tells the process apart in errors ("catalog-1").
	Name string
	// Binary is the stemma binary; empty builds one (see Binary).
	Binary string
	// Flags follow `serve` and the address flags.
	Flags []string
	// Env is added to a minimal environment (PATH and HOME).
	Env []string
	// HTTPAddr and GRPCAddr are the addresses to listen on; empty picks a
	// free loopback port.
	HTTPAddr, GRPCAddr string
	// Internal gives the process an internal gRPC listener on a free
	// loopback port (--internal-grpc-addr), for the other parts to call.
	Internal bool
}

// Process is a `stemma serve` that a test owns: it may signal, kill and
// restart it on the same addresses. Its output, over every run, is kept.
type Process struct {
	HTTPAddr string
	GRPCAddr string
	// InternalGRPCAddr is the internal listener's address, if any.
	InternalGRPCAddr string

	t    testing.TB
	name string
	args []string
	env  []string

	mu   sync.Mutex
	log  bytes.Buffer
	cmd  *exec.Cmd
	done chan struct{}
	// state is the exit state of the last run, once it has ended.
	state *os.ProcessState
}

// Serve starts `stemma serve` with the given extra flags and environment
// on free loopback ports, and waits until /healthz answers 200. The
// process is killed when the test ends if it is still running.
func Serve(t testing.TB, flags []string, env []string) *Process {
	t.Helper()
	return Start(t, Options{Name: "stemma", Flags: flags, Env: env})
}

// Start starts a process as o says and waits until /healthz answers 200.
// It is killed when the test ends if it is still running, and with the
// test process however that ends.
func Start(t testing.TB, o Options) *Process {
	t.Helper()
	p := &Process{HTTPAddr: o.HTTPAddr, GRPCAddr: o.GRPCAddr, t: t, name: o.Name}
	if p.HTTPAddr == "" {
		p.HTTPAddr = "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	}
	if p.GRPCAddr == "" {
		p.GRPCAddr = "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	}
	bin := o.Binary
	if bin == "" {
		bin = Binary(t)
	}
	p.args = []string{bin, "serve", "--http-addr=" + p.HTTPAddr, "--grpc-addr=" + p.GRPCAddr}
	if o.Internal {
		p.InternalGRPCAddr = "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
		p.args = append(p.args, "--internal-grpc-addr="+p.InternalGRPCAddr)
	}
	p.args = append(p.args, o.Flags...)
	p.env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, o.Env...)
	t.Cleanup(func() { p.Kill() })
	p.Restart()
	return p
}

// Restart starts the process again with the same arguments and addresses
// (it must have exited) and waits until it is healthy.
func (p *Process) Restart() {
	p.t.Helper()
	p.mu.Lock()
	if p.cmd != nil && p.state == nil {
		p.mu.Unlock()
		p.t.Fatalf("%s: restart while running", p.name)
	}
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Env = p.env
	cmd.Stdout = &lockedWriter{p: p}
	cmd.Stderr = &lockedWriter{p: p}
	testenv.BindLifetime(cmd)
	if err := cmd.Start(); err != nil {
		p.mu.Unlock()
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.state = cmd, done, nil
	p.mu.Unlock()
	go func() {
		_ = cmd.Wait()
		p.mu.Lock()
		p.state = cmd.ProcessState
		p.mu.Unlock()
		close(done)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			p.t.Fatalf("%s exited at start-up: %v\n%s", p.name, p.exitState(), p.Log())
		default:
		}
		resp, err := http.Get("http://" + p.HTTPAddr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s not healthy after 30s: %v\n%s", p.name, err, p.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *Process) exitState() *os.ProcessState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// Signal sends sig and waits up to timeout for the process to exit,
// returning its exit code (-1 if it did not exit in time, or was killed
// by a signal).
func (p *Process) Signal(sig syscall.Signal, timeout time.Duration) int {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return -1
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
		return p.exitState().ExitCode()
	case <-time.After(timeout):
		return -1
	}
}

// Kill kills the process with SIGKILL, as a crash would, and waits for it
// to exit; it does nothing if the process is not running.
func (p *Process) Kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Kill()
	<-done
}

// Name returns the name the process was started with.
func (p *Process) Name() string { return p.name }

// Log returns what the process has written so far, over all its runs.
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
