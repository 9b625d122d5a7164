package lineageservice_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

const noStrongCopyleft = `id: no-strong-copyleft
deny:
  categories: [strong-copyleft, network-copyleft]
review:
  unknown: true
`

// productSBOM is a CycloneDX SBOM of an MIT product with a GPL-3.0-only
// dependency, a dependency with no licence and an Apache-2.0 one reached
// through it.
const productSBOM = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
 "metadata":{"component":{"bom-ref":"app","type":"application","name":"app","version":"1.0.0","purl":"pkg:npm/app@1.0.0","licenses":[{"license":{"id":"MIT"}}]}},
 "components":[
  {"bom-ref":"gpl","type":"library","name":"gpl-lib","version":"2.1.0","purl":"pkg:npm/gpl-lib@2.1.0","licenses":[{"license":{"id":"GPL-3.0-only"}}]},
  {"bom-ref":"bare","type":"library","name":"bare-lib","version":"0.3.0","purl":"pkg:npm/bare-lib@0.3.0"},
  {"bom-ref":"apache","type":"library","name":"apache-lib","version":"4.0.0","purl":"pkg:npm/apache-lib@4.0.0","licenses":[{"license":{"id":"Apache-2.0"}}]}],
 "dependencies":[{"ref":"app","dependsOn":["gpl","bare"]},{"ref":"bare","dependsOn":["apache"]}]}`

func policyBody(doc string) string {
	b, _ := json.Marshal(map[string]string{"document": doc})
	return string(b)
}

func evaluateSBOM(doc, productLicence string) string {
	b, _ := json.Marshal(map[string]string{"sbom": base64.StdEncoding.EncodeToString([]byte(doc)), "productLicence": productLicence})
	return string(b)
}

// The example policy on the SBOM: denied, naming the GPL
// dependency (denied, with the incompatible verdict behind it) and the
// unlicensed one (needs review), each with its path; nothing imported.
func TestEvaluatePolicyOnSBOM(t *testing.T) {
	s := start(t, apptest.Config(t))
	var p lineagev1.Policy
	s.ok(t, "POST", "/v1/policies", apptest.AliceKey, policyBody(noStrongCopyleft), &p)
	if p.GetName() != "policies/no-strong-copyleft" || p.GetOwner() != "alice" || p.GetRevisionId() != 1 ||
		strings.Join(p.GetRuleIds(), ",") != "review,deny" {
		t.Fatalf("created %v", &p)
	}
	var r lineagev1.EvaluatePolicyResponse
	s.ok(t, "POST", "/v1/policies/no-strong-copyleft:evaluate", apptest.BobKey, evaluateSBOM(productSBOM, ""), &r)
	if r.GetOutcome() != lineagev1.PolicyOutcome_POLICY_OUTCOME_DENY || r.GetSubjectsEvaluated() != 3 || len(r.GetFindings()) != 2 {
		t.Fatalf("evaluation %v", &r)
	}
	gpl, bare := r.GetFindings()[0], r.GetFindings()[1]
	if gpl.GetSubject() != "gpl" || gpl.GetRule() != "deny" || gpl.GetAction() != lineagev1.PolicyAction_POLICY_ACTION_DENY ||
		gpl.GetMatchedLicence() != "GPL-3.0-only" || gpl.GetCheck().GetVerdict() != licencesv1.Verdict_VERDICT_INCOMPATIBLE ||
		strings.Join(gpl.GetPath(), ">") != "app>gpl" || gpl.GetPurl() != "pkg:npm/gpl-lib@2.1.0" {
		t.Errorf("GPL finding %v", gpl)
	}
	if bare.GetSubject() != "bare" || bare.GetRule() != "review" || bare.GetAction() != lineagev1.PolicyAction_POLICY_ACTION_REVIEW || bare.GetLicence() != "" {
		t.Errorf("unlicensed finding %v", bare)
	}
	var works struct{ Works []any }
	if code, raw := s.Do(t, "GET", "/v1/works", "", ""); code != 200 || json.Unmarshal(raw, &works) != nil || len(works.Works) != 0 {
		t.Errorf("the evaluation recorded works: %s", raw)
	}

	// An exemption of the GPL package's version range lifts its finding,
	// which is still reported with the exemption's reason; the unlicensed
	// one still needs review.
	exempt := noStrongCopyleft + `exemptions:
  - purls: [pkg:npm/gpl-lib]
    versions: "vers:npm/>=2.0.0|<3.0.0"
    reason: linked at arm's length through a process boundary
    expires: 2999-01-01
`
	var up lineagev1.Policy
	s.ok(t, "PATCH", "/v1/policies/no-strong-copyleft", apptest.AliceKey,
		fmt.Sprintf(`{"document": %q, "etag": %q}`, exempt, p.GetEtag()), &up)
	if up.GetRevisionId() != 2 {
		t.Fatalf("updated %v", &up)
	}
	s.ok(t, "POST", "/v1/policies/no-strong-copyleft:evaluate", apptest.BobKey, evaluateSBOM(productSBOM, "MIT"), &r)
	if r.GetOutcome() != lineagev1.PolicyOutcome_POLICY_OUTCOME_REVIEW || r.GetRevisionId() != 2 || r.GetFindings()[0].GetExemption() == "" {
		t.Fatalf("evaluation with the exemption %v", &r)
	}
}

// A work's whole ancestry: each work evaluated under the licence its
// derivation took it under, with the derivation path.
func TestEvaluatePolicyOnWork(t *testing.T) {
	s := start(t, apptest.Config(t))
	s.ok(t, "POST", "/v1/policies", apptest.AliceKey, policyBody(noStrongCopyleft), nil)
	app := s.work(t, apptest.AliceKey, "app", "SOFTWARE", "GPL-3.0-only")
	lib := s.work(t, apptest.AliceKey, "lib", "SOFTWARE", "LGPL-2.1-or-later")
	gpl := s.work(t, apptest.AliceKey, "gpl", "SOFTWARE", "GPL-2.0-or-later")
	mit := s.work(t, apptest.AliceKey, "mit", "SOFTWARE", "MIT")
	s.derive(t, apptest.AliceKey, app, lib, "INCLUSION", "")
	s.derive(t, apptest.AliceKey, lib, gpl, "INCLUSION", "?allowConflict=true")
	s.derive(t, apptest.AliceKey, app, mit, "ADAPTATION", "")
	var r lineagev1.EvaluatePolicyResponse
	s.ok(t, "POST", "/v1/policies/no-strong-copyleft:evaluate", apptest.BobKey, `{"work":"works/app"}`, &r)
	if r.GetOutcome() != lineagev1.PolicyOutcome_POLICY_OUTCOME_DENY || r.GetSubjectsEvaluated() != 3 || len(r.GetFindings()) != 1 {
		t.Fatalf("evaluation %v", &r)
	}
	f := r.GetFindings()[0]
	if f.GetWork() != gpl || strings.Join(f.GetPath(), ">") != "works/app>works/lib>works/gpl" || f.GetLicence() != "GPL-2.0-or-later" ||
		f.GetCheck().GetOutbound() != "LGPL-2.1-or-later" || f.GetTitle() != "Gpl work" {
		t.Errorf("finding %v", f)
	}
	s.fails(t, "POST", "/v1/policies/no-strong-copyleft:evaluate", apptest.BobKey, `{"work":"works/nope"}`, http.StatusNotFound, "")
}

// One licence check: the verdict behind the finding is the licences
// service's.
func TestEvaluatePolicyOnCheck(t *testing.T) {
	s := start(t, apptest.Config(t))
	s.ok(t, "POST", "/v1/policies", apptest.AliceKey, policyBody(`id: saas
rules:
  - id: network-copyleft-in-services
    action: deny
    obligations: [network-use]
    uses: [network-service]
  - id: conflicts
    action: deny
    incompatible: true
`), nil)
	var r lineagev1.EvaluatePolicyResponse
	s.ok(t, "POST", "/v1/policies/saas:evaluate", apptest.BobKey, `{"check":{"inbound":"AGPL-3.0-only","use":"USE_NETWORK_SERVICE"}}`, &r)
	if r.GetOutcome() != lineagev1.PolicyOutcome_POLICY_OUTCOME_DENY || r.GetFindings()[0].GetRule() != "network-copyleft-in-services" {
		t.Fatalf("AGPL as a service: %v", &r)
	}
	s.ok(t, "POST", "/v1/policies/saas:evaluate", apptest.BobKey, `{"check":{"inbound":"MIT OR AGPL-3.0-only","use":"USE_NETWORK_SERVICE"}}`, &r)
	if r.GetOutcome() != lineagev1.PolicyOutcome_POLICY_OUTCOME_PASS {
		t.Fatalf("MIT OR AGPL: the MIT choice passes: %v", &r)
	}
	s.ok(t, "POST", "/v1/policies/saas:evaluate", apptest.BobKey, `{"check":{"inbound":"GPL-2.0-only","outbound":"MIT"}}`, &r)
	if f := r.GetFindings(); r.GetOutcome() != lineagev1.PolicyOutcome_POLICY_OUTCOME_DENY || f[0].GetRule() != "conflicts" ||
		f[0].GetCheck().GetVerdict() != licencesv1.Verdict_VERDICT_INCOMPATIBLE || len(f[0].GetCheck().GetReasons()) == 0 {
		t.Fatalf("GPL into MIT: %v", &r)
	}
	s.fails(t, "POST", "/v1/policies/saas:evaluate", apptest.BobKey, `{"check":{"inbound":"MIT AND ("}}`, http.StatusBadRequest, "")
	s.fails(t, "POST", "/v1/policies/saas:evaluate", apptest.BobKey, `{"check":{"inbound":"MIT"},"work":"works/a"}`, http.StatusBadRequest, "")
	s.fails(t, "POST", "/v1/policies/saas:evaluate", apptest.BobKey, `{}`, http.StatusBadRequest, "")
	s.fails(t, "POST", "/v1/policies/nope:evaluate", apptest.BobKey, `{"check":{"inbound":"MIT"}}`, http.StatusNotFound, "")
}

// Owner or admin writes; revisions are kept, newest first; stale etags
// are refused; a policy file that does not read is INVALID_ARGUMENT
// naming the field.
func TestPolicyLifecycle(t *testing.T) {
	s := start(t, apptest.Config(t))
	var p lineagev1.Policy
	s.ok(t, "POST", "/v1/policies", apptest.AliceKey, policyBody(noStrongCopyleft), &p)
	s.fails(t, "POST", "/v1/policies", apptest.BobKey, policyBody(noStrongCopyleft), http.StatusConflict, "")
	s.fails(t, "POST", "/v1/policies", "", policyBody(noStrongCopyleft), http.StatusUnauthorized, "")
	e := s.fails(t, "POST", "/v1/policies", apptest.AliceKey, policyBody("id: x\ndeny:\n  categories: [free-ish]\n"), http.StatusBadRequest, "")
	if !strings.Contains(e.Message, "policy.document.deny.categories[0]") {
		t.Errorf("error does not name the field: %q", e.Message)
	}
	s.fails(t, "POST", "/v1/policies?policyId=other", apptest.AliceKey, policyBody(noStrongCopyleft), http.StatusBadRequest, "")

	updated := strings.Replace(noStrongCopyleft, "review:", "title: Nothing strongly copyleft\nreview:", 1)
	s.fails(t, "PATCH", "/v1/policies/no-strong-copyleft", apptest.BobKey, policyBody(updated), http.StatusForbidden, "")
	s.fails(t, "PATCH", "/v1/policies/no-strong-copyleft", apptest.AliceKey, fmt.Sprintf(`{"document": %q, "etag": "stale"}`, updated), http.StatusConflict, "")
	s.fails(t, "PATCH", "/v1/policies/no-strong-copyleft", apptest.AliceKey, policyBody(strings.Replace(updated, "id: no-strong-copyleft", "id: renamed", 1)), http.StatusBadRequest, "")
	var up lineagev1.Policy
	s.ok(t, "PATCH", "/v1/policies/no-strong-copyleft", apptest.RootKey, policyBody(updated), &up)
	if up.GetRevisionId() != 2 || up.GetTitle() != "Nothing strongly copyleft" || up.GetOwner() != "alice" || up.GetEtag() == p.GetEtag() {
		t.Fatalf("updated %v", &up)
	}
	var revs lineagev1.ListPolicyRevisionsResponse
	s.ok(t, "GET", "/v1/policies/no-strong-copyleft:listRevisions?pageSize=1", "", "", &revs)
	if len(revs.GetRevisions()) != 1 || revs.GetRevisions()[0].GetName() != "policies/no-strong-copyleft@2" ||
		revs.GetRevisions()[0].GetAuthor() != "root" || revs.GetNextPageToken() == "" {
		t.Fatalf("revisions %v", &revs)
	}
	s.ok(t, "GET", "/v1/policies/no-strong-copyleft:listRevisions?pageToken="+revs.GetNextPageToken()+"&pageSize=1", "", "", &revs)
	if len(revs.GetRevisions()) != 1 || revs.GetRevisions()[0].GetDocument() != noStrongCopyleft || revs.GetNextPageToken() != "" {
		t.Fatalf("second page %v", &revs)
	}
	s.ok(t, "POST", "/v1/policies", apptest.BobKey, policyBody("id: bobs\nreview:\n  unknown: true\n"), nil)
	var list lineagev1.ListPoliciesResponse
	s.ok(t, "GET", "/v1/policies", "", "", &list)
	if len(list.GetPolicies()) != 2 || list.GetPolicies()[0].GetName() != "policies/bobs" {
		t.Fatalf("list %v", &list)
	}
	s.fails(t, "DELETE", "/v1/policies/no-strong-copyleft", apptest.BobKey, "", http.StatusForbidden, "")
	s.ok(t, "DELETE", "/v1/policies/no-strong-copyleft", apptest.AliceKey, "", nil)
	s.fails(t, "GET", "/v1/policies/no-strong-copyleft", "", "", http.StatusNotFound, "")
	s.fails(t, "GET", "/v1/policies/no-strong-copyleft:listRevisions", "", "", http.StatusNotFound, "")
	s.fails(t, "GET", "/v1/policies/Bad_Id", "", "", http.StatusBadRequest, "")
}
