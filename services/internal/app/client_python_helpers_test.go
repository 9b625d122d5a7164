package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// The Python client tests run Debian's interpreter, whose packages `make
// python-clients` installs with apt: PyPI is out of reach where Stemma is
// built, and a pyenv python3 earlier on PATH has none of them.
// STEMMA_TEST_PYTHON names another interpreter.
const defaultPython = "/usr/bin/python3"

// missing skips the test on a developer's machine and fails it in CI, where
// `make test` has installed everything the client tests need; target is
// the make target that installs what is missing.
func missing(t *testing.T, target, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + " (make " + target + " installs it)"
	if testenv.InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg + "; skipped here, required in CI")
}

// python returns an interpreter that imports every module named.
func python(t *testing.T, modules ...string) string {
	t.Helper()
	py := os.Getenv("STEMMA_TEST_PYTHON")
	if py == "" {
		py = defaultPython
	}
	if _, err := exec.LookPath(py); err != nil {
		missing(t, "python-clients", "no Python interpreter at %s", py)
	}
	for _, m := range modules {
		if out, err := exec.Command(py, "-c", "import "+m).CombinedOutput(); err != nil {
			missing(t, "python-clients", "%s cannot import %s: %s", py, m, bytes.TrimSpace(out))
		}
	}
	return py
}

// repoRoot is the repository's top folder, where go.work is.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.work above the test's folder")
		}
		dir = parent
	}
}

// runClient runs a client program to its end (at most two minutes) in the
// folder dir ("": the test's), with env added to the test's environment,
// and returns its standard output.
func runClient(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	t.Logf("%s %s printed:\n%s", filepath.Base(name), strings.Join(args, " "), stdout.String())
	return stdout.String()
}

// labelled reads the `LABEL <JSON>` lines the example clients print into
// one value per label.
func labelled(t *testing.T, out string) map[string]map[string]any {
	t.Helper()
	got := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		label, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(value), &v); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got[label] = v
	}
	return got
}
