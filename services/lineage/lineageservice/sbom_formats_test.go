package lineageservice_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// An SPDX 3 AI package's training and test datasets import as training
// derivations of the model, and a gzip-compressed CycloneDX XML document
// imports as its JSON would.
func TestImportSbomFormats(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	ai, err := os.ReadFile("../sbom/testdata/handwritten/ai-model.spdx3.json")
	if err != nil {
		t.Fatal(err)
	}
	code, rep := post(t, inst, "/v1/sboms:import?productLicence=Apache-2.0", apptest.AliceKey, ai)
	if code != 200 || count(rep, "worksCreated") != 5 {
		t.Fatalf("SPDX 3: %d %v", code, rep)
	}
	resp, err := http.Get(inst.BaseURL() + "/v1/" + rep["product"].(string) + "/ancestors?relations=RELATION_TRAINING")
	if err != nil {
		t.Fatal(err)
	}
	var anc struct {
		Ancestors []struct{ Relations []string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&anc)
	resp.Body.Close()
	if len(anc.Ancestors) != 2 || anc.Ancestors[0].Relations[0] != "RELATION_TRAINING" {
		t.Errorf("the model's training ancestors: %+v; want the two datasets", anc.Ancestors)
	}

	xml, err := os.ReadFile("../sbom/testdata/generated/cyclonedx-gomod-stemma-1.5.cdx.xml")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, _ = w.Write(xml)
	_ = w.Close()
	code, rep = post(t, inst, "/v1/sboms:import?productLicence=Apache-2.0&validateOnly=true", apptest.AliceKey, gz.Bytes())
	if code != 200 || count(rep, "worksCreated") != 44 || rep["format"] != "CycloneDX 1.5" {
		t.Errorf("gzip XML: %d %v %v", code, count(rep, "worksCreated"), rep["format"])
	}
}
