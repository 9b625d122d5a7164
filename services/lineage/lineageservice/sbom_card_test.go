package lineageservice_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// postCard sends a card as `stemma import` does, with its media type.
func postCard(t *testing.T, inst *apptest.Instance, path, contentType string, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", inst.BaseURL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+apptest.AliceKey)
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

func getJSON(t *testing.T, inst *apptest.Instance, path string, v any) {
	t.Helper()
	resp, err := http.Get(inst.BaseURL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

type cardWork struct {
	Name, Title, Kind, Licence string
	Identifiers                []struct{ Type, Value string }
}

// parents returns a work's direct ancestors: each one's work and the
// relation of the derivation to it.
func parents(t *testing.T, inst *apptest.Instance, work string) map[string]cardWork {
	t.Helper()
	var anc struct {
		Ancestors []struct {
			Work      string
			Depth     int
			Relations []string
		}
	}
	getJSON(t, inst, "/v1/"+work+"/ancestors?pageSize=100", &anc)
	out := map[string]cardWork{}
	for _, a := range anc.Ancestors {
		if a.Depth != 1 {
			continue
		}
		var w cardWork
		getJSON(t, inst, "/v1/"+a.Work, &w)
		out[w.Title+" "+a.Relations[0]] = w
	}
	return out
}

// A model card (the hub's JSON for a quantized model) and a README with
// front matter import through the SBOM route: the models and data sets
// become works of their kinds, the base model a derivation with the
// relation base_model_relation implies, the data sets training edges.
// validate-only reports what the import then does; importing again
// creates nothing.
func TestImportModelCard(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	doc, err := os.ReadFile("../sbom/testdata/handwritten/helpdesk-llama-gguf.card.json")
	if err != nil {
		t.Fatal(err)
	}
	const path = "/v1/sboms:import"
	code, dry := postCard(t, inst, path+"?validateOnly=true", "application/json", doc)
	if code != 200 || count(dry, "worksCreated") != 3 || count(dry, "derivationsCreated") != 2 || dry["format"] != "Hugging Face model card" {
		t.Fatalf("dry run: %d %v", code, dry)
	}
	var none struct{ Works []any }
	getJSON(t, inst, "/v1/works:lookup?purl=pkg:huggingface/example-org/helpdesk-llama-8b-GGUF", &none)
	if len(none.Works) != 0 {
		t.Fatalf("validate-only created works")
	}
	code, first := postCard(t, inst, path, "application/json", doc)
	if code != 200 || count(first, "worksCreated") != 3 || count(first, "derivationsCreated") != 2 {
		t.Fatalf("import: %d %v", code, first)
	}
	product := first["product"].(string)
	var p cardWork
	getJSON(t, inst, "/v1/"+product, &p)
	if p.Kind != "WORK_KIND_MODEL" || p.Title != "example-org/helpdesk-llama-8b-GGUF" || len(p.Identifiers) != 1 ||
		p.Identifiers[0].Value != "pkg:huggingface/example-org/helpdesk-llama-8b-GGUF" {
		t.Errorf("product %+v", p)
	}
	got := parents(t, inst, product)
	if w, ok := got["example-org/helpdesk-llama-8b RELATION_COPY"]; !ok || w.Kind != "WORK_KIND_MODEL" {
		t.Errorf("no copy of the base model (quantized): %+v", got)
	}
	if w, ok := got["example-org/support-dialogues RELATION_TRAINING"]; !ok || w.Kind != "WORK_KIND_DATASET" {
		t.Errorf("no training edge to the data set: %+v", got)
	}
	code, again := postCard(t, inst, path, "application/json", doc)
	if code != 200 || count(again, "worksCreated") != 0 || count(again, "derivationsCreated") != 0 ||
		count(again, "worksMatched") != 3 || count(again, "derivationsMatched") != 2 {
		t.Errorf("re-import: %d %v", code, again)
	}

	// The README: a fine-tune (adaptation) trained on two data sets; it
	// has no repository id, so its request ids keep a retry idempotent.
	readme, err := os.ReadFile("../sbom/testdata/handwritten/helpdesk-llama.card.md")
	if err != nil {
		t.Fatal(err)
	}
	// support-dialogues is the work the first card created, matched by
	// its purl.
	code, r := postCard(t, inst, path, "text/markdown", readme)
	if code != 200 || count(r, "worksCreated") != 3 || count(r, "worksMatched") != 1 || count(r, "derivationsCreated") != 3 {
		t.Fatalf("README import: %d %v", code, r)
	}
	got = parents(t, inst, r["product"].(string))
	if _, ok := got["meta-llama/Llama-3.1-8B-Instruct RELATION_ADAPTATION"]; !ok {
		t.Errorf("no adaptation of the base model (finetune): %+v", got)
	}
	for _, ds := range []string{"example-org/support-dialogues", "example-org/support-dialogues-fr"} {
		if w, ok := got[ds+" RELATION_TRAINING"]; !ok || w.Kind != "WORK_KIND_DATASET" {
			t.Errorf("no training edge to %s: %+v", ds, got)
		}
	}
	code, r2 := postCard(t, inst, path, "text/markdown", readme)
	if code != 200 || count(r2, "derivationsCreated") != 0 || r2["product"] != r["product"] {
		t.Errorf("README re-import: %d %v", code, r2)
	}
}

// A card that cannot be read is a 400 naming its line.
func TestImportCardErrors(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	code, st := postCard(t, inst, "/v1/sboms:import", "text/markdown",
		[]byte("---\nmodel_name: m\nbase_model: a/b\nbase_model_relation: distilled\n---\n"))
	if code != 400 || !bytes.Contains([]byte(st["message"].(string)), []byte("line 4 base_model_relation")) {
		t.Errorf("%d %v", code, st)
	}
}
