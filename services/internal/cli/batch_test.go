package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

func TestBatchCommands(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	checks := file("checks.json", `{"checks":[{"inbound":"MIT","outbound":"GPL-3.0-only"},{"inbound":"LGPL-2.1-only","outbound":"Apache-2.0","use":"USE_LINK_STATIC"}]}`)
	badChecks := file("bad-checks.json", `{"checks":[{"inbound":"MIT","outbound":"GPL-3.0-only"},{"inbound":"GPL-3.0-only","outbound":"MIT"}]}`)
	for name, server := range servers(t) {
		t.Run(name, func(t *testing.T) {
			s := "--server=" + server
			id := func(w string) string { return w + "-" + name }
			t.Setenv("STEMMA_API_KEY", apptest.AliceKey)

			stemma(t, "check-batch", checks, s).want(t, 0, "1", "compatible", "2", "conditional")
			stemma(t, "check-batch", checks, "--strict", s).want(t, 1)
			r := stemma(t, "check-batch", badChecks, s, "-o", "json")
			r.want(t, 1)
			if res, _ := r.json(t)["results"].([]any); len(res) != 2 || res[1].(map[string]any)["verdict"] != "VERDICT_INCOMPATIBLE" {
				t.Errorf("check-batch JSON: %s", r.stdout)
			}
			stemma(t, "check-batch", file("nope.json", `{"checks":[{"inbound":"MIT OR","outbound":"MIT"}]}`), s).want(t, 2, "INVALID_ARGUMENT")
			stemma(t, "check-batch", file("junk.json", `[1,2]`), s).want(t, 2, "BatchCheckCompatibilityRequest")

			works := file("works-"+name+".json", `{"requests":[
				{"workId":"`+id("one")+`","work":{"kind":"WORK_KIND_TEXT","title":"One","licence":"MIT","identifiers":[{"type":"purl","value":"pkg:npm/one-`+name+`@1.0.0"}]}},
				{"workId":"`+id("two")+`","work":{"kind":"WORK_KIND_TEXT","title":"Two","licence":"CC0-1.0"}}]}`)
			stemma(t, "works", "batch-create", works, s).want(t, 0, "works/"+id("one"), "works/"+id("two"))
			// All or nothing: a second run fails whole, on the first duplicate.
			stemma(t, "works", "batch-create", works, s).want(t, 2, "ALREADY_EXISTS")
			stemma(t, "works", "batch-show", id("one"), "works/"+id("two"), s).want(t, 0, "One", "Two")
			stemma(t, "works", "batch-show", id("one"), id("ghost"), s).want(t, 2, "NOT_FOUND")
			stemma(t, "works", "batch-show", id("one"), id("ghost"), "--allow-missing", s).want(t, 1, "MISSING", "works/"+id("ghost"))
			stemma(t, "works", "batch-lookup", "pkg:npm/one-"+name+"@1.0.0", s).want(t, 0, "works/"+id("one"))
			r = stemma(t, "works", "batch-lookup", "pkg:npm/one-"+name+"@1.0.0", "pkg:npm/none@0.0.1", s, "-o", "json")
			r.want(t, 1)
			if resps, _ := r.json(t)["responses"].([]any); len(resps) != 2 {
				t.Errorf("batch-lookup JSON: %s", r.stdout)
			}
			stemma(t, "works", "batch-lookup", "plainword", s).want(t, 2, "cannot tell")

			stemma(t, "licences", "identify-batch", "../../../LICENSE", "--name", "GPLv2+", s).want(t, 0, "Apache-2.0", "GPL-2.0-or-later")
			stemma(t, "licences", "identify-batch", "--name", "GPLv2+", "--name", "no such licence at all", s).want(t, 1, "none")
			stemma(t, "licences", "identify-batch", s).want(t, 2, "at least one")

			stemma(t, "exceptions", "show", "Classpath-exception-2.0", s).want(t, 0, "Classpath-exception-2.0", "EFFECT")
			stemma(t, "exceptions", "show", "Nope", s).want(t, 2, "NOT_FOUND")
			stemma(t, "exceptions", "list", "--page-size", "5", s).want(t, 0, "EXCEPTION", "--page-token")
			all := stemma(t, "exceptions", "list", "--all", "--page-size", "20", s, "-o", "json").json(t)
			if n := len(all["exceptions"].([]any)); n < 50 {
				t.Errorf("exceptions list --all gave %d exceptions", n)
			}
		})
	}
}

// watch prints each derivation from a watched work as it is recorded, over
// both transports, and stops after --count events.
func TestWatch(t *testing.T) {
	for name, server := range servers(t) {
		t.Run(name, func(t *testing.T) {
			s := "--server=" + server
			id := func(w string) string { return w + "-watch-" + name }
			t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
			stemma(t, "works", "create", "--id", id("src"), "--kind", "text", "--title", "Source", "--licence", "CC-BY-4.0", s).want(t, 0)
			stemma(t, "watch", s).want(t, 2, "at least one work to watch")
			stemma(t, "watch", "ghost", "--count", "1", s).want(t, 2, "NOT_FOUND")

			done := make(chan result, 1)
			go func() {
				var out, errb strings.Builder
				code := run(context.Background(), []string{"watch", id("src"), "--count", "1", "-o", "json", s}, &out, &errb)
				done <- result{code, out.String(), errb.String()}
			}()
			// The watch subscribes some time after it starts and has no way to
			// say when over REST, so derivations are recorded until it has
			// seen one (each from a new derivative).
			var got result
			for i := 0; ; i++ {
				d := id(fmt.Sprint("d", i))
				stemma(t, "works", "create", "--id", d, "--kind", "text", "--title", "Derived", "--licence", "CC-BY-4.0", s).want(t, 0)
				stemma(t, "derive", d, id("src"), "--relation", "adaptation", s).want(t, 0)
				select {
				case got = <-done:
				default:
					if i < 50 {
						continue
					}
					got = <-done
				}
				break
			}
			got.want(t, 0, `"type":"TYPE_CREATED"`, `"watchedWork":"works/`+id("src")+`"`)
			if lines := strings.Count(strings.TrimSpace(got.stdout), "\n"); lines != 0 {
				t.Errorf("--count 1 printed %d lines:\n%s", lines+1, got.stdout)
			}
		})
	}
}

// Every RPC a person would call by hand has a command, and docs/cli.md's
// table names it; the lien RPCs are the parts' own (internal or admin key).
func TestEveryRPCHasACommand(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(doc), "### Which command calls which RPC")
	table, _, _ = strings.Cut(strings.TrimLeft(table, "\n"), "\n\n")
	root := newRootCmd()
	for _, svc := range []protoreflect.ServiceDescriptor{licenceService, catalogService, lineageService, policyService, curationService, subscriptionService, catalogEventService} {
		for i := range svc.Methods().Len() {
			m := string(svc.Methods().Get(i).Name())
			if strings.Contains(m, "Lien") {
				continue
			}
			var row string
			for _, line := range strings.Split(table, "\n") {
				if strings.Contains(line, "`"+m+"`") {
					row = line
				}
			}
			if row == "" {
				t.Errorf("docs/cli.md's table has no row for %s", m)
				continue
			}
			cells := strings.Split(row, "|")
			for _, c := range strings.Split(cells[2], ",") {
				c = strings.Trim(strings.TrimSpace(c), "`")
				if cmd, rest, err := root.Find(strings.Fields(c)); err != nil || len(rest) != 0 || cmd == root {
					t.Errorf("docs/cli.md maps %s to %q, which is not a command", m, c)
				}
			}
		}
	}
}
