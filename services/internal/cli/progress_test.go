package cli

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a buffer the progress goroutine and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestProgressLine(t *testing.T) {
	var out lockedBuffer
	stop := progressLine(&out, "importing sbom.json (2.0 MiB)", time.Millisecond)
	for !strings.Contains(out.String(), " s") {
		time.Sleep(time.Millisecond)
	}
	stop()
	stop() // a second stop is harmless
	got := out.String()
	if !strings.HasPrefix(got, "\rimporting sbom.json (2.0 MiB)…") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("progress line wrote %q", got)
	}
	n := len(got)
	time.Sleep(5 * time.Millisecond)
	if len(out.String()) != n {
		t.Errorf("the line was redrawn after stop: %q", out.String())
	}
}

// A pipe or a file gets no progress line: scripts read clean output.
func TestProgressOnlyOnATerminal(t *testing.T) {
	var out lockedBuffer
	progress(&out, "importing")()
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	progress(f, "importing")()
	if st, _ := f.Stat(); out.String() != "" || st.Size() != 0 {
		t.Errorf("progress wrote to a buffer (%q) or a file (%d bytes)", out.String(), st.Size())
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int]string{12: "12 bytes", 2048: "2.0 KiB", 3 << 20: "3.0 MiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q; want %q", n, got, want)
		}
	}
}
