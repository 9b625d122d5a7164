package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

const gomodSBOM = "../../lineage/sbom/testdata/generated/cyclonedx-gomod-stemma.cdx.json"

// The repository's own SBOM, made by cyclonedx-gomod, imports through the
// CLI with a sensible report, and a second import creates nothing.
func TestImportGoModSBOM(t *testing.T) {
	// Each transport gets an instance of its own, so that each sees a
	// first import and then a re-import.
	for _, name := range []string{"rest", "grpc"} {
		t.Run(name, func(t *testing.T) {
			s := "--server=" + servers(t)[name]
			t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
			dry := stemma(t, "import", gomodSBOM, "--product-licence", "Apache-2.0", "--dry-run", s, "-o", "json")
			dry.want(t, 0)
			first := stemma(t, "import", gomodSBOM, "--product-licence", "Apache-2.0", s, "-o", "json")
			first.want(t, 0)
			var rep struct {
				Format             string
				Product            string
				ProductLicence     string
				WorksCreated       int
				WorksMatched       int
				DerivationsCreated int
				DerivationsMatched int
				Components         []struct {
					Name, Licence, Work string
					Check               struct{ Verdict string }
				}
				Conflicts       []json.RawMessage
				UnknownLicences []string
				AllowedLicences []struct{ Licence string }
				Warnings        []string
			}
			if err := json.Unmarshal([]byte(first.stdout), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.WorksCreated < 40 || rep.DerivationsCreated < 40 || rep.WorksMatched != 0 {
				t.Errorf("first import: %d works created, %d matched, %d derivations", rep.WorksCreated, rep.WorksMatched, rep.DerivationsCreated)
			}
			if rep.Format != "CycloneDX 1.6" || rep.ProductLicence != "Apache-2.0" || !strings.HasPrefix(rep.Product, "works/") {
				t.Errorf("report head: %s %s %s", rep.Format, rep.ProductLicence, rep.Product)
			}
			if len(rep.Conflicts) != 0 {
				t.Errorf("conflicts in Stemma's own dependencies under Apache-2.0: %s", rep.Conflicts)
			}
			verdicts := map[string]string{}
			for _, c := range rep.Components {
				verdicts[c.Name] = c.Check.Verdict
			}
			if verdicts["github.com/spf13/cobra"] != "VERDICT_COMPATIBLE" {
				t.Errorf("cobra (Apache-2.0) in an Apache-2.0 product: %s", verdicts["github.com/spf13/cobra"])
			}
			if !strings.Contains(strings.Join(rep.UnknownLicences, " "), "std@go") {
				t.Errorf("the Go standard library has no detected licence and is not reported unknown: %v", rep.UnknownLicences)
			}
			if len(rep.AllowedLicences) == 0 {
				t.Error("no licence suggested for the product")
			}
			if !strings.Contains(strings.Join(rep.Warnings, " "), "dependency cycle") {
				t.Errorf("the module graph's cycles are not reported: %v", rep.Warnings)
			}
			again := stemma(t, "import", gomodSBOM, "--product-licence", "Apache-2.0", s, "-o", "json")
			again.want(t, 0, `"worksCreated": 0`, `"derivationsCreated": 0`)
			table := stemma(t, "import", gomodSBOM, "--product-licence", "Apache-2.0", s)
			table.want(t, 0, "WORKS", "0 created", "github.com/spf13/cobra", "compatible", "MAY BE RELEASED UNDER")
		})
	}
}

// A document with a conflict is refused whole without --allow-conflict, and
// recorded with it; either way the report says so with exit 1.
func TestImportConflicts(t *testing.T) {
	s := "--server=" + servers(t)["rest"]
	t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
	const doc = "../../lineage/sbom/testdata/handwritten/edge-cases.cdx.json"
	stemma(t, "import", doc, "--dry-run", s).want(t, 1, "lib-gpl", "incompatible", "UNKNOWN LICENCE", "lib-none")
	stemma(t, "import", doc, s).want(t, 2, "nothing imported")
	stemma(t, "import", doc, "--allow-conflict", s).want(t, 1, "lib-gpl", "cyc-a -> cyc-b -> cyc-a")
	stemma(t, "import", doc, "--allow-conflict", s, "-o", "json").want(t, 1, `"worksCreated": 0`, `"derivationsCreated": 0`)
	stemma(t, "import", "-", s).want(t, 2, "INVALID_ARGUMENT")
}

// XML and SPDX tag-value documents, and gzip-compressed ones, import
// through the CLI over both transports, as the server reads them from
// their content.
func TestImportOtherFormats(t *testing.T) {
	srv := servers(t)
	t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
	const corpus = "../../lineage/sbom/testdata/"
	gz := func(name string) string {
		b, err := os.ReadFile(corpus + name)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		_, _ = w.Write(b)
		_ = w.Close()
		f := filepath.Join(t.TempDir(), filepath.Base(name)+".gz")
		if err := os.WriteFile(f, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, tc := range []struct {
		file, format string
		works        int
	}{
		{corpus + "generated/cyclonedx-gomod-stemma-1.5.cdx.xml", "CycloneDX 1.5", 44},
		{corpus + "generated/tools-golang-npm-project.spdx", "SPDX 2.3", 102},
		{gz("generated/cyclonedx-npm-project-1.4.cdx.xml"), "CycloneDX 1.4", 102}, // two components are one package
		{gz("generated/tools-golang-npm-project-2.2.spdx"), "SPDX 2.2", 102},
	} {
		for _, transport := range []string{"rest", "grpc"} {
			r := stemma(t, "import", tc.file, "--product-licence", "Apache-2.0", "--dry-run", "--server="+srv[transport], "-o", "json")
			if r.code != 0 && r.code != 1 { // 1: a dependency's licence conflicts with Apache-2.0
				t.Fatalf("%s over %s: exit %d\n%s%s", tc.file, transport, r.code, r.stdout, r.stderr)
			}
			rep := r.json(t)
			if rep["format"] != tc.format || rep["worksCreated"] != float64(tc.works) {
				t.Errorf("%s over %s: %v, %v works; want %s, %d", tc.file, transport, rep["format"], rep["worksCreated"], tc.format, tc.works)
			}
		}
	}
	// Imported for real, a tag-value document's works record their
	// licence statements.
	r := stemma(t, "import", corpus+"generated/tools-golang-npm-project.spdx", "--product-licence", "AGPL-3.0-or-later",
		"--allow-conflict", "--server="+srv["rest"], "-o", "json")
	if r.code != 0 && r.code != 1 {
		t.Fatalf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var rep struct {
		Components []struct {
			Name             string
			DeclaredLicences []struct{ Statement, Method, Expression string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	declared := 0
	for _, c := range rep.Components {
		if len(c.DeclaredLicences) > 0 && c.DeclaredLicences[0].Expression != "" {
			declared++
		}
	}
	if declared != len(rep.Components) {
		t.Errorf("%d of %d components report resolved declared licences", declared, len(rep.Components))
	}
}

// The CLI sends each SBOM with its media type rather than calling XML or
// gzip JSON.
func TestImportContentType(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Content-Type"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"format":"x"}`))
	}))
	defer srv.Close()
	t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
	const corpus = "../../lineage/sbom/testdata/"
	var want []string
	for file, ct := range map[string]string{
		"generated/cyclonedx-npm-project-1.6.cdx.json": "application/json",
		"generated/cyclonedx-npm-project-1.6.cdx.xml":  "application/xml",
		"generated/tools-golang-npm-project.spdx":      "text/spdx",
		"generated/tools-golang-npm-project.spdx.yaml": "application/yaml",
		"handwritten/ai-model.spdx3.json":              "application/json",
		"handwritten/helpdesk-llama.card.md":           "text/markdown",
		"handwritten/helpdesk-llama-gguf.card.json":    "application/json",
	} {
		stemma(t, "import", corpus+file, "--server="+srv.URL).want(t, 0)
		want = append(want, ct)
		if got[len(got)-1] != ct {
			t.Errorf("%s sent as %q; want %q", file, got[len(got)-1], ct)
		}
	}
	b, _ := os.ReadFile(corpus + "generated/cyclonedx-npm-project-1.6.cdx.xml")
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	if ct := sbomContentType(buf.Bytes()); ct != "application/gzip" {
		t.Errorf("gzip sent as %q", ct)
	}
	if len(got) != len(want) {
		t.Errorf("%d requests for %d imports", len(got), len(want))
	}
}

// TestImportEveryCorpusDocument imports, for real, each SBOM of the corpus
// (generated and handwritten) with `stemma import`, one fresh server per
// document so that none matches another's works: every one is accepted,
// writes works, and a second run of the same document creates nothing.
func TestImportEveryCorpusDocument(t *testing.T) {
	var docs []string
	for _, dir := range []string{"generated", "handwritten"} {
		entries, err := os.ReadDir("../../lineage/sbom/testdata/" + dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() != "README.md" {
				docs = append(docs, "../../lineage/sbom/testdata/"+dir+"/"+e.Name())
			}
		}
	}
	if len(docs) < 25 {
		t.Fatalf("the corpus has %d documents; want at least 25", len(docs))
	}
	t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
	for _, doc := range docs {
		t.Run(filepath.Base(doc), func(t *testing.T) {
			server := "--server=" + apptest.Start(t, apptest.Config(t)).BaseURL()
			var created float64
			for run := range 2 {
				r := stemma(t, "import", doc, "--product-licence", "AGPL-3.0-or-later", "--allow-conflict", server, "-o", "json")
				if r.code != 0 && r.code != 1 { // 1: conflicts recorded, as asked
					t.Fatalf("run %d: exit %d\n%s%s", run+1, r.code, r.stdout, r.stderr)
				}
				rep := r.json(t)
				n, _ := rep["worksCreated"].(float64)
				switch {
				case run == 0 && n == 0:
					t.Fatalf("the first import created no works: %.500s", r.stdout)
				case run == 1 && n != 0:
					t.Errorf("a second import of the same document created %v works; want none (the first created %v)", n, created)
				}
				created = n
			}
		})
	}
}
