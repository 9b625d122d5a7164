package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progressEvery is how often a progress line is redrawn.
const progressEvery = 200 * time.Millisecond

// progress shows label and the time elapsed on one redrawn line of w while
// a long call runs, when w is a terminal; elsewhere (a pipe, a file, CI
// logs) it writes nothing, so that output stays clean for scripts. The
// returned func stops it and clears the line.
func progress(w io.Writer, label string) (stop func()) {
	if !isTerminal(w) {
		return func() {}
	}
	return progressLine(w, label, progressEvery)
}

// isTerminal reports whether w is a character device: a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressLine draws label at once, then again with the time elapsed every
// interval, until stop, which clears the line ("\r" and erase to its end)
// and returns once nothing more will be written.
func progressLine(w io.Writer, label string, every time.Duration) (stop func()) {
	start := time.Now()
	fmt.Fprintf(w, "\r%s…", label)
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-t.C:
				fmt.Fprintf(w, "\r%s… %.1f s", label, time.Since(start).Seconds())
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-finished
		})
	}
}

// byteSize writes n bytes as a person reads a file's size.
func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
