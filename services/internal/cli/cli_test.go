package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/config"
)

// The README's configuration table lists every flag of serve with its
// variable, so that what a newcomer reads is what the binary takes.
func TestREADMEListsEveryFlag(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmd := newServeCmd()
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" || f.Name == "list-targets" {
			return
		}
		row := "| `--" + f.Name + "` | `" + config.EnvName(f.Name) + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no configuration row for --%s (%q)", f.Name, row)
		}
	})
}

func TestVersionAndExitCodes(t *testing.T) {
	if code := Main([]string{"version"}); code != 0 {
		t.Errorf("stemma version exited %d", code)
	}
	if code := Main([]string{"serve", "--target=nonsense"}); code != 1 {
		t.Errorf("stemma serve --target=nonsense exited %d; want 1", code)
	}
	if code := Main([]string{"no-such-command"}); code != 2 {
		t.Errorf("stemma no-such-command exited %d; want 2 (a usage error)", code)
	}
}

// docs/cli.md tells people to source `stemma completion bash`: it must
// print a script that completes stemma's commands.
func TestCompletionScript(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := stemma(t, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, "stemma") || len(r.stdout) < 500 {
			t.Errorf("stemma completion %s: exit %d, %d bytes: %.200s", shell, r.code, len(r.stdout), r.stderr)
		}
	}
}

// `stemma serve --list-targets` lists every part of the table, in start
// order, with the services it serves and the parts it calls.
func TestListTargets(t *testing.T) {
	r := stemma(t, "serve", "--list-targets")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	targets := app.Targets()
	if len(lines) != len(targets)+1 {
		t.Fatalf("%d lines for %d parts:\n%s", len(lines), len(targets), r.stdout)
	}
	for i, tg := range targets {
		fields := strings.Fields(lines[i+1])
		if fields[0] != tg.Name {
			t.Errorf("line %d names %q, want %q (start order)", i+1, fields[0], tg.Name)
		}
		for _, want := range append(tg.Services, strings.Join(tg.Calls, ",")) {
			if want != "" && !strings.Contains(lines[i+1], want) {
				t.Errorf("%s's line lacks %q: %s", tg.Name, want, lines[i+1])
			}
		}
	}
}
