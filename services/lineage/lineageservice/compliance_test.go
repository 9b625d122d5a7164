package lineageservice_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// family registers base (BSD-3-Clause, a Go module) adapted into lib (MIT,
// an npm package), and app (Apache-2.0), which depends on lib and links
// base statically; it returns app.
func family(t *testing.T, s *suite) string {
	t.Helper()
	mk := func(id, licence, purl string) string {
		body := fmt.Sprintf(`{"kind":"WORK_KIND_SOFTWARE","title":"%s","version":"1.0.0","licence":"%s",`+
			`"creators":[{"name":"Maker of %s"}],"identifiers":[{"type":"purl","value":"%s"}],`+
			`"digests":["sha256:%064x"]}`, strings.ToUpper(id[:1])+id[1:], licence, id, purl, len(id))
		var w catalogv1.Work
		s.ok(t, "POST", "/v1/works?workId="+id, apptest.AliceKey, body, &w)
		return w.GetName()
	}
	base := mk("base", "BSD-3-Clause", "pkg:golang/example.org/base@v1.0.0")
	lib := mk("lib", "MIT", "pkg:npm/lib@1.0.0")
	app := mk("app", "Apache-2.0", "pkg:npm/app@1.0.0")
	s.derive(t, apptest.AliceKey, lib, base, "ADAPTATION", "")
	s.derive(t, apptest.AliceKey, app, lib, "DEPENDENCY", "")
	s.ok(t, "POST", "/v1/derivations", apptest.AliceKey,
		`{"derivative":"`+app+`","source":"`+base+`","relation":"RELATION_INCLUSION","use":"USE_LINK_STATIC"}`, nil)
	return app
}

func TestWorkNotice(t *testing.T) {
	s := start(t, apptest.Config(t))
	app := family(t, s)
	var n lineagev1.Notice
	s.ok(t, "GET", "/v1/"+app+"/notice", "", "", &n)
	if len(n.GetEntries()) != 2 || n.GetEntries()[0].GetWork() != "works/base" || n.GetEntries()[1].GetWork() != "works/lib" {
		t.Fatalf("entries %v", n.GetEntries())
	}
	if e := n.GetEntries()[1]; e.GetLicence() != "MIT" || e.GetCreators()[0].GetName() != "Maker of lib" ||
		e.GetIdentifiers()[0].GetValue() != "pkg:npm/lib@1.0.0" || e.GetVersion() != "1.0.0" {
		t.Errorf("lib's entry %v", e)
	}
	var ids []string
	for _, l := range n.GetLicences() {
		ids = append(ids, l.GetId())
		if l.GetText() == "" {
			t.Errorf("%s: no text (%s)", l.GetId(), l.GetNote())
		}
	}
	if !slices.Equal(ids, []string{"BSD-3-Clause", "MIT"}) {
		t.Errorf("licences %v", ids)
	}
	for _, want := range []string{"Permission is hereby granted, free of charge", "Redistribution and use in source and binary forms",
		"Copyright: Maker of lib", "purl: pkg:golang/example.org/base@v1.0.0", "Licence texts: the SPDX License List"} {
		if !strings.Contains(n.GetText(), want) {
			t.Errorf("the notice lacks %q:\n%s", want, n.GetText())
		}
	}
	// The same over gRPC; a missing work is NOT_FOUND, a bad name
	// INVALID_ARGUMENT, as for every read of a work's ancestry.
	if _, err := s.lineage.GetWorkNotice(context.Background(), &lineagev1.GetWorkNoticeRequest{Work: app}); err != nil {
		t.Fatal(err)
	}
	s.fails(t, "GET", "/v1/works/nobody/notice", "", "", 404, "")
	s.fails(t, "GET", "/v1/works/Bad_Name!/notice", "", "", 400, "")
	s.fails(t, "GET", "/v1/"+app+"/sbom?format=pdf", "", "", 400, "")
}

// workGraph is what the round trip compares: each work of a product's
// ancestry by title (title, version, purl, licence, kind), and each
// derivation between them by titles, with its use when withUse.
func workGraph(t *testing.T, s *suite, product string, withUse bool) (works, edges []string) {
	t.Helper()
	ctx := context.Background()
	anc, err := s.lineage.ListAncestors(ctx, &lineagev1.ListAncestorsRequest{Work: product, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{product}
	for _, r := range anc.GetAncestors() {
		names = append(names, r.GetWork())
	}
	ws, err := s.catalog.BatchGetWorks(ctx, &catalogv1.BatchGetWorksRequest{Names: names})
	if err != nil {
		t.Fatal(err)
	}
	title := map[string]string{}
	for _, w := range ws.GetWorks() {
		title[w.GetName()] = w.GetTitle()
		var purl string
		for _, id := range w.GetIdentifiers() {
			if id.GetType() == "purl" {
				purl = id.GetValue()
			}
		}
		works = append(works, fmt.Sprint(w.GetTitle(), " ", w.GetVersion(), " ", purl, " ", w.GetLicence(), " ", w.GetKind(), " ", w.GetDigests()))
	}
	ds, err := s.lineage.ListDerivations(ctx, &lineagev1.ListDerivationsRequest{Derivatives: names, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds.GetDerivations() {
		e := title[d.GetDerivative()] + " <- " + title[d.GetSource()]
		if withUse {
			e += " " + d.GetUse().String()
		}
		edges = append(edges, e)
	}
	slices.Sort(works)
	slices.Sort(edges)
	return works, edges
}

// An exported SBOM imported into an empty instance gives the same works
// and derivations: in SPDX with how each source is used, in CycloneDX
// (whose dependency graph does not say) the edges.
func TestExportSbomRoundTrip(t *testing.T) {
	s := start(t, apptest.Config(t))
	app := family(t, s)
	for _, tc := range []struct {
		format, mediaType string
		withUse           bool
	}{{"cyclonedx", "application/vnd.cyclonedx+json", false}, {"spdx", "application/spdx+json", true}} {
		t.Run(tc.format, func(t *testing.T) {
			code, doc := s.Do(t, "GET", "/v1/"+app+"/sbom?format="+tc.format, "", "")
			if code != 200 {
				t.Fatalf("export: %d %s", code, doc)
			}
			body, err := s.lineage.ExportWorkSbom(context.Background(), &lineagev1.ExportWorkSbomRequest{Work: app, Format: tc.format})
			if err != nil || body.GetContentType() != tc.mediaType {
				t.Fatalf("over gRPC: %v %q", err, body.GetContentType())
			}
			fresh := start(t, apptest.Config(t))
			code, report := post(t, fresh.Instance, "/v1/sboms:import", apptest.AliceKey, doc)
			if code != 200 || count(report, "worksCreated") != 3 || count(report, "derivationsCreated") != 3 {
				t.Fatalf("import: %d %v", code, report)
			}
			wantWorks, wantEdges := workGraph(t, s, app, tc.withUse)
			gotWorks, gotEdges := workGraph(t, fresh, report["product"].(string), tc.withUse)
			if !slices.Equal(wantWorks, gotWorks) {
				t.Errorf("works\n exported %q\n imported %q", wantWorks, gotWorks)
			}
			if !slices.Equal(wantEdges, gotEdges) {
				t.Errorf("derivations\n exported %q\n imported %q", wantEdges, gotEdges)
			}
		})
	}
}

// The notice of an SBOM, without importing it (with a key, as every
// non-GET route): the repository's own Go SBOM credits its 43 modules,
// with the Apache-2.0 text once.
func TestSbomNotice(t *testing.T) {
	s := start(t, apptest.Config(t))
	doc, err := os.ReadFile("../sbom/testdata/generated/cyclonedx-gomod-stemma.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	var n lineagev1.Notice
	s.fails(t, "POST", "/v1/sboms:buildNotice", "", string(doc), 401, "")
	s.ok(t, "POST", "/v1/sboms:buildNotice", apptest.AliceKey, string(doc), &n)
	if len(n.GetEntries()) != 43 {
		t.Errorf("%d entries, want 43", len(n.GetEntries()))
	}
	apache := 0
	for _, l := range n.GetLicences() {
		if l.GetId() == "Apache-2.0" && strings.Contains(l.GetText(), "Apache License") {
			apache++
		}
	}
	if apache != 1 || strings.Count(n.GetText(), "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION") != 1 {
		t.Errorf("Apache-2.0 %d times", apache)
	}
	// Nothing was imported.
	if code, raw := s.Do(t, "GET", "/v1/works?pageSize=1", "", ""); code != 200 || strings.Contains(string(raw), "works/") {
		t.Errorf("works after a notice: %d %s", code, raw)
	}
	s.fails(t, "POST", "/v1/sboms:buildNotice", apptest.AliceKey, `{"bomFormat":"CycloneDX"}`, 400, "")
}
