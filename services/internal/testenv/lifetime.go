package testenv

import (
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
)

// BindLifetime makes the process cmd will start die with the test process,
// however that ends: a test binary killed by a signal, or by `go test
// -timeout` (which exits without running cleanups), must not leave servers
// behind on the machine. Call it before cmd.Start.
func BindLifetime(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// Sent by the kernel when the thread that started the child exits;
	// Go ends threads only for goroutines that lock one and never unlock
	// it, which nothing here does.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

var interrupt struct {
	sync.Mutex
	next  int
	fns   map[int]func()
	watch sync.Once
}

// OnInterrupt runs fn if the test process is interrupted (SIGINT or
// SIGTERM) before the returned function is called, then exits: for what
// BindLifetime cannot undo, such as a temporary folder of another user.
// The returned function unregisters fn; call it in the normal clean-up.
func OnInterrupt(fn func()) (unregister func()) {
	interrupt.Lock()
	defer interrupt.Unlock()
	interrupt.watch.Do(func() {
		interrupt.fns = map[int]func(){}
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
		go func() {
			<-c
			interrupt.Lock()
			for _, f := range interrupt.fns {
				f()
			}
			os.Exit(130)
		}()
	})
	id := interrupt.next
	interrupt.next++
	interrupt.fns[id] = fn
	return func() {
		interrupt.Lock()
		defer interrupt.Unlock()
		delete(interrupt.fns, id)
	}
}
