package lineageservice_test

import (
	"encoding/json"
	"strings"
	"testing"

	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

func curationBody(fields map[string]any) string {
	b, _ := json.Marshal(fields)
	return string(b)
}

// bareToMIT is a curation of the unlicensed package of productSBOM, over
// the versions before 1.0.0, to MIT.
var bareToMIT = curationBody(map[string]any{
	"purl": "pkg:npm/bare-lib", "versions": "vers:npm/<1.0.0", "licence": "MIT",
	"evidence": map[string]string{"url": "https://github.com/example/bare-lib/blob/v0.3.0/LICENSE", "note": "LICENSE file, MIT text"},
})

// The "done when": the example policy on the SBOM names
// the GPL dependency (denied) and the unlicensed one (review); once a
// curation of the unlicensed one (by purl) to MIT is accepted, only the
// GPL finding remains, and what the curation changed is said.
func TestAcceptedCurationOverridesDeclaredLicence(t *testing.T) {
	s := start(t, apptest.Config(t))
	s.ok(t, "POST", "/v1/policies", apptest.AliceKey, policyBody(noStrongCopyleft), nil)
	evaluate := func() *lineagev1.EvaluatePolicyResponse {
		var r lineagev1.EvaluatePolicyResponse
		s.ok(t, "POST", "/v1/policies/no-strong-copyleft:evaluate", apptest.AliceKey, evaluateSBOM(productSBOM, ""), &r)
		return &r
	}
	if r := evaluate(); r.GetOutcome() != lineagev1.PolicyOutcome_POLICY_OUTCOME_DENY || len(r.GetFindings()) != 2 {
		t.Fatalf("before any curation: %v", r)
	}

	var c lineagev1.Curation
	s.ok(t, "POST", "/v1/curations", apptest.AliceKey, bareToMIT, &c)
	if !strings.HasPrefix(c.GetName(), "curations/") || c.GetState() != lineagev1.CurationState_CURATION_STATE_PROPOSED ||
		c.GetProposer() != "alice" || c.GetLicence() != "MIT" || len(c.GetHistory()) != 1 {
		t.Fatalf("proposed %v", &c)
	}
	// A proposal changes nothing.
	if r := evaluate(); len(r.GetFindings()) != 2 {
		t.Fatalf("with a proposed curation: %v", r)
	}
	// Alice holds a key but reviews nothing; the reviewer Bob may.
	s.fails(t, "POST", "/v1/"+c.GetName()+":accept", apptest.AliceKey, `{}`, 403, "PERMISSION_DENIED")
	s.ok(t, "POST", "/v1/"+c.GetName()+":accept", apptest.BobKey, `{"note": "the LICENSE file is MIT"}`, &c)
	if c.GetState() != lineagev1.CurationState_CURATION_STATE_ACCEPTED || c.GetReviewer() != "bob" || len(c.GetHistory()) != 2 ||
		c.GetHistory()[1].GetActor() != "bob" || c.GetHistory()[1].GetNote() != "the LICENSE file is MIT" {
		t.Fatalf("accepted %v", &c)
	}

	r := evaluate()
	if r.GetOutcome() != lineagev1.PolicyOutcome_POLICY_OUTCOME_DENY || len(r.GetFindings()) != 1 || r.GetFindings()[0].GetSubject() != "gpl" {
		t.Fatalf("with the accepted curation: %v", r)
	}
	if f := r.GetFindings()[0]; f.GetCuration() != "" || f.GetDeclaredLicence() != "" {
		t.Errorf("the GPL finding says a curation touched it: %v", f)
	}

	// The import report says which licence is declared and which curated.
	var im lineagev1.ImportSbomResponse
	s.ok(t, "POST", "/v1/sboms:import?validateOnly=true", apptest.AliceKey, productSBOM, &im)
	for _, cr := range im.GetComponents() {
		want := ""
		if cr.GetRef() == "bare" {
			want = c.GetName()
			if cr.GetLicence() != "MIT" || cr.GetDeclaredLicence() != "" {
				t.Errorf("curated component %v", cr)
			}
		}
		if cr.GetCuration() != want {
			t.Errorf("component %s: curation %q, want %q", cr.GetRef(), cr.GetCuration(), want)
		}
	}

	// The SBOM's NOTICE takes the curated licence too, and says so.
	var n lineagev1.Notice
	s.ok(t, "POST", "/v1/sboms:buildNotice", apptest.AliceKey, productSBOM, &n)
	for _, e := range n.GetEntries() {
		if e.GetWork() == "bare" && (e.GetLicence() != "MIT" || e.GetCuration() != c.GetName()) {
			t.Errorf("notice entry %v", e)
		}
	}
	if !strings.Contains(n.GetText(), "Curated by "+c.GetName()+"; declared licence: none") {
		t.Errorf("the SBOM's notice does not name the curation:\n%s", n.GetText())
	}

	// A curation that makes the unlicensed package GPL is said in the
	// finding it causes: declared none, curated GPL.
	var gpl lineagev1.Curation
	s.ok(t, "POST", "/v1/curations", apptest.AliceKey, curationBody(map[string]any{
		"purl": "pkg:npm/bare-lib@0.3.0", "licence": "GPL-3.0-only", "evidence": map[string]string{"url": "https://example.com/bare"},
	}), &gpl)
	s.ok(t, "POST", "/v1/"+gpl.GetName()+":accept", apptest.RootKey, `{}`, nil)
	r = evaluate()
	if len(r.GetFindings()) != 2 {
		t.Fatalf("with the GPL curation: %v", r)
	}
	bare := r.GetFindings()[1]
	if bare.GetSubject() != "bare" || bare.GetCuration() != gpl.GetName() || bare.GetLicence() != "GPL-3.0-only" ||
		!strings.HasPrefix(bare.GetReason(), "declared no licence, curated GPL-3.0-only ("+gpl.GetName()+")") {
		t.Errorf("curated finding %v", bare)
	}
	// Rejecting it restores the MIT curation's answer.
	s.ok(t, "POST", "/v1/"+gpl.GetName()+":reject", apptest.BobKey, `{}`, nil)
	if r := evaluate(); len(r.GetFindings()) != 1 {
		t.Errorf("after the rejection: %v", r)
	}
}

// Who may review, which moves are allowed, what is refused, and listing by
// filter.
func TestCurationReview(t *testing.T) {
	s := start(t, apptest.Config(t))
	for _, bad := range []struct {
		body, field string
	}{
		{`{}`, "curation.purl"},
		{curationBody(map[string]any{"purl": "npm/x", "licence": "MIT", "evidence": map[string]string{"url": "https://e.com"}}), "curation.purl"},
		{curationBody(map[string]any{"purl": "pkg:npm/x", "work": "works/x", "licence": "MIT", "evidence": map[string]string{"url": "https://e.com"}}), "curation.purl"},
		{curationBody(map[string]any{"purl": "pkg:npm/x", "versions": "1.0", "licence": "MIT", "evidence": map[string]string{"url": "https://e.com"}}), "curation.versions"},
		{curationBody(map[string]any{"purl": "pkg:npm/x", "licence": "MIT AND", "evidence": map[string]string{"url": "https://e.com"}}), "curation.licence"},
		{curationBody(map[string]any{"purl": "pkg:npm/x", "licence": "MIT"}), "curation.evidence.url"},
		{curationBody(map[string]any{"purl": "pkg:npm/x", "licence": "MIT", "evidence": map[string]string{"url": "file:///etc/passwd"}}), "curation.evidence.url"},
		{curationBody(map[string]any{"purl": "pkg:npm/x", "licence": "MIT", "evidence": map[string]string{"url": "https://e.com", "textDigest": "md5:00"}}), "curation.evidence.text_digest"},
		{curationBody(map[string]any{"work": "works/", "licence": "MIT", "evidence": map[string]string{"url": "https://e.com"}}), "curation.work"},
	} {
		e := s.fails(t, "POST", "/v1/curations", apptest.AliceKey, bad.body, 400, "")
		if !strings.HasPrefix(e.Message, bad.field) {
			t.Errorf("%s: %q, want it to name %s", bad.body, e.Message, bad.field)
		}
	}
	s.fails(t, "POST", "/v1/curations", "", bareToMIT, 401, "")

	var byRoot, byAlice lineagev1.Curation
	s.ok(t, "POST", "/v1/curations", apptest.RootKey, bareToMIT, &byRoot)
	s.ok(t, "POST", "/v1/curations", apptest.AliceKey, curationBody(map[string]any{
		"work": "works/photo", "licence": "CC-BY-4.0", "evidence": map[string]string{"url": "https://example.com/photo"},
	}), &byAlice)
	// An admin reviews, but not what they proposed.
	s.fails(t, "POST", "/v1/"+byRoot.GetName()+":accept", apptest.RootKey, `{}`, 403, "PERMISSION_DENIED")
	s.ok(t, "POST", "/v1/"+byAlice.GetName()+":accept", apptest.RootKey, `{}`, nil)
	s.ok(t, "POST", "/v1/"+byRoot.GetName()+":reject", apptest.BobKey, `{"note": "no evidence of MIT"}`, nil)
	s.fails(t, "POST", "/v1/"+byRoot.GetName()+":accept", apptest.BobKey, `{}`, 400, "CURATION_STATE")
	s.fails(t, "POST", "/v1/curations/nope:accept", apptest.BobKey, `{}`, 404, "")
	s.fails(t, "GET", "/v1/curations/nope", "", "", 404, "")

	var got lineagev1.Curation
	s.ok(t, "GET", "/v1/"+byRoot.GetName(), "", "", &got)
	if got.GetState() != lineagev1.CurationState_CURATION_STATE_REJECTED || len(got.GetHistory()) != 2 ||
		got.GetHistory()[1].GetNote() != "no evidence of MIT" {
		t.Errorf("got %v", &got)
	}
	var l lineagev1.ListCurationsResponse
	s.ok(t, "GET", "/v1/curations?filter="+strings.ReplaceAll(`state = ACCEPTED`, " ", "%20"), "", "", &l)
	if len(l.GetCurations()) != 1 || l.GetCurations()[0].GetName() != byAlice.GetName() {
		t.Errorf("accepted: %v", &l)
	}
	s.ok(t, "GET", "/v1/curations?pageSize=1", "", "", &l)
	if len(l.GetCurations()) != 1 || l.GetNextPageToken() == "" {
		t.Fatalf("first page: %v", &l)
	}
	s.ok(t, "GET", "/v1/curations?pageSize=1&pageToken="+l.GetNextPageToken(), "", "", &l)
	if len(l.GetCurations()) != 1 || l.GetNextPageToken() != "" {
		t.Errorf("second page: %v", &l)
	}
	s.fails(t, "GET", "/v1/curations?filter=colour%3Dred", "", "", 400, "INVALID_ARGUMENT")

	// Paging through a filter: every proposed curation once, whatever
	// the order of the ids the filter skips.
	proposed := map[string]bool{}
	for i := range 8 {
		var c lineagev1.Curation
		s.ok(t, "POST", "/v1/curations", apptest.AliceKey, bareToMIT, &c)
		if i%2 == 0 {
			s.ok(t, "POST", "/v1/"+c.GetName()+":reject", apptest.BobKey, `{}`, nil)
		} else {
			proposed[c.GetName()] = true
		}
	}
	seen, token := 0, ""
	for range 10 {
		s.ok(t, "GET", "/v1/curations?pageSize=1&filter=state%20%3D%20PROPOSED&pageToken="+token, "", "", &l)
		for _, c := range l.GetCurations() {
			if !proposed[c.GetName()] {
				t.Errorf("listed %s, not proposed", c.GetName())
			}
			seen++
		}
		if token = l.GetNextPageToken(); token == "" {
			break
		}
	}
	if seen != len(proposed) {
		t.Errorf("paged through %d proposed curations, want %d", seen, len(proposed))
	}
}

// A curation of a registered work changes the licence a policy evaluation
// of an ancestry and an audit take it under, and the finding and the
// conflict it causes say so; an audit cached before the acceptance is not
// answered after it.
func TestWorkCurationInAncestryEvaluation(t *testing.T) {
	s := start(t, apptest.Config(t))
	s.ok(t, "POST", "/v1/policies", apptest.AliceKey, policyBody(noStrongCopyleft), nil)
	app := s.work(t, apptest.AliceKey, "app", "SOFTWARE", "MIT")
	lib := s.work(t, apptest.AliceKey, "lib", "SOFTWARE", "MIT")
	s.derive(t, apptest.AliceKey, app, lib, "INCLUSION", "")
	var r lineagev1.EvaluatePolicyResponse
	s.ok(t, "POST", "/v1/policies/no-strong-copyleft:evaluate", apptest.AliceKey, `{"work":"works/app"}`, &r)
	if r.GetOutcome() != lineagev1.PolicyOutcome_POLICY_OUTCOME_PASS {
		t.Fatalf("before the curation: %v", &r)
	}
	var au lineagev1.AuditWorkResponse
	s.ok(t, "GET", "/v1/works/app:audit", "", "", &au)
	if len(au.GetConflicts()) != 0 {
		t.Fatalf("audit before the curation: %v", &au)
	}
	var c lineagev1.Curation
	s.ok(t, "POST", "/v1/curations", apptest.AliceKey, curationBody(map[string]any{
		"work": lib, "licence": "GPL-3.0-only", "evidence": map[string]string{"url": "https://example.com/lib/COPYING"},
	}), &c)
	s.ok(t, "POST", "/v1/"+c.GetName()+":accept", apptest.BobKey, `{}`, nil)
	s.ok(t, "POST", "/v1/policies/no-strong-copyleft:evaluate", apptest.AliceKey, `{"work":"works/app"}`, &r)
	if r.GetOutcome() != lineagev1.PolicyOutcome_POLICY_OUTCOME_DENY || len(r.GetFindings()) != 1 {
		t.Fatalf("after the curation: %v", &r)
	}
	f := r.GetFindings()[0]
	if f.GetWork() != lib || f.GetLicence() != "GPL-3.0-only" || f.GetDeclaredLicence() != "MIT" || f.GetCuration() != c.GetName() ||
		!strings.HasPrefix(f.GetReason(), "declared MIT, curated GPL-3.0-only") || f.GetCheck().GetInbound() != "GPL-3.0-only" {
		t.Errorf("finding %v", f)
	}
	s.ok(t, "GET", "/v1/works/app:audit", "", "", &au)
	if len(au.GetConflicts()) != 1 || au.GetConflicts()[0].GetCuration() != c.GetName() || au.GetConflicts()[0].GetSource() != lib ||
		au.GetConflicts()[0].GetCheck().GetInbound() != "GPL-3.0-only" {
		t.Errorf("audit after the curation: %v", &au)
	}
	s.ok(t, "POST", "/v1/"+c.GetName()+":reject", apptest.BobKey, `{}`, nil)
	s.ok(t, "GET", "/v1/works/app:audit", "", "", &au)
	if len(au.GetConflicts()) != 0 {
		t.Errorf("audit after the rejection: %v", &au)
	}
}
