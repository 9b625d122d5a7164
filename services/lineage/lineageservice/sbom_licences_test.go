package lineageservice_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/api/httpbody"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/licences/spdx"
)

// licenceCDX states its components' licences every way SBOM tools do: a
// licence's name, a URL, an expression typed into the name field, and a
// name no licence has.
const licenceCDX = `{"bomFormat":"CycloneDX","specVersion":"1.6",
 "metadata":{"component":{"type":"application","name":"lic-app","version":"1.0","bom-ref":"app","purl":"pkg:npm/lic-app@1.0",
   "licenses":[{"license":{"id":"Apache-2.0"}}]}},
 "components":[
  {"type":"library","name":"lic-lgpl","version":"1","bom-ref":"lgpl","purl":"pkg:npm/lic-lgpl@1",
   "licenses":[{"license":{"name":"GNU Lesser General Public License"}}]},
  {"type":"library","name":"lic-url","version":"1","bom-ref":"url","purl":"pkg:npm/lic-url@1",
   "licenses":[{"license":{"name":"see link","url":"https://opensource.org/licenses/MIT"}}]},
  {"type":"library","name":"lic-expr","version":"1","bom-ref":"expr","purl":"pkg:npm/lic-expr@1",
   "licenses":[{"license":{"name":"(MIT OR Apache-2.0)"}}]},
  {"type":"library","name":"lic-odd","version":"1","bom-ref":"odd","purl":"pkg:npm/lic-odd@1",
   "licenses":[{"license":{"name":"Frobozz Magic Licence"}}]}
 ],
 "dependencies":[{"ref":"app","dependsOn":["lgpl","url","expr","odd"]}]}`

// licenceSPDX uses a LicenseRef- whose extracted licence is the MIT text,
// beside one that is the document's own terms.
var licenceSPDX = `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"d","documentNamespace":"https://example.org/lic",
 "documentDescribes":["SPDXRef-app"],
 "packages":[
  {"SPDXID":"SPDXRef-app","name":"lic-spdx-app","versionInfo":"1","downloadLocation":"NOASSERTION","licenseDeclared":"Apache-2.0",
   "externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/lic-spdx-app@1"}]},
  {"SPDXID":"SPDXRef-mitref","name":"lic-mitref","versionInfo":"1","downloadLocation":"NOASSERTION","licenseConcluded":"LicenseRef-ours",
   "externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/lic-mitref@1"}]},
  {"SPDXID":"SPDXRef-eula","name":"lic-eula","versionInfo":"1","downloadLocation":"NOASSERTION","licenseConcluded":"LicenseRef-eula",
   "externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/lic-eula@1"}]}
 ],
 "relationships":[
  {"spdxElementId":"SPDXRef-app","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-mitref"},
  {"spdxElementId":"SPDXRef-app","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-eula"}
 ],
 "hasExtractedLicensingInfos":[
  {"licenseId":"LicenseRef-ours","name":"Project licence","extractedText":` + strconv.Quote(mitText) + `},
  {"licenseId":"LicenseRef-eula","name":"Frobozz EULA","extractedText":"All rights reserved."}
 ]}`

// An import resolves names, URLs, expressions in name fields and the
// document's own LicenseRef-s to SPDX licences; the works it creates record
// every statement word for word with how it was resolved; a statement
// nothing resolves is kept as a LicenseRef- and named in a warning.
func TestImportSbomResolvesLicences(t *testing.T) {
	s := start(t, apptest.Config(t))
	type want struct {
		licence   string
		statement string
		method    string
		expr      string // the statement's expression; "" for none
	}
	check := func(doc string, wants map[string]want) *lineagev1.ImportSbomResponse {
		t.Helper()
		rep, err := s.lineage.ImportSbom(alice, &lineagev1.ImportSbomRequest{
			Sbom: &httpbody.HttpBody{ContentType: "application/json", Data: []byte(doc)}, AllowConflict: true})
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, c := range rep.GetComponents() {
			w, ok := wants[c.GetName()]
			if !ok {
				continue
			}
			seen++
			ds := c.GetDeclaredLicences()
			if c.GetLicence() != w.licence || len(ds) != 1 || ds[0].GetStatement() != w.statement || ds[0].GetMethod() != w.method ||
				ds[0].GetExpression() != w.expr {
				t.Errorf("%s: licence %q, declared %v; want %q from %q by %s", c.GetName(), c.GetLicence(), ds, w.licence, w.statement, w.method)
				continue
			}
			// The work the import created records the same.
			work, err := s.catalog.GetWork(alice, &catalogv1.GetWorkRequest{Name: c.GetWork()})
			if err != nil {
				t.Fatal(err)
			}
			wd := work.GetDeclaredLicences()
			if work.GetLicence() != w.licence || len(wd) != 1 || wd[0].GetStatement() != w.statement || wd[0].GetMethod() != w.method ||
				wd[0].GetExpression() != w.expr || wd[0].GetConfidence() != ds[0].GetConfidence() {
				t.Errorf("work %s: licence %q, declared %v; want %q and %v", c.GetWork(), work.GetLicence(), wd, w.licence, ds)
			}
			if w.method != "none" && (ds[0].GetConfidence() <= 0 || ds[0].GetConfidence() > 1) {
				t.Errorf("%s: confidence %v", c.GetName(), ds[0].GetConfidence())
			}
		}
		if seen != len(wants) {
			t.Errorf("%d of the %d components in the report", seen, len(wants))
		}
		return rep
	}
	rep := check(licenceCDX, map[string]want{
		"lic-lgpl": {"LGPL-2.1-or-later", "GNU Lesser General Public License", "alias", "LGPL-2.1-or-later"},
		"lic-url":  {"MIT", "https://opensource.org/licenses/MIT", "url", "MIT"},
		"lic-expr": {"MIT OR Apache-2.0", "(MIT OR Apache-2.0)", "expression", "MIT OR Apache-2.0"},
		"lic-odd":  {"LicenseRef-Frobozz-Magic-Licence", "Frobozz Magic Licence", "none", ""},
	})
	if !slices.ContainsFunc(rep.GetWarnings(), func(w string) bool {
		return strings.Contains(w, `"Frobozz Magic Licence"`) && strings.Contains(w, "lic-odd") && strings.Contains(w, "curated")
	}) {
		t.Errorf("no warning naming the unresolved licence for curation: %q", rep.GetWarnings())
	}
	if !slices.Contains(rep.GetUnknownLicences(), "lic-odd@1 (LicenseRef-Frobozz-Magic-Licence)") {
		t.Errorf("unknown licences %q", rep.GetUnknownLicences())
	}
	rep = check(licenceSPDX, map[string]want{
		"lic-mitref": {"MIT", "LicenseRef-ours", "text", "MIT"},
		"lic-eula":   {"LicenseRef-eula", "LicenseRef-eula", "expression", "LicenseRef-eula"},
	})
	for _, want := range []string{`LicenseRef-ours, the document's own licence "Project licence", is read as MIT: its text identifies it`,
		`LicenseRef-eula, the document's own licence "Frobozz EULA", matches no listed licence`} {
		if !slices.ContainsFunc(rep.GetWarnings(), func(w string) bool { return strings.Contains(w, want) }) {
			t.Errorf("no warning %q in %q", want, rep.GetWarnings())
		}
	}

	// A work holds at most 32 statements: the rest are in no record, and a
	// warning says so; the licence is still every statement's.
	var ids []string
	for _, l := range spdx.Default().Licences() {
		if !l.Deprecated && !strings.Contains(l.ID, "GPL") && len(ids) < 40 {
			ids = append(ids, fmt.Sprintf(`{"license":{"id":%q}}`, l.ID))
		}
	}
	many, err := s.lineage.ImportSbom(alice, &lineagev1.ImportSbomRequest{ProductLicence: "Apache-2.0", AllowConflict: true,
		Sbom: &httpbody.HttpBody{Data: []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"application",
		"name":"lic-many","version":"1","bom-ref":"app","purl":"pkg:npm/lic-many@1","licenses":[` + strings.Join(ids, ",") + `]}}}`)}})
	if err != nil {
		t.Fatal(err)
	}
	work, err := s.catalog.GetWork(alice, &catalogv1.GetWorkRequest{Name: many.GetProduct()})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(work.GetDeclaredLicences()); n != 32 || strings.Count(work.GetLicence(), " AND ") != 39 ||
		!slices.ContainsFunc(many.GetWarnings(), func(w string) bool {
			return strings.Contains(w, "40 licence statements; the work records the first 32")
		}) {
		t.Errorf("40 statements: the work records %d, licence %q, warnings %q", n, work.GetLicence(), many.GetWarnings())
	}
	// A statement longer than a licence field is recorded clipped.
	long, err := s.lineage.ImportSbom(alice, &lineagev1.ImportSbomRequest{ProductLicence: "Apache-2.0",
		Sbom: &httpbody.HttpBody{Data: []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"application",
		"name":"lic-long","version":"1","bom-ref":"app","purl":"pkg:npm/lic-long@1","licenses":[{"license":{"name":"` +
			strings.Repeat("Frobozz ", 300) + `"}}]}}}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if work, err = s.catalog.GetWork(alice, &catalogv1.GetWorkRequest{Name: long.GetProduct()}); err != nil {
		t.Fatal(err)
	}
	if d := work.GetDeclaredLicences(); len(d) != 1 || len(d[0].GetStatement()) > 2048 || len(d[0].GetStatement()) < 2040 || !strings.HasPrefix(work.GetLicence(), "LicenseRef-Frobozz-") ||
		!slices.ContainsFunc(long.GetWarnings(), func(w string) bool { return strings.Contains(w, "2399 characters is recorded clipped to 2048") }) {
		t.Errorf("a long statement: declared %v, licence %q, warnings %q", d, work.GetLicence(), long.GetWarnings())
	}
}

// mitText is the MIT licence as a project's LICENSE file has it, shared
// with the identify package's tests.
var mitText = func() string {
	b, err := os.ReadFile("../../licences/identify/testdata/MIT-LICENSE.txt")
	if err != nil {
		panic(err)
	}
	return string(b)
}()
