package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// servers starts a whole suite for a test, on free ports with SQLite in
// the test's temporary folder, and returns the two ways to reach it.
func servers(t *testing.T) map[string]string {
	t.Helper()
	s := apptest.Start(t, apptest.Config(t))
	return map[string]string{"rest": s.BaseURL(), "grpc": "grpc://" + s.GRPCAddr()}
}

// result is what one run of the command gave.
type result struct {
	code           int
	stdout, stderr string
}

// stemma runs the command in-process as a user would run the binary.
func stemma(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("output is not JSON (%v):\n%s", err, r.stdout)
	}
	return m
}

func (r result) want(t *testing.T, code int, contains ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d; want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range contains {
		if !strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", s, r.stdout, r.stderr)
		}
	}
}

// withStdin makes the file at path the process's standard input for the
// rest of the test, as a shell's "< path" would.
func withStdin(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	stdin := os.Stdin
	os.Stdin = f
	t.Cleanup(func() {
		os.Stdin = stdin
		f.Close()
	})
}
