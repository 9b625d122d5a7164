package lineageservice_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// post sends body to path as the key's principal and returns the status
// and the decoded JSON answer.
func post(t *testing.T, inst *apptest.Instance, path, key string, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", inst.BaseURL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := inst.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %d: not JSON: %s", path, resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

func count(m map[string]any, field string) int {
	n, _ := m[field].(float64)
	return int(n)
}

// The repository's own SBOM imports over REST as curl would send it: the
// document as the body. Importing it again creates nothing.
func TestImportSbomOverHTTP(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	doc, err := os.ReadFile("../sbom/testdata/generated/cyclonedx-gomod-stemma.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	const path = "/v1/sboms:import?productLicence=Apache-2.0"
	code, dry := post(t, inst, path+"&validateOnly=true", apptest.AliceKey, doc)
	if code != 200 || count(dry, "worksCreated") < 40 {
		t.Fatalf("dry run: %d %v", code, dry)
	}
	code, first := post(t, inst, path, apptest.AliceKey, doc)
	if code != 200 {
		t.Fatalf("import: %d %v", code, first)
	}
	if count(first, "worksCreated") != count(dry, "worksCreated") || count(first, "derivationsCreated") != count(dry, "derivationsCreated") {
		t.Errorf("the dry run said %d works and %d derivations; the import made %d and %d", count(dry, "worksCreated"),
			count(dry, "derivationsCreated"), count(first, "worksCreated"), count(first, "derivationsCreated"))
	}
	code, again := post(t, inst, path, apptest.AliceKey, doc)
	if code != 200 || count(again, "worksCreated") != 0 || count(again, "derivationsCreated") != 0 ||
		count(again, "worksMatched") != count(first, "worksCreated") || count(again, "derivationsMatched") != count(first, "derivationsCreated") {
		t.Errorf("re-import: %d, %d works created, %d matched, %d derivations created, %d matched", code,
			count(again, "worksCreated"), count(again, "worksMatched"), count(again, "derivationsCreated"), count(again, "derivationsMatched"))
	}
	// The works belong to the importer, and the product's ancestry is the
	// SBOM's dependency graph.
	product := first["product"].(string)
	resp, err := http.Get(inst.BaseURL() + "/v1/" + product)
	if err != nil {
		t.Fatal(err)
	}
	var w struct{ Owner, Licence string }
	_ = json.NewDecoder(resp.Body).Decode(&w)
	resp.Body.Close()
	if w.Owner != "alice" || w.Licence != "Apache-2.0" {
		t.Errorf("product %s: owner %q, licence %q", product, w.Owner, w.Licence)
	}
	resp, err = http.Get(inst.BaseURL() + "/v1/" + product + "/ancestors?pageSize=1000")
	if err != nil {
		t.Fatal(err)
	}
	var anc struct{ Ancestors []any }
	_ = json.NewDecoder(resp.Body).Decode(&anc)
	resp.Body.Close()
	if len(anc.Ancestors) != count(first, "worksCreated")-1 {
		t.Errorf("the product has %d ancestors; the SBOM %d components besides it", len(anc.Ancestors), count(first, "worksCreated")-1)
	}
}

// A malformed document is a 400 naming the JSON path, in the error shape of
// every Stemma error; nothing is imported; writes need a key.
func TestImportSbomErrors(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	bad := `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"application","name":"app","bom-ref":"app"}},
		"components":[{"type":"library","name":"ok","purl":"pkg:npm/ok@1.0.0"},{"type":"library","bom-ref":"x"}]}`
	code, st := post(t, inst, "/v1/sboms:import", apptest.AliceKey, []byte(bad))
	if code != 400 || st["code"] != float64(3) || !strings.Contains(st["message"].(string), "components[1].name") {
		t.Fatalf("malformed SBOM: %d %v", code, st)
	}
	details, _ := json.Marshal(st["details"])
	if !strings.Contains(string(details), `"field":"sbom.components[1].name"`) {
		t.Errorf("no field violation naming sbom.components[1].name: %s", details)
	}
	if code, _ := post(t, inst, "/v1/sboms:import", "", []byte(bad)); code != 401 {
		t.Errorf("without a key: %d; want 401", code)
	}
	if code, _ := post(t, inst, "/v1/sboms:import", apptest.AliceKey, []byte(strings.Repeat(" ", 5<<20))); code != 413 {
		t.Errorf("oversized: %d; want 413", code)
	}
	if n := worksWithPurl(t, inst, "pkg:npm/ok@1.0.0"); n != 0 {
		t.Errorf("a refused import left %d works", n)
	}
}

// When the derivations cannot be recorded (here: they would close a cycle
// with what the graph holds), the works the import created are deleted
// again and nothing remains.
func TestImportSbomCompensates(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	sbomOf := func(product, dep, extra string) []byte {
		return []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6",
			"metadata":{"component":{"type":"application","bom-ref":"p","name":"` + product + `","version":"1","purl":"pkg:npm/` + product + `@1","licenses":[{"license":{"id":"MIT"}}]}},
			"components":[{"type":"library","bom-ref":"d","name":"` + dep + `","version":"1","purl":"pkg:npm/` + dep + `@1","licenses":[{"license":{"id":"MIT"}}]},
				{"type":"library","bom-ref":"e","name":"` + extra + `","version":"1","purl":"pkg:npm/` + extra + `@1","licenses":[{"license":{"id":"MIT"}}]}],
			"dependencies":[{"ref":"p","dependsOn":["d","e"]}]}`)
	}
	if code, r := post(t, inst, "/v1/sboms:import", apptest.AliceKey, sbomOf("alpha", "beta", "gamma")); code != 200 {
		t.Fatalf("first import: %d %v", code, r)
	}
	// beta depends on alpha: with alpha -> beta recorded, a cycle.
	code, st := post(t, inst, "/v1/sboms:import", apptest.AliceKey, sbomOf("beta", "alpha", "delta"))
	if code != 400 || !strings.Contains(st["message"].(string), "cycle") {
		t.Fatalf("cyclic import: %d %v", code, st)
	}
	resp, err := http.Get(inst.BaseURL() + "/v1/works:lookup?purl=pkg:npm/delta@1")
	if err != nil {
		t.Fatal(err)
	}
	var found struct{ Works []any }
	_ = json.NewDecoder(resp.Body).Decode(&found)
	resp.Body.Close()
	if len(found.Works) != 0 {
		t.Errorf("the failed import left its new work delta behind")
	}
}

// A component the catalog refuses to register (a version past its bound,
// which the SBOM reader lets through) is a 400 naming the component's
// field in the document, not the catalog's batch request; nothing is
// imported.
func TestImportSbomNamesTheComponentTheCatalogRefuses(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"application","name":"app","bom-ref":"app"}},
		"components":[{"type":"library","name":"ok","bom-ref":"ok","purl":"pkg:npm/ok@1.0.0"},
		{"type":"library","name":"long","bom-ref":"long","version":"` + strings.Repeat("9", 300) + `"}]}`
	code, st := post(t, inst, "/v1/sboms:import", apptest.AliceKey, []byte(doc))
	msg, _ := st["message"].(string)
	if code != 400 || !strings.Contains(msg, "component long: ") || strings.Contains(msg, "requests[") {
		t.Fatalf("refused component: %d %v", code, st)
	}
	details, _ := json.Marshal(st["details"])
	if !strings.Contains(string(details), `"field":"sbom.components[1]"`) {
		t.Errorf("no field violation naming sbom.components[1]: %s", details)
	}
	if n := worksWithPurl(t, inst, "pkg:npm/ok@1.0.0"); n != 0 {
		t.Errorf("a refused import left %d works", n)
	}
}

// worksWithPurl counts the catalogued works that carry a purl.
func worksWithPurl(t *testing.T, inst *apptest.Instance, purl string) int {
	t.Helper()
	resp, err := http.Get(inst.BaseURL() + "/v1/works:lookup?purl=" + purl)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var found struct{ Works []any }
	if err := json.NewDecoder(resp.Body).Decode(&found); err != nil {
		t.Fatal(err)
	}
	return len(found.Works)
}
