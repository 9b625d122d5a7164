package lineageservice_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

func TestGraphQueries(t *testing.T) {
	s := start(t, apptest.Config(t))
	k := apptest.AliceKey
	// r remixes d and e; d adapts b and depends on c; e adapts c; b and c
	// adapt a. Licences all permissive but one, for the suggestions.
	a := s.work(t, k, "a", "SOFTWARE", "MIT")
	b := s.work(t, k, "b", "SOFTWARE", "Apache-2.0")
	c := s.work(t, k, "c", "SOFTWARE", "BSD-3-Clause")
	d := s.work(t, k, "d", "SOFTWARE", "Apache-2.0")
	e := s.work(t, k, "e", "SOFTWARE", "GPL-3.0-or-later")
	r := s.work(t, k, "r", "SOFTWARE", "GPL-3.0-or-later")
	lone := s.work(t, k, "lone", "SOFTWARE", "MIT")
	for _, x := range [][3]string{{b, a, "ADAPTATION"}, {c, a, "ADAPTATION"}, {d, b, "ADAPTATION"}, {d, c, "DEPENDENCY"},
		{e, c, "ADAPTATION"}, {r, d, "REMIX"}, {r, e, "REMIX"}} {
		s.derive(t, k, x[0], x[1], x[2], "")
	}

	t.Run("ancestors", func(t *testing.T) {
		var resp lineagev1.ListAncestorsResponse
		s.ok(t, "GET", "/v1/"+r+"/ancestors", "", "", &resp)
		if names(resp.GetAncestors()) != d+" "+e+" "+b+" "+c+" "+a || resp.GetTotalSize() != 5 {
			t.Fatalf("ancestors of r = %s (%d)", names(resp.GetAncestors()), resp.GetTotalSize())
		}
		s.ok(t, "GET", "/v1/"+r+"/ancestors?maxDepth=1", "", "", &resp)
		if names(resp.GetAncestors()) != d+" "+e {
			t.Fatalf("ancestors of r within 1 = %s", names(resp.GetAncestors()))
		}
		// Following adaptations and remixes only, c is reached through e.
		s.ok(t, "GET", "/v1/"+d+"/ancestors?relations=RELATION_ADAPTATION", "", "", &resp)
		if names(resp.GetAncestors()) != b+" "+a {
			t.Fatalf("d's ancestors by adaptation = %s", names(resp.GetAncestors()))
		}
		var seen []string
		token := ""
		for {
			var page lineagev1.ListAncestorsResponse
			s.ok(t, "GET", "/v1/"+r+"/ancestors?pageSize=2&pageToken="+token, "", "", &page)
			seen = append(seen, names(page.GetAncestors()))
			if page.GetTotalSize() != 5 {
				t.Fatalf("total %d on a page", page.GetTotalSize())
			}
			if token = page.GetNextPageToken(); token == "" {
				break
			}
			s.fails(t, "GET", "/v1/"+r+"/ancestors?pageSize=2&maxDepth=1&pageToken="+token, "", "", http.StatusBadRequest, "INVALID_ARGUMENT")
		}
		if strings.Join(seen, "|") != d+" "+e+"|"+b+" "+c+"|"+a {
			t.Fatalf("pages = %q", seen)
		}
		s.ok(t, "GET", "/v1/"+lone+"/ancestors", "", "", &resp)
		if len(resp.GetAncestors()) != 0 || resp.GetTotalSize() != 0 {
			t.Fatalf("ancestors of a lone work = %v", &resp)
		}
		s.fails(t, "GET", "/v1/works/ghost/ancestors", "", "", http.StatusNotFound, "NOT_FOUND")
		s.fails(t, "GET", "/v1/"+r+"/ancestors?maxDepth=-1", "", "", http.StatusBadRequest, "INVALID_ARGUMENT")
	})

	t.Run("descendants", func(t *testing.T) {
		var resp lineagev1.ListDescendantsResponse
		s.ok(t, "GET", "/v1/"+a+"/descendants", "", "", &resp)
		if names(resp.GetDescendants()) != b+" "+c+" "+d+" "+e+" "+r {
			t.Fatalf("descendants of a = %s", names(resp.GetDescendants()))
		}
		last := resp.GetDescendants()[4]
		if last.GetDepth() != 3 || strings.Join(last.GetPath(), " ") != a+" "+b+" "+d+" "+r ||
			!slices.Equal(last.GetRelations(), []lineagev1.Relation{lineagev1.Relation_RELATION_ADAPTATION, lineagev1.Relation_RELATION_ADAPTATION, lineagev1.Relation_RELATION_REMIX}) {
			t.Fatalf("r as a's descendant = %v", last)
		}
	})

	t.Run("traceTo", func(t *testing.T) {
		var resp lineagev1.TraceToResponse
		s.ok(t, "GET", "/v1/"+r+":traceTo?ancestor="+a, "", "", &resp)
		var got []string
		for _, p := range resp.GetPaths() {
			got = append(got, strings.Join(p.GetWorks(), ">"))
		}
		want := []string{r + ">" + d + ">" + b + ">" + a, r + ">" + d + ">" + c + ">" + a, r + ">" + e + ">" + c + ">" + a}
		if !slices.Equal(got, want) {
			t.Fatalf("paths r to a = %v", got)
		}
		var page lineagev1.TraceToResponse
		s.ok(t, "GET", "/v1/"+r+":traceTo?ancestor="+a+"&pageSize=2", "", "", &page)
		if len(page.GetPaths()) != 2 || page.GetNextPageToken() == "" {
			t.Fatalf("first page = %v", &page)
		}
		s.ok(t, "GET", "/v1/"+r+":traceTo?ancestor="+a+"&pageSize=2&pageToken="+page.GetNextPageToken(), "", "", &page)
		if len(page.GetPaths()) != 1 || strings.Join(page.GetPaths()[0].GetWorks(), ">") != want[2] || page.GetNextPageToken() != "" {
			t.Fatalf("second page = %v", &page)
		}
		s.ok(t, "GET", "/v1/"+a+":traceTo?ancestor="+r, "", "", &resp)
		if len(resp.GetPaths()) != 0 {
			t.Fatalf("a does not derive from r: %v", &resp)
		}
		s.fails(t, "GET", "/v1/"+r+":traceTo?ancestor="+r, "", "", http.StatusBadRequest, "INVALID_ARGUMENT")
		s.fails(t, "GET", "/v1/"+r+":traceTo?ancestor=works/ghost", "", "", http.StatusNotFound, "NOT_FOUND")
		s.fails(t, "GET", "/v1/"+r+":traceTo", "", "", http.StatusBadRequest, "REQUIRED_FIELD")
	})

	t.Run("suggestLicences", func(t *testing.T) {
		var resp lineagev1.SuggestLicencesResponse
		s.ok(t, "GET", "/v1/"+r+":suggestLicences", "", "", &resp)
		if !slices.Equal(resp.GetInbound(), []string{"Apache-2.0", "GPL-3.0-or-later"}) || !resp.GetCurrentLicenceAllowed() {
			t.Fatalf("suggestions for r = %v", &resp)
		}
		var ids []string
		for _, sg := range resp.GetSuggestions() {
			ids = append(ids, sg.GetLicence())
		}
		if !slices.Contains(ids, "GPL-3.0-or-later") || slices.Contains(ids, "MIT") || slices.Contains(ids, "GPL-2.0-only") {
			t.Fatalf("licences for r = %v", ids)
		}
		// d's sources are used two ways (adapted, depended on): a
		// suggestion must suit both.
		s.ok(t, "GET", "/v1/"+d+":suggestLicences?pageSize=3", "", "", &resp)
		if len(resp.GetSuggestions()) != 3 || !resp.GetCurrentLicenceAllowed() {
			t.Fatalf("suggestions for d = %v", &resp)
		}
		s.ok(t, "GET", "/v1/"+a+":suggestLicences", "", "", &resp)
		if len(resp.GetSuggestions()) != 0 || !resp.GetCurrentLicenceAllowed() || len(resp.GetInbound()) != 0 {
			t.Fatalf("suggestions for a work with no sources = %v", &resp)
		}
		s.fails(t, "GET", "/v1/works/ghost:suggestLicences", "", "", http.StatusNotFound, "NOT_FOUND")
	})

	t.Run("audit finds sources that cannot be combined", func(t *testing.T) {
		// x (GPL-2.0-or-later) remixes g2 (GPL-2.0-only) and ap
		// (Apache-2.0): each alone fits, together no GPL version does.
		g2 := s.work(t, k, "g2", "SOFTWARE", "GPL-2.0-only")
		ap := s.work(t, k, "ap", "SOFTWARE", "Apache-2.0")
		x := s.work(t, k, "x", "SOFTWARE", "GPL-2.0-or-later")
		top := s.work(t, k, "top", "SOFTWARE", "GPL-3.0-or-later")
		dx := s.derive(t, k, x, g2, "REMIX", "")
		dy := s.derive(t, k, x, ap, "REMIX", "")
		s.derive(t, k, top, x, "ADAPTATION", "?allowConflict=true")
		var resp lineagev1.AuditWorkResponse
		s.ok(t, "GET", "/v1/"+top+":audit", "", "", &resp)
		var kinds []string
		for _, c := range resp.GetConflicts() {
			kinds = append(kinds, c.GetKind().String())
		}
		var sources *lineagev1.Conflict
		for _, c := range resp.GetConflicts() {
			if c.GetKind() == lineagev1.Conflict_KIND_SOURCES {
				sources = c
			}
		}
		if sources == nil || sources.GetDerivative() != x || strings.Join(sources.GetPath(), " ") != top+" "+x ||
			// Sources in id order: ap before g2.
			!slices.Equal([]string{sources.GetDerivation(), sources.GetOtherDerivation()}, []string{dy.GetName(), dx.GetName()}) ||
			sources.GetCheck().GetVerdict() != licencesv1.Verdict_VERDICT_INCOMPATIBLE || len(sources.GetCheck().GetReasons()) == 0 {
			t.Fatalf("top's audit: kinds %v, sources conflict %v", kinds, sources)
		}
		// Relicensing x to GPL-3.0-or-later suits Apache-2.0 but not
		// GPL-2.0-only: the audit sees it at once, because it reads
		// licences as they are now.
		w, err := s.catalog.GetWork(anyone, &catalogv1.GetWorkRequest{Name: x})
		if err != nil {
			t.Fatal(err)
		}
		w.Licence = "GPL-3.0-or-later"
		if _, err := s.catalog.UpdateWork(alice, &catalogv1.UpdateWorkRequest{Work: w, UpdateMask: mask("licence")}); err != nil {
			t.Fatal(err)
		}
		s.ok(t, "GET", "/v1/"+top+":audit", "", "", &resp)
		if len(resp.GetConflicts()) != 1 || resp.GetConflicts()[0].GetKind() != lineagev1.Conflict_KIND_DERIVATION ||
			resp.GetConflicts()[0].GetDerivation() != dx.GetName() || resp.GetConflicts()[0].GetRecorded() {
			t.Fatalf("after relicensing x, top's audit = %v", resp.GetConflicts())
		}
		s.ok(t, "GET", "/v1/"+top+":audit?maxDepth=1&pageSize=1", "", "", &resp)
		if resp.GetDerivationsChecked() != 1 || !resp.GetTruncated() {
			t.Fatalf("audit within depth 1 = %v", &resp)
		}
	})

	t.Run("attribution follows the catalog", func(t *testing.T) {
		var at lineagev1.Attribution
		s.ok(t, "GET", "/v1/"+d+"/attribution", "", "", &at)
		if len(at.GetCredits()) != 3 {
			t.Fatalf("d's credits = %v", &at)
		}
		w, err := s.catalog.GetWork(anyone, &catalogv1.GetWorkRequest{Name: a})
		if err != nil {
			t.Fatal(err)
		}
		w.Title = "A, renamed"
		if _, err := s.catalog.UpdateWork(alice, &catalogv1.UpdateWorkRequest{Work: w, UpdateMask: mask("title")}); err != nil {
			t.Fatal(err)
		}
		s.ok(t, "GET", "/v1/"+d+"/attribution?maxDepth=5", "", "", &at)
		if !strings.Contains(at.GetText(), "A, renamed") {
			t.Fatalf("the attribution did not follow the new title:\n%s", at.GetText())
		}
		s.ok(t, "GET", "/v1/"+d+"/attribution?maxDepth=1", "", "", &at)
		if len(at.GetCredits()) != 2 || !at.GetTruncated() {
			t.Fatalf("d's credits within 1 = %v", &at)
		}
	})
}
