package lineageservice_test

import (
	"encoding/json"
	"strings"
	"testing"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/lineage/internal/lineagetest"
)

// packageWork registers a software work with a version and a purl.
func (s *suite) packageWork(t *testing.T, id, licence, version, purl string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"kind": "WORK_KIND_SOFTWARE", "title": id, "licence": licence, "version": version,
		"creators": []map[string]string{{"name": "Maker of " + id}}, "identifiers": []map[string]string{{"type": "purl", "value": purl}}})
	var w catalogv1.Work
	s.ok(t, "POST", "/v1/works?workId="+id, apptest.AliceKey, string(body), &w)
	return w.GetName()
}

// An accepted curation of a package over a version range changes the
// licence every answer about an ancestry takes the package's works under
// (audit, attribution, NOTICE, SBOM export), each saying declared vs
// curated; a work of the package outside the range is left as declared,
// and rejecting the curation restores every answer.
func TestPurlCurationInEveryAnswer(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cfg := apptest.Config(t)
			if engine == "postgres" {
				cfg.DatabaseURL = lineagetest.Database(t)
			}
			purlCurationInEveryAnswer(t, start(t, cfg))
		})
	}
}

func purlCurationInEveryAnswer(t *testing.T, s *suite) {
	app := s.work(t, apptest.AliceKey, "app", "SOFTWARE", "MIT")
	old := s.packageWork(t, "libold", "GPL-3.0-only", "0.3.0", "pkg:npm/lib@0.3.0")
	cur := s.packageWork(t, "libnew", "GPL-3.0-only", "2.0.0", "pkg:npm/lib@2.0.0")
	s.derive(t, apptest.AliceKey, app, old, "INCLUSION", "?allowConflict=true")
	s.derive(t, apptest.AliceKey, app, cur, "INCLUSION", "?allowConflict=true")

	conflicts := func() map[string]string {
		var au lineagev1.AuditWorkResponse
		s.ok(t, "GET", "/v1/works/app:audit", "", "", &au)
		out := map[string]string{}
		for _, c := range au.GetConflicts() {
			out[c.GetSource()] = c.GetCuration()
		}
		return out
	}
	if got := conflicts(); len(got) != 2 {
		t.Fatalf("audit before the curation: %v", got)
	}
	// Attribution cached before the curation must not be served after it.
	var at lineagev1.Attribution
	s.ok(t, "GET", "/v1/works/app/attribution", "", "", &at)

	var c lineagev1.Curation
	s.ok(t, "POST", "/v1/curations", apptest.AliceKey, curationBody(map[string]any{
		"purl": "pkg:npm/lib", "versions": "vers:npm/<1.0.0", "licence": "MIT",
		"evidence": map[string]string{"url": "https://example.com/lib/LICENSE"},
	}), &c)
	s.ok(t, "POST", "/v1/"+c.GetName()+":accept", apptest.BobKey, `{}`, nil)

	if got := conflicts(); len(got) != 1 || got[cur] != "" {
		t.Errorf("audit after the curation: %v, want only %s's conflict, uncurated", got, cur)
	}

	s.ok(t, "GET", "/v1/works/app/attribution", "", "", &at)
	credits := map[string]*lineagev1.Credit{}
	for _, cr := range at.GetCredits() {
		credits[cr.GetWork()] = cr
	}
	if cr := credits[old]; cr.GetLicence() != "MIT" || cr.GetDeclaredLicence() != "GPL-3.0-only" || cr.GetCuration() != c.GetName() {
		t.Errorf("curated credit %v", cr)
	}
	if cr := credits[cur]; cr.GetLicence() != "GPL-3.0-only" || cr.GetCuration() != "" {
		t.Errorf("credit outside the range %v", cr)
	}
	if !strings.Contains(at.GetText(), "(curated by "+c.GetName()+"; declared: GPL-3.0-only)") {
		t.Errorf("attribution text does not say the curation:\n%s", at.GetText())
	}

	var n lineagev1.Notice
	s.ok(t, "GET", "/v1/works/app/notice", "", "", &n)
	for _, e := range n.GetEntries() {
		if want := map[string]string{old: c.GetName()}[e.GetWork()]; e.GetCuration() != want {
			t.Errorf("notice entry %s: curation %q, want %q", e.GetWork(), e.GetCuration(), want)
		}
	}
	if !strings.Contains(n.GetText(), "Curated by "+c.GetName()+"; declared licence: GPL-3.0-only") ||
		!strings.Contains(n.GetText(), "Permission is hereby granted") {
		t.Errorf("notice text lacks the curation or the MIT text:\n%s", n.GetText())
	}

	cdx := exportComponents(t, s, "cyclonedx")
	if l := cdx[old]; l.licence != "MIT" || l.curation != c.GetName() || l.declared != "GPL-3.0-only" {
		t.Errorf("CycloneDX component %s: %+v", old, l)
	}
	if l := cdx[cur]; l.licence != "GPL-3.0-only" || l.curation != "" {
		t.Errorf("CycloneDX component %s: %+v", cur, l)
	}
	spdx := exportComponents(t, s, "spdx")
	if l := spdx[old]; l.licence != "MIT" || l.declared != "GPL-3.0-only" || !strings.Contains(l.curation, c.GetName()) {
		t.Errorf("SPDX package %s: %+v", old, l)
	}

	s.ok(t, "POST", "/v1/"+c.GetName()+":reject", apptest.BobKey, `{}`, nil)
	if got := conflicts(); len(got) != 2 {
		t.Errorf("audit after the rejection: %v", got)
	}
	s.ok(t, "GET", "/v1/works/app/attribution", "", "", &at)
	for _, cr := range at.GetCredits() {
		if cr.GetCuration() != "" || cr.GetLicence() != "GPL-3.0-only" {
			t.Errorf("credit after the rejection %v", cr)
		}
	}
}

type exported struct{ licence, declared, curation string }

// exportComponents exports works/app's ancestry and returns, by work
// name, each component's concluded licence, declared licence and
// curation as the format writes them.
func exportComponents(t *testing.T, s *suite, format string) map[string]exported {
	t.Helper()
	code, body := s.Do(t, "GET", "/v1/works/app/sbom?format="+format, "", "")
	if code != 200 {
		t.Fatalf("export %s: %d %s", format, code, body)
	}
	out := map[string]exported{}
	if format == "spdx" {
		var doc struct {
			Packages []struct {
				Name, LicenseConcluded, LicenseDeclared, LicenseComments string
			}
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		for _, p := range doc.Packages {
			out["works/"+p.Name] = exported{p.LicenseConcluded, p.LicenseDeclared, p.LicenseComments}
		}
		return out
	}
	var doc struct {
		Components []struct {
			BOMRef     string `json:"bom-ref"`
			Licenses   []struct{ Expression string }
			Properties []struct{ Name, Value string }
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Components {
		var e exported
		if len(c.Licenses) == 1 {
			e.licence = c.Licenses[0].Expression
		}
		for _, p := range c.Properties {
			switch p.Name {
			case "stemma:curation":
				e.curation = p.Value
			case "stemma:declaredLicence":
				e.declared = p.Value
			}
		}
		out[c.BOMRef] = e
	}
	return out
}
