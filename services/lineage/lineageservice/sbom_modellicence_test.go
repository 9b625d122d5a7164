package lineageservice_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// checkJSON is a licence check as the REST API answers it.
type checkJSON struct {
	Verdict    string
	Conditions []string
	Reasons    []struct{ Rule, Message string }
}

// A base model card under the Llama 3.1 licence (the hub's `llama3.1`), then
// two fine-tunes of it: one released under Apache-2.0 alone is a conflict
// whose reasons name the agreement that must travel with derivatives; one
// released under the Llama 3.1 licence is allowed on the licence's
// conditions (the agreement, the Notice file, "Built with Llama", a name
// beginning "Llama", the acceptable use policy, the 700 million user
// threshold), which the import reports and the derivation records.
func TestImportModelCardLlamaDerivatives(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	const path = "/v1/sboms:import"
	base := `{"id": "meta-llama/Llama-3.1-8B-Instruct", "cardData": {"license": "llama3.1"}}`
	code, r := postCard(t, inst, path, "application/json", []byte(base))
	if code != 200 || count(r, "worksCreated") != 1 {
		t.Fatalf("base card: %d %v", code, r)
	}
	var bw cardWork
	getJSON(t, inst, "/v1/"+r["product"].(string), &bw)
	if bw.Licence != "LicenseRef-Llama-3.1" {
		t.Fatalf("base model licence %q, want LicenseRef-Llama-3.1", bw.Licence)
	}

	apache := `{"id": "example-org/helpdesk-8b", "cardData": {"license": "apache-2.0",
		"base_model": "meta-llama/Llama-3.1-8B-Instruct", "base_model_relation": "finetune"}}`
	code, refused := postCard(t, inst, path, "application/json", []byte(apache))
	if code != 400 || !strings.Contains(refused["message"].(string), "LICENCE_CONFLICT") && !strings.Contains(jsonText(t, refused), "LICENCE_CONFLICT") {
		t.Fatalf("Apache-2.0 fine-tune imported strictly: %d %v", code, refused)
	}
	if s := jsonText(t, refused); !strings.Contains(s, "copy of the agreement") {
		t.Errorf("the refusal does not say why: %s", s)
	}
	code, r = postCard(t, inst, path+"?allowConflict=true", "application/json", []byte(apache))
	if code != 200 {
		t.Fatalf("Apache-2.0 fine-tune with allowConflict: %d %v", code, r)
	}
	var audit struct {
		Conflicts []struct {
			Source string
			Check  checkJSON
		}
	}
	getJSON(t, inst, "/v1/"+r["product"].(string)+":audit", &audit)
	if len(audit.Conflicts) != 1 || audit.Conflicts[0].Check.Verdict != "VERDICT_INCOMPATIBLE" {
		t.Fatalf("audit of the Apache-2.0 fine-tune: %+v", audit)
	}
	c := audit.Conflicts[0].Check
	if c.Reasons[0].Rule != "model-agreement-travels" || !strings.Contains(c.Reasons[0].Message, "Apache-2.0 alone would not carry them") {
		t.Errorf("conflict reasons: %+v", c.Reasons)
	}

	llama := `{"id": "example-org/Llama-helpdesk-8b", "cardData": {"license": "other", "license_name": "llama3.1",
		"license_link": "https://llama.meta.com/llama3_1/license/",
		"base_model": ["meta-llama/Llama-3.1-8B-Instruct"], "base_model_relation": "finetune"}}`
	code, r = postCard(t, inst, path, "application/json", []byte(llama))
	if code != 200 || count(r, "derivationsCreated") != 1 {
		t.Fatalf("Llama 3.1 fine-tune: %d %v", code, r)
	}
	// The card says nothing of the base model's licence; its matched work
	// (the importer's own) says it, and the report judges it by that.
	comps := r["components"].([]any)
	if len(comps) != 1 || comps[0].(map[string]any)["licence"] != "LicenseRef-Llama-3.1" || len(anyStrings(r["unknownLicences"])) != 0 ||
		!anyHas(anyStrings(r["warnings"]), "declares no licence; its work works/") {
		t.Errorf("the base model in the report: %s", jsonText(t, r))
	}
	// The component report states what the card says of the base model
	// (nothing); the derivation recorded against the base model's work
	// carries the licence check.
	var anc struct {
		Ancestors []struct{ Derivations []string }
	}
	getJSON(t, inst, "/v1/"+r["product"].(string)+"/ancestors", &anc)
	if len(anc.Ancestors) != 1 || len(anc.Ancestors[0].Derivations) != 1 {
		t.Fatalf("ancestors %+v", anc)
	}
	var d struct {
		SourceLicence string
		Conflict      bool
		Verdict       checkJSON
	}
	getJSON(t, inst, "/v1/"+anc.Ancestors[0].Derivations[0], &d)
	check := d.Verdict
	if d.SourceLicence != "LicenseRef-Llama-3.1" || d.Conflict || check.Verdict != "VERDICT_CONDITIONAL" {
		t.Fatalf("Llama 3.1 fine-tune under the Llama 3.1 licence: %+v", d)
	}
	for _, want := range []string{"copy of the Llama 3.1 Community License Agreement", "Built with Llama", "name beginning with “Llama”",
		"“Notice” text file", "Acceptable Use Policy", "700 million monthly active users"} {
		if !anyHas(check.Conditions, want) {
			t.Errorf("no condition says %q: %q", want, check.Conditions)
		}
	}
	getJSON(t, inst, "/v1/"+r["product"].(string)+":audit", &audit)
	if len(audit.Conflicts) != 0 {
		t.Errorf("audit of the Llama 3.1 fine-tune: %+v", audit)
	}
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func anyHas(xs []string, s string) bool {
	for _, x := range xs {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

func anyStrings(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprint(x)
	}
	return out
}
