package lineageservice_test

import (
	"net/http"
	"strings"
	"testing"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/internal/config"
	"github.com/stemma-registry/stemma/services/lineage/internal/lineagetest"
)

// The "done when", through REST on one process, on SQLite and on
// PostgreSQL: A (MIT), B (GPL-3.0-only) derived from A, C (MIT) derived
// from B refused with reasons, forced with allow_conflict, found by C's
// audit; C's ancestors list B and A with paths; a cycle is refused; C's
// attribution credits A and B.
func TestDoneWhen(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cfg := apptest.Config(t)
			if engine == "postgres" {
				cfg.DatabaseURL = lineagetest.Database(t)
			}
			doneWhen(t, cfg)
		})
	}
}

func doneWhen(t *testing.T, cfg config.Config) {
	s := start(t, cfg)
	key := apptest.AliceKey
	a := s.work(t, key, "a", "SOFTWARE", "MIT")
	b := s.work(t, key, "b", "SOFTWARE", "GPL-3.0-only")
	c := s.work(t, key, "c", "SOFTWARE", "MIT")

	ba := s.derive(t, key, b, a, "ADAPTATION", "")
	if ba.GetConflict() || ba.GetVerdict().GetVerdict() != licencesv1.Verdict_VERDICT_COMPATIBLE || ba.GetSourceLicence() != "MIT" ||
		ba.GetDerivativeLicence() != "GPL-3.0-only" || ba.GetRecorder() != "alice" || ba.GetEtag() == "" {
		t.Fatalf("B from A = %v", ba)
	}

	e := s.fails(t, "POST", "/v1/derivations", key, derivation(c, b, "ADAPTATION"), http.StatusBadRequest, "LICENCE_CONFLICT")
	if e.Code != 9 || len(e.violations()) == 0 || e.violations()[0].Type == "" || e.violations()[0].Description == "" ||
		e.metadata("verdict") != "VERDICT_INCOMPATIBLE" || !strings.Contains(e.Message, "allow_conflict") {
		t.Fatalf("C from B refused with %+v", e)
	}

	cb := s.derive(t, key, c, b, "ADAPTATION", "?allowConflict=true")
	if !cb.GetConflict() || cb.GetVerdict().GetVerdict() != licencesv1.Verdict_VERDICT_INCOMPATIBLE || len(cb.GetVerdict().GetReasons()) == 0 {
		t.Fatalf("C from B forced = %v", cb)
	}

	var audit lineagev1.AuditWorkResponse
	s.ok(t, "GET", "/v1/"+c+":audit", "", "", &audit)
	if len(audit.GetConflicts()) != 1 || audit.GetDerivationsChecked() != 2 {
		t.Fatalf("C's audit = %v", &audit)
	}
	k := audit.GetConflicts()[0]
	if k.GetKind() != lineagev1.Conflict_KIND_DERIVATION || k.GetDerivation() != cb.GetName() || k.GetSource() != b ||
		k.GetDerivative() != c || !k.GetRecorded() || strings.Join(k.GetPath(), " ") != c || len(k.GetCheck().GetReasons()) == 0 {
		t.Fatalf("C's conflict = %v", k)
	}

	var anc lineagev1.ListAncestorsResponse
	s.ok(t, "GET", "/v1/"+c+"/ancestors", "", "", &anc)
	if names(anc.GetAncestors()) != b+" "+a || anc.GetTotalSize() != 2 || anc.GetNextPageToken() != "" {
		t.Fatalf("C's ancestors = %v", &anc)
	}
	if p := anc.GetAncestors()[1]; p.GetDepth() != 2 || strings.Join(p.GetPath(), " ") != c+" "+b+" "+a ||
		strings.Join(p.GetDerivations(), " ") != cb.GetName()+" "+ba.GetName() {
		t.Fatalf("A as C's ancestor = %v", p)
	}

	e = s.fails(t, "POST", "/v1/derivations", key, derivation(a, c, "FORK"), http.StatusBadRequest, "CYCLE")
	if !strings.Contains(e.Message, a+" -> "+c+" -> "+b+" -> "+a) || len(e.violations()) != 1 || e.violations()[0].Subject != a {
		t.Fatalf("the cycle was refused with %+v", e)
	}

	var at lineagev1.Attribution
	s.ok(t, "GET", "/v1/"+c+"/attribution", "", "", &at)
	if len(at.GetCredits()) != 2 || at.GetCredits()[0].GetWork() != b || at.GetCredits()[1].GetWork() != a {
		t.Fatalf("C's attribution = %v", &at)
	}
	credit := at.GetCredits()[1]
	if credit.GetTitle() != "A work" || credit.GetLicence() != "MIT" || credit.GetLicenceUrl() != "https://spdx.org/licenses/MIT.html" ||
		credit.GetSourceUri() != "https://example.org/a" || len(credit.GetCreators()) != 1 || credit.GetChange() != "adapted" {
		t.Fatalf("A's credit = %v", credit)
	}
	for _, want := range []string{"[A work](https://example.org/a) by Maker of a", "[B work](https://example.org/b)"} {
		if !strings.Contains(at.GetMarkdown(), want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, at.GetMarkdown())
		}
	}
	if !strings.Contains(at.GetText(), "“A work” (https://example.org/a) by Maker of a, licensed under MIT") {
		t.Errorf("the text attribution =\n%s", at.GetText())
	}
}
