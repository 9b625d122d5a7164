package app_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// repoRoot is the repository's root, relative to this package.
const repoRoot = "../../.."

// requireFile returns the absolute path of a file a client test needs (a
// tool, an installed node_modules), skipping the test when it is missing
// and failing it in CI, where `make test` installs everything first.
func requireFile(t *testing.T, path, installedBy string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err == nil {
		_, err = os.Stat(abs)
	}
	if err != nil {
		testenv.Unavailable(t, path+" (installed by "+installedBy+")", err)
	}
	return abs
}

// requireCommand returns the path of a program on PATH, as requireFile.
func requireCommand(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testenv.Unavailable(t, name, err)
	}
	return p
}

// runIn runs a program in dir with env added to the test's environment and
// returns its standard output, failing the test with both outputs when it
// fails.
func runIn(t *testing.T, dir string, env []string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v in %s: %v\nstdout:\n%s\nstderr:\n%s", name, args, dir, err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

// copyFile copies a file, making the folders it goes in.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
