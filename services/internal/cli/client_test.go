package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

func TestCheck(t *testing.T) {
	for name, server := range servers(t) {
		t.Run(name, func(t *testing.T) {
			s := "--server=" + server
			stemma(t, "check", "MIT", "GPL-3.0-only", s).want(t, 0, "VERDICT", "compatible", "RULE")
			stemma(t, "check", "GPL-3.0-only", "MIT", s).want(t, 1, "incompatible")
			r := stemma(t, "check", "GPL-2.0-only", "MIT", s, "-o", "json")
			r.want(t, 1)
			if v := r.json(t)["verdict"]; v != "VERDICT_INCOMPATIBLE" {
				t.Errorf("JSON verdict %v", v)
			}
			stemma(t, "check", "MIT OR", "MIT", s).want(t, 2, "INVALID_ARGUMENT", "position")
			stemma(t, "check", "MIT", "MIT", s, "--use", "sideways").want(t, 2, "--use", "link-static")
			// A verdict Stemma cannot give is never a yes.
			stemma(t, "check", "LicenseRef-acme", "MIT", s).want(t, 1, "unknown")
		})
	}
}

// A conditional verdict passes by default and fails with --strict.
func TestCheckConditional(t *testing.T) {
	s := "--server=" + servers(t)["rest"]
	r := stemma(t, "check", "LGPL-2.1-only", "Apache-2.0", "--use", "link-static", s, "-o", "json")
	if r.json(t)["verdict"] != "VERDICT_CONDITIONAL" {
		t.Fatalf("LGPL-2.1-only statically linked into Apache-2.0 is CONDITIONAL (LGPL-2.1 §6, hard case 4); got %s", r.stdout)
	}
	r.want(t, 0)
	stemma(t, "check", "LGPL-2.1-only", "Apache-2.0", "--use", "link-static", s).want(t, 0, "CONDITION")
	stemma(t, "check", "LGPL-2.1-only", "Apache-2.0", "--use", "link-static", "--strict", s).want(t, 1)
}

func TestLicences(t *testing.T) {
	for name, server := range servers(t) {
		t.Run(name, func(t *testing.T) {
			s := "--server=" + server
			stemma(t, "licences", "show", "GPL-3.0-or-later", s).want(t, 0, "strong-copyleft", "disclose-source")
			stemma(t, "licences", "show", "licences/MIT", s, "-o", "json").want(t, 0, `"licenceId": "MIT"`)
			stemma(t, "licences", "show", "Nope", s).want(t, 2, "NOT_FOUND")
			r := stemma(t, "licences", "list", "--filter", "family = \"GPL\"", "--page-size", "3", s)
			r.want(t, 0, "LICENCE", "GPL-", "--page-token")
			if lines := strings.Count(r.stdout, "\n"); lines < 4 {
				t.Errorf("list printed %d lines", lines)
			}
			all := stemma(t, "licences", "list", "--filter", "family = \"GPL\"", "--page-size", "2", "--all", s, "-o", "json").json(t)
			if n := len(all["licences"].([]any)); n < 4 {
				t.Errorf("--all gave %d GPL licences", n)
			}
			stemma(t, "licences", "list", "--filter", "colour = red", s).want(t, 2, "INVALID_ARGUMENT")
			stemma(t, "licences", "suggest", "MIT", "Apache-2.0", "LGPL-2.1-or-later", s).want(t, 0, "LICENCE", "LGPL-2.1-or-later")
			stemma(t, "licences", "suggest", "MIT", "NONESUCH", s).want(t, 1, "BLOCKING", "NONESUCH")
			stemma(t, "licences", "suggest", "NONESUCH", "--strict", s).want(t, 2, "INVALID_ARGUMENT")
			stemma(t, "licences", "suggest", "MIT", "--candidate", "Apache-2.0", s, "-o", "json").want(t, 0, `"licence": "Apache-2.0"`)
			stemma(t, "licences", "parse", "gpl-2.0+ WITH classpath-exception-2.0 OR mit", s).
				want(t, 0, "GPL-2.0-or-later WITH Classpath-exception-2.0 OR MIT", "Classpath-exception-2.0", "WARNING")
			stemma(t, "licences", "parse", "MIT OR (foo", s).want(t, 2, "INVALID_ARGUMENT", "position")
		})
	}
}

func TestWorksAndLineage(t *testing.T) {
	for name, server := range servers(t) {
		t.Run(name, func(t *testing.T) {
			s := "--server=" + server
			id := func(w string) string { return w + "-" + name }
			t.Setenv("STEMMA_API_KEY", "")
			stemma(t, "works", "create", "--kind", "text", "--title", "Nope", s).want(t, 2, "UNAUTHENTICATED", "STEMMA_API_KEY")
			t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
			stemma(t, "works", "create", "--id", id("photo"), "--kind", "image", "--title", "A photograph", "--licence", "CC-BY-4.0",
				"--creator", "Ada Lovelace", "--digest", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", s).
				want(t, 0, "works/"+id("photo"), "CC-BY-4.0", "Ada Lovelace")
			stemma(t, "works", "create", "--id", id("remix"), "--kind", "image", "--title", "A remix", "--licence", "CC-BY-SA-4.0", s).want(t, 0)
			stemma(t, "works", "create", "--id", id("closed"), "--kind", "image", "--title", "A closed copy", "--licence", "MIT", s).want(t, 0)
			// A retry with the same request id gives the same work.
			first := stemma(t, "works", "create", "--kind", "text", "--title", "Once", "--request-id", "cli-once-"+name, s, "-o", "json").json(t)["name"]
			again := stemma(t, "works", "create", "--kind", "text", "--title", "Once", "--request-id", "cli-once-"+name, s, "-o", "json").json(t)["name"]
			if first != again || first == "" {
				t.Errorf("request id: %v then %v", first, again)
			}
			stemma(t, "works", "show", id("photo"), s).want(t, 0, "A photograph", "alice")
			stemma(t, "works", "show", "ghost", s).want(t, 2, "NOT_FOUND")
			stemma(t, "works", "lookup", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", s).want(t, 0, "works/"+id("photo"))
			stemma(t, "works", "lookup", "--purl", "pkg:npm/nothing@1.0.0", s).want(t, 1)
			stemma(t, "works", "list", "--filter", "kind = IMAGE", s).want(t, 0, "works/"+id("photo"), "works/"+id("remix"))

			stemma(t, "derive", id("remix"), id("photo"), "--relation", "adaptation", "--note", "recoloured", s).want(t, 0, "compatible", "CC-BY-4.0")
			stemma(t, "derive", id("closed"), id("remix"), "--relation", "copy", s).want(t, 1, "refused")
			stemma(t, "derive", id("closed"), id("remix"), "--relation", "copy", "--allow-conflict", s).want(t, 0, "CONFLICT")
			stemma(t, "derive", id("photo"), id("closed"), "--relation", "remix", "--allow-conflict", s).want(t, 1, "cycle")
			stemma(t, "derive", id("remix"), id("photo"), s).want(t, 2, "relation")

			stemma(t, "ancestors", id("closed"), s).want(t, 0, "works/"+id("remix"), "works/"+id("photo"), "works/"+id("closed")+" -> works/"+id("remix")+" -> works/"+id("photo"))
			// A list the server cut says so.
			stemma(t, "ancestors", id("closed"), "--max-depth", "1", s).want(t, 0, "works/"+id("remix"), "cut short")
			stemma(t, "audit", id("remix"), s).want(t, 0, "CONFLICTS")
			stemma(t, "audit", id("closed"), s).want(t, 1, "works/"+id("remix"))
			stemma(t, "attribution", id("remix"), s).want(t, 0, "A photograph", "Ada Lovelace")
			stemma(t, "attribution", id("remix"), "--markdown", s).want(t, 0, "A photograph")
			stemma(t, "notice", id("remix"), s).want(t, 0, "THIRD-PARTY NOTICES", "A photograph", "Copyright: Ada Lovelace",
				"Licence: CC-BY-4.0", "Creative Commons Attribution 4.0 International", "Licence texts: the SPDX License List")
			if n := stemma(t, "notice", id("remix"), s, "-o", "json").json(t); len(n["licences"].([]any)) != 1 {
				t.Errorf("notice --output json: %v", n)
			}
			stemma(t, "sbom", id("remix"), "--format", "spdx", s).want(t, 0, `"spdxVersion": "SPDX-2.3"`, `"licenseConcluded": "CC-BY-4.0"`)
			stemma(t, "sbom", id("remix"), "--format", "pdf", s).want(t, 2, "cyclonedx or spdx")
			cdx := filepath.Join(t.TempDir(), "remix.cdx.json")
			stemma(t, "sbom", id("remix"), "--file", cdx, s).want(t, 0)
			stemma(t, "import", cdx, "--dry-run", s).want(t, 0, "CycloneDX 1.6", "A photograph")
			stemma(t, "notice", "--sbom", cdx, s).want(t, 0, "A photograph", "Creative Commons Attribution 4.0 International")
			stemma(t, "notice", s).want(t, 2, "work")

			stemma(t, "descendants", id("photo"), s).want(t, 0, "works/"+id("remix"), "works/"+id("closed"))
			stemma(t, "descendants", id("photo"), "--relation", "copy", s).want(t, 0, "WORK")
			stemma(t, "trace", id("closed"), id("photo"), s).want(t, 0, "works/"+id("closed")+" -copy-> works/"+id("remix")+" -adaptation-> works/"+id("photo"))
			stemma(t, "trace", id("photo"), id("closed"), s).want(t, 1)
			stemma(t, "suggest", id("remix"), s).want(t, 0, "CC-BY-SA-4.0", "CURRENT LICENCE ALLOWED")
			stemma(t, "suggest", id("closed"), s).want(t, 1, "CC-BY-SA-4.0")
			list := stemma(t, "derivations", "list", "--derivative", id("closed"), "--conflicts-only", s, "-o", "json").json(t)
			ds, _ := list["derivations"].([]any)
			if len(ds) != 1 {
				t.Fatalf("derivations list --conflicts-only = %v", list)
			}
			conflict := ds[0].(map[string]any)["name"].(string)
			stemma(t, "derivations", "show", conflict, s).want(t, 0, "CONFLICT", "true")
			stemma(t, "derivations", "list", "--source", id("photo"), s).want(t, 0, "works/"+id("remix"), "adaptation")

			stemma(t, "works", "update", id("closed"), s).want(t, 2, "nothing to change")
			stemma(t, "works", "update", id("closed"), "--licence", "CC-BY-SA-4.0", "--note", "brought into line", s).want(t, 0, "CC-BY-SA-4.0")
			stemma(t, "works", "history", id("closed"), s).want(t, 0, "CC-BY-SA-4.0", "MIT", "brought into line", "alice")
			t.Setenv("STEMMA_API_KEY", apptest.BobKey)
			stemma(t, "works", "update", id("closed"), "--title", "Mine now", s).want(t, 2, "PERMISSION_DENIED")
			stemma(t, "derivations", "delete", conflict, s).want(t, 2, "PERMISSION_DENIED")
			t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
			stemma(t, "works", "delete", id("photo"), s).want(t, 2, "FAILED_PRECONDITION")
			stemma(t, "derivations", "delete", conflict, s).want(t, 0, "deleted "+conflict)
			stemma(t, "derivations", "show", conflict, s).want(t, 2, "NOT_FOUND")
			stemma(t, "works", "create", "--id", id("scratch"), "--kind", "text", "--title", "Scratch", s).want(t, 0)
			stemma(t, "works", "delete", id("scratch"), s, "-o", "json").want(t, 0, "{}")
			stemma(t, "works", "show", id("scratch"), s).want(t, 2, "NOT_FOUND")
		})
	}
}

func TestHealth(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	stemma(t, "health", "--server="+inst.BaseURL()).want(t, 0, "SERVING")
	stemma(t, "health", "--server=grpc://"+inst.GRPCAddr(), "--service", "stemma.catalog.v1.CatalogService").want(t, 0, "SERVING")
	stemma(t, "health", "--server=grpc://"+inst.GRPCAddr(), "--service", "no.such.Service").want(t, 2, "NOT_FOUND")
	stemma(t, "health", "--server=http://127.0.0.1:1", "--timeout=2s").want(t, 2)
}

// Usage mistakes and unreachable servers exit 2, never 1, which a CI script
// would read as an answer.
func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"no-such-command"},
		{"check", "MIT"},
		{"check", "MIT", "MIT", "--no-such-flag"},
		{"check", "MIT", "MIT", "--output", "yaml"},
		{"check", "MIT", "MIT", "--server", "ftp://example"},
		{"check", "MIT", "MIT", "--server", "http://127.0.0.1:1", "--timeout", "2s"},
		{"works", "show"},
		{"works", "lookup", "plainword"},
		{"works", "batch-show"},
		{"check-batch"},
		{"watch"},
		{"derive", "a", "b", "--relation", "sideways"},
		{"import", filepath.Join(t.TempDir(), "missing.json")},
	} {
		r := stemma(t, args...)
		if r.code != 2 || r.stderr == "" {
			t.Errorf("stemma %s: exit %d, stderr %q; want 2 and a message", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}

// Every command answers --help with its usage, exit 0.
func TestHelpOnEveryCommand(t *testing.T) {
	var root *cobra.Command
	var walk func(*cobra.Command, []string)
	walk = func(c *cobra.Command, path []string) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			return
		}
		r := stemma(t, append(path, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("stemma %s --help: exit %d\n%s%s", strings.Join(path, " "), r.code, r.stdout, r.stderr)
		}
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	root = newRootCmd()
	walk(root, nil)
}

// docs/cli.md documents every client command.
func TestCLIDocListsEveryCommand(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"check", "licences show", "licences list", "licences suggest", "licences parse", "works create", "works show", "works lookup", "works list",
		"works update", "works delete", "works history", "derive", "ancestors", "descendants", "trace", "suggest",
		"derivations list", "derivations show", "derivations delete", "audit", "attribution", "import", "health",
		"check-batch", "licences identify-batch", "works batch-create", "works batch-show", "works batch-lookup",
		"exceptions show", "exceptions list", "watch", "notice", "sbom", "fingerprint", "policy apply", "policy check", "policy show", "policy list", "policy revisions", "policy delete", "events", "whoami"} {
		if !strings.Contains(string(doc), "stemma "+c) {
			t.Errorf("docs/cli.md does not show stemma %s", c)
		}
	}
}
