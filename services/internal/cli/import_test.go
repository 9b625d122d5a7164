package cli

import (
	"encoding/json"
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
