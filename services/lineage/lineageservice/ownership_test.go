package lineageservice_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/api/httpbody"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

const eveKey = "key-eve-000005"

// sbomDoc is a CycloneDX document: a product and its direct dependencies,
// each "name@version licence".
func sbomDoc(product string, deps ...string) []byte {
	comp := func(ref, spec string) string {
		nv, licence, _ := strings.Cut(spec, " ")
		name, version, _ := strings.Cut(nv, "@")
		return fmt.Sprintf(`{"type":"library","bom-ref":%q,"name":%q,"version":%q,"purl":"pkg:npm/%s@%s","licenses":[{"license":{"id":%q}}]}`,
			ref, name, version, name, version, licence)
	}
	var comps, refs []string
	for i, d := range deps {
		comps = append(comps, comp(fmt.Sprint("d", i), d))
		refs = append(refs, fmt.Sprintf("%q", fmt.Sprint("d", i)))
	}
	return []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":` + comp("p", product) + `},
		"components":[` + strings.Join(comps, ",") + `],"dependencies":[{"ref":"p","dependsOn":[` + strings.Join(refs, ",") + `]}]}`)
}

// registered registers a work carrying a purl and returns its name.
func (s *suite) registered(t *testing.T, key, spec string) string {
	t.Helper()
	nv, licence, _ := strings.Cut(spec, " ")
	name, version, _ := strings.Cut(nv, "@")
	body, _ := json.Marshal(map[string]any{"kind": "WORK_KIND_SOFTWARE", "title": name, "version": version, "licence": licence,
		"identifiers": []map[string]string{{"type": "purl", "value": "pkg:npm/" + name + "@" + version}}})
	var w catalogv1.Work
	s.ok(t, "POST", "/v1/works", key, string(body), &w)
	return w.GetName()
}

// untouched fails if a work has a derivation, a lien or a conflict in its
// audit.
func (s *suite) untouched(t *testing.T, work string) {
	t.Helper()
	var ds lineagev1.ListDerivationsResponse
	s.ok(t, "GET", "/v1/derivations?derivative="+work, "", "", &ds)
	var liens catalogv1.ListLiensResponse
	s.ok(t, "GET", "/v1/"+work+"/liens", apptest.RootKey, "", &liens)
	var audit lineagev1.AuditWorkResponse
	s.ok(t, "GET", "/v1/"+work+":audit", "", "", &audit)
	if len(ds.GetDerivations()) != 0 || len(liens.GetLiens()) != 0 || len(audit.GetConflicts()) != 0 {
		t.Errorf("%s: %d derivations, %d liens, %d conflicts; want none", work, len(ds.GetDerivations()),
			len(liens.GetLiens()), len(audit.GetConflicts()))
	}
}

// Bob imports an SBOM whose product is the purl and version of Alice's
// work, with a GPL dependency and allowConflict. Alice's work gets no
// derivation, no lien and no conflict in its audit; the import registers
// Bob's own work for the product and says why. Over REST and gRPC.
func TestImportSbomDoesNotWriteOnAnothersProduct(t *testing.T) {
	s := start(t, apptest.Config(t))
	imports := map[string]func(doc []byte) *lineagev1.ImportSbomResponse{
		"REST": func(doc []byte) *lineagev1.ImportSbomResponse {
			var r lineagev1.ImportSbomResponse
			s.ok(t, "POST", "/v1/sboms:import?allowConflict=true", apptest.BobKey, string(doc), &r)
			return &r
		},
		"gRPC": func(doc []byte) *lineagev1.ImportSbomResponse {
			r, err := s.lineage.ImportSbom(bob, &lineagev1.ImportSbomRequest{
				Sbom: &httpbody.HttpBody{ContentType: "application/json", Data: doc}, AllowConflict: true})
			if err != nil {
				t.Fatal(err)
			}
			return r
		},
	}
	for via, importSbom := range imports {
		t.Run(via, func(t *testing.T) {
			product := strings.ToLower(via) + "-app@1.0.0 MIT"
			alices := s.registered(t, apptest.AliceKey, product)
			r := importSbom(sbomDoc(product, strings.ToLower(via)+"-gpl@2.0.0 GPL-3.0-only"))
			if r.GetProduct() == alices || r.GetDerivationsCreated() != 1 || len(r.GetConflicts()) != 1 {
				t.Errorf("product %s (Alice's is %s), %d derivations created, %d conflicts; want Bob's own product, 1, 1",
					r.GetProduct(), alices, r.GetDerivationsCreated(), len(r.GetConflicts()))
			}
			if !strings.Contains(strings.Join(r.GetWarnings(), "\n"), "alice's "+alices) {
				t.Errorf("the warnings do not say why %s was not matched: %q", alices, r.GetWarnings())
			}
			s.untouched(t, alices)
			var w catalogv1.Work
			s.ok(t, "GET", "/v1/"+r.GetProduct(), "", "", &w)
			if w.GetOwner() != "bob" {
				t.Errorf("the imported product is %s's; want bob's", w.GetOwner())
			}
		})
	}
}

// Eve registers lodash under the GPL. Bob's SBOM says lodash is MIT, in an
// MIT product: neither his report nor his product's audit shows a conflict
// from Eve's record, and the report says her record was not used. A record
// that agrees with the document (Alice's left-pad) is matched, and named.
func TestImportSbomIgnoresSquattedIdentifiers(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.APIKeys += ",eve=" + eveKey
	s := start(t, cfg)
	eves := s.registered(t, eveKey, "lodash@4.17.21 GPL-3.0-only")
	alices := s.registered(t, apptest.AliceKey, "left-pad@1.3.0 MIT")
	var r lineagev1.ImportSbomResponse
	s.ok(t, "POST", "/v1/sboms:import", apptest.BobKey, string(sbomDoc("bobs-app@1.0.0 MIT", "lodash@4.17.21 MIT", "left-pad@1.3.0 MIT")), &r)
	warnings := strings.Join(r.GetWarnings(), "\n")
	if len(r.GetConflicts()) != 0 || r.GetDerivationsCreated() != 2 {
		t.Errorf("%d conflicts, %d derivations created; want 0, 2", len(r.GetConflicts()), r.GetDerivationsCreated())
	}
	works := map[string]string{}
	for _, c := range r.GetComponents() {
		works[c.GetName()] = c.GetWork()
	}
	if works["lodash"] == eves || works["left-pad"] != alices {
		t.Errorf("lodash is %s (Eve's is %s), left-pad %s (Alice's is %s); want Bob's own lodash and Alice's left-pad",
			works["lodash"], eves, works["left-pad"], alices)
	}
	if !strings.Contains(warnings, "eve's "+eves) || !strings.Contains(warnings, "alice's "+alices) {
		t.Errorf("the warnings do not name Eve's unused record and Alice's matched one: %q", r.GetWarnings())
	}
	var audit lineagev1.AuditWorkResponse
	s.ok(t, "GET", "/v1/"+r.GetProduct()+":audit", "", "", &audit)
	if len(audit.GetConflicts()) != 0 {
		t.Errorf("Bob's audit shows %d conflicts; want none", len(audit.GetConflicts()))
	}
	s.untouched(t, eves)
}

// An admin force-deletes a work that a derivation names; the derivation
// stays in the lineage store. Nobody may register a new work with that id
// and so inherit it; other ids are unaffected.
func TestForceDeletedIDIsNotGivenAgain(t *testing.T) {
	s := start(t, apptest.Config(t))
	src := s.work(t, apptest.AliceKey, "forced", "TEXT", "MIT")
	dst := s.work(t, apptest.AliceKey, "keeper", "TEXT", "MIT")
	s.derive(t, apptest.AliceKey, dst, src, "ADAPTATION", "")
	s.ok(t, "DELETE", "/v1/"+src+"?force=true", apptest.RootKey, "", nil)
	body := `{"kind":"WORK_KIND_TEXT","title":"Impostor","licence":"GPL-3.0-only"}`
	s.fails(t, "POST", "/v1/works?workId=forced", apptest.BobKey, body, http.StatusConflict, "")
	s.fails(t, "POST", "/v1/works:batchCreate", apptest.BobKey, `{"requests":[{"workId":"forced","work":`+body+`}]}`, http.StatusConflict, "")
	// A work deleted without liens leaves nothing behind: its id is free.
	s.work(t, apptest.AliceKey, "plain", "TEXT", "MIT")
	s.ok(t, "DELETE", "/v1/works/plain", apptest.AliceKey, "", nil)
	s.work(t, apptest.AliceKey, "plain", "TEXT", "MIT")
}

// handled is how many calls of a catalog method the process has answered
// OK, read from /metrics.
func (s *suite) handled(t *testing.T, method string) int {
	t.Helper()
	_, body := s.Do(t, "GET", "/metrics", "", "")
	prefix := `grpc_server_handled_total{grpc_code="OK",grpc_method="` + method + `",grpc_service="stemma.catalog.v1.CatalogService",grpc_type="unary"} `
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			var n int
			fmt.Sscan(v, &n)
			return n
		}
	}
	return 0
}

// An import of forty dependencies places its eighty liens in batches of
// the configured bound, not one call per lien.
func TestImportSbomPlacesLiensInBatches(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.MaxBatchSize = 50
	s := start(t, cfg)
	var deps []string
	for i := range 40 {
		deps = append(deps, fmt.Sprintf("batched-%d@1.0.0 MIT", i))
	}
	single, batched := s.handled(t, "CreateLien"), s.handled(t, "BatchCreateLiens")
	var r lineagev1.ImportSbomResponse
	s.ok(t, "POST", "/v1/sboms:import", apptest.BobKey, string(sbomDoc("batched-app@1.0.0 MIT", deps...)), &r)
	single, batched = s.handled(t, "CreateLien")-single, s.handled(t, "BatchCreateLiens")-batched
	if r.GetDerivationsCreated() != 40 || single != 0 || batched != 2 {
		t.Errorf("%d derivations with %d CreateLien and %d BatchCreateLiens calls; want 40 with 0 and 2", r.GetDerivationsCreated(), single, batched)
	}
	var liens catalogv1.ListLiensResponse
	s.ok(t, "GET", "/v1/"+r.GetProduct()+"/liens?pageSize=100", "", "", &liens)
	if len(liens.GetLiens()) != 40 {
		t.Errorf("the product has %d liens; want 40", len(liens.GetLiens()))
	}
}
