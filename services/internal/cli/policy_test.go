package cli

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

const examplePolicy = `id: no-strong-copyleft
deny:
  categories: [strong-copyleft, network-copyleft]
review:
  unknown: true
`

// exampleSBOM: an MIT product with a GPL-3.0-only dependency and one
// with no licence.
const exampleSBOM = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
 "metadata":{"component":{"bom-ref":"app","type":"application","name":"app","version":"1.0.0","licenses":[{"license":{"id":"MIT"}}]}},
 "components":[
  {"bom-ref":"gpl","type":"library","name":"gpl-lib","version":"2.1.0","purl":"pkg:npm/gpl-lib@2.1.0","licenses":[{"license":{"id":"GPL-3.0-only"}}]},
  {"bom-ref":"bare","type":"library","name":"bare-lib","version":"0.3.0","purl":"pkg:npm/bare-lib@0.3.0"}],
 "dependencies":[{"ref":"app","dependsOn":["gpl","bare"]}]}`

// The "done when": the example policy on the example SBOM exits 1
// naming both dependencies, in every format, over REST and gRPC; the
// SARIF is 2.1.0 with a rule per fired rule and a located result per
// finding; the JUnit XML has a failing case per finding.
func TestPolicyApplyAndCheck(t *testing.T) {
	dir := t.TempDir()
	policyFile, sbomFile := filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "bom.json")
	for f, s := range map[string]string{policyFile: examplePolicy, sbomFile: exampleSBOM} {
		if err := os.WriteFile(f, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
	for transport, server := range servers(t) {
		t.Run(transport, func(t *testing.T) {
			// Both transports reach one server: the second apply of each is
			// an update, a new revision.
			stemma(t, "policy", "apply", policyFile, "--server", server).want(t, 0, "policies/no-strong-copyleft", "OWNER     alice")
			stemma(t, "policy", "apply", policyFile, "--server", server).want(t, 0, "RULES     review, deny")
			check := func(format string) result {
				return stemma(t, "policy", "check", "no-strong-copyleft", sbomFile, "--product-licence", "MIT", "--format", format, "--server", server)
			}
			check("table").want(t, 1, "deny", "gpl-lib@2.1.0", "GPL-3.0-only", "incompatible", "review", "bare-lib@0.3.0", "app > gpl")

			r := check("json")
			r.want(t, 1, `"POLICY_OUTCOME_DENY"`)
			if fs, _ := r.json(t)["findings"].([]any); len(fs) != 2 {
				t.Errorf("json: %d findings, want 2", len(fs))
			}

			r = check("sarif")
			r.want(t, 1)
			validSARIF(t, r.stdout)
			var log struct {
				Version string `json:"version"`
				Runs    []struct {
					Tool struct {
						Driver struct {
							Name  string
							Rules []struct{ ID string }
						}
					}
					Results []struct {
						RuleID    string
						RuleIndex int
						Level     string
						Message   struct{ Text string }
						Locations []struct {
							PhysicalLocation struct{ ArtifactLocation struct{ URI string } }
						}
					}
				}
			}
			if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
				t.Fatalf("sarif: %v\n%s", err, r.stdout)
			}
			if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != 2 || len(log.Runs[0].Tool.Driver.Rules) != 2 {
				t.Fatalf("sarif: %s", r.stdout)
			}
			for _, res := range log.Runs[0].Results {
				if log.Runs[0].Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID || res.Locations[0].PhysicalLocation.ArtifactLocation.URI != sbomFile {
					t.Errorf("sarif result %+v", res)
				}
			}
			if l := log.Runs[0].Results; l[0].Level != "error" || l[1].Level != "warning" || !strings.Contains(l[0].Message.Text, "gpl-lib") {
				t.Errorf("sarif results %+v", l)
			}

			r = check("junit")
			r.want(t, 1)
			var suites struct {
				Tests    int `xml:"tests,attr"`
				Failures int `xml:"failures,attr"`
				Suites   []struct {
					Cases []struct {
						Name    string `xml:"name,attr"`
						Failure *struct {
							Type string `xml:"type,attr"`
						} `xml:"failure"`
					} `xml:"testcase"`
				} `xml:"testsuite"`
			}
			if err := xml.Unmarshal([]byte(r.stdout), &suites); err != nil {
				t.Fatalf("junit: %v\n%s", err, r.stdout)
			}
			if suites.Tests != 2 || suites.Failures != 2 || suites.Suites[0].Cases[0].Failure.Type != "deny" || suites.Suites[0].Cases[1].Failure.Type != "review" {
				t.Errorf("junit: %s", r.stdout)
			}

			stemma(t, "policy", "check", "no-strong-copyleft", "--work", "works/nope", "--server", server).want(t, 2, "not found")
			stemma(t, "policy", "check", "no-strong-copyleft", "--server", server).want(t, 2, "want a policy and an SBOM")
			stemma(t, "policy", "check", "no-strong-copyleft", sbomFile, "--format", "xml", "--server", server).want(t, 2, "--format")
		})
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("id: x\ndenny: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stemma(t, "policy", "apply", bad).want(t, 2, "denny")
}

// A work whose ancestry the policy allows passes with exit 0, and its
// JUnit report holds one passing case.
func TestPolicyCheckWorkPasses(t *testing.T) {
	s := apptest.Start(t, apptest.Config(t))
	t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policyFile, []byte(examplePolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	server := s.BaseURL()
	stemma(t, "policy", "apply", policyFile, "--server", server).want(t, 0)
	app := stemma(t, "works", "create", "--title", "App", "--kind", "software", "--licence", "Apache-2.0", "--output", "json", "--server", server)
	app.want(t, 0)
	lib := stemma(t, "works", "create", "--title", "Lib", "--kind", "software", "--licence", "MIT", "--output", "json", "--server", server)
	lib.want(t, 0)
	appName, libName := app.json(t)["name"].(string), lib.json(t)["name"].(string)
	stemma(t, "derive", appName, libName, "--relation", "inclusion", "--server", server).want(t, 0)
	r := stemma(t, "policy", "check", "no-strong-copyleft", "--work", appName, "--format", "junit", "--server", server)
	r.want(t, 0, `tests="1" failures="0"`, "1 subjects pass")
	r = stemma(t, "policy", "check", "no-strong-copyleft", "--work", appName, "--format", "sarif", "--server", server)
	r.want(t, 0, `"results": []`)
	validSARIF(t, r.stdout)
}

func TestPolicyShowListRevisionsDelete(t *testing.T) {
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policyFile, []byte(examplePolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
	for transport, server := range servers(t) {
		t.Run(transport, func(t *testing.T) {
			stemma(t, "policy", "apply", policyFile, "--server", server).want(t, 0, "policies/no-strong-copyleft")
			stemma(t, "policy", "apply", policyFile, "--server", server).want(t, 0, "REVISION  2")
			stemma(t, "policy", "show", "no-strong-copyleft", "--server", server).want(t, 0, "REVISION  2", "id: no-strong-copyleft")
			stemma(t, "policy", "list", "--server", server).want(t, 0, "policies/no-strong-copyleft")
			stemma(t, "policy", "revisions", "no-strong-copyleft", "--server", server).want(t, 0, "policies/no-strong-copyleft@2", "policies/no-strong-copyleft@1")
			stemma(t, "policy", "delete", "no-strong-copyleft", "--server", server).want(t, 0, "deleted policies/no-strong-copyleft")
			stemma(t, "policy", "show", "no-strong-copyleft", "--server", server).want(t, 2)
		})
	}
}
