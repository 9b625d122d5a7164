package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// The operator commands: export a registry, restore it with "restore" and
// with its alias "import --export", back it up; "import" of an export
// without --export says what to do instead of sending it as an SBOM.
func TestExportRestoreBackupCommands(t *testing.T) {
	src := t.TempDir()
	cfg := apptest.Config(t)
	cfg.DataDir = src
	a := apptest.Start(t, cfg)
	if code, b := a.Do(t, "POST", "/v1/works", apptest.AliceKey, `{"kind":"WORK_KIND_TEXT","title":"kept","licence":"MIT"}`); code != http.StatusOK {
		t.Fatalf("create a work: HTTP %d: %s", code, b)
	}

	stemma := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	fresh := t.TempDir()
	if code, out, e := stemma("migrate", "--data-dir", fresh); code != 0 || !strings.Contains(out, "catalog\tschema version") || !strings.Contains(out, "lineage\tschema version") {
		t.Fatalf("migrate: exit %d: %s %s", code, out, e)
	}
	dump := filepath.Join(t.TempDir(), "registry.jsonl")
	if code, _, e := stemma("export", dump, "--data-dir", src); code != 0 || !strings.Contains(e, "catalog.works 1") {
		t.Fatalf("export: exit %d: %s", code, e)
	}
	for _, cmd := range [][]string{{"restore", dump}, {"import", "--export", dump}} {
		dst := t.TempDir()
		if code, _, e := stemma(append(cmd, "--data-dir", dst)...); code != 0 || !strings.Contains(e, "restored") {
			t.Fatalf("%v: exit %d: %s", cmd, code, e)
		}
		if code, _, e := stemma(append(cmd, "--data-dir", dst)...); code != exitFailed || !strings.Contains(e, "empty instance") {
			t.Errorf("%v into a restored instance: exit %d: %s", cmd, code, e)
		}
	}
	if code, _, e := stemma("import", dump); code != exitFailed || !strings.Contains(e, "stemma restore") {
		t.Errorf("import of an export without --export: exit %d: %s", code, e)
	}
	backup := filepath.Join(t.TempDir(), "b")
	code, out, e := stemma("backup", backup, "--data-dir", src)
	if code != 0 || strings.Count(out, ".db") != 2 {
		t.Fatalf("backup: exit %d: %s %s", code, out, e)
	}
	if _, err := os.Stat(filepath.Join(backup, "catalog.db")); err != nil {
		t.Error(err)
	}
	for _, f := range append(strings.Fields(out), dump, backup) {
		want := os.FileMode(0o600)
		if f == backup {
			want = 0o700
		}
		fi, err := os.Stat(f)
		if err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v; want %v", f, fi.Mode().Perm(), want)
		}
	}
}
