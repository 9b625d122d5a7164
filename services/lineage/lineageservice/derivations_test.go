package lineageservice_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

func TestDerivations(t *testing.T) {
	s := start(t, apptest.Config(t))
	a := s.work(t, apptest.AliceKey, "a", "TEXT", "CC-BY-4.0")
	b := s.work(t, apptest.AliceKey, "b", "TEXT", "CC-BY-SA-4.0")
	m := s.work(t, apptest.AliceKey, "m", "MODEL", "")
	x := s.work(t, apptest.BobKey, "x", "TEXT", "LicenseRef-mine")

	t.Run("only the derivative's owner or an admin records", func(t *testing.T) {
		s.fails(t, "POST", "/v1/derivations", "", derivation(b, a, "ADAPTATION"), http.StatusUnauthorized, "")
		s.fails(t, "POST", "/v1/derivations", apptest.BobKey, derivation(b, a, "ADAPTATION"), http.StatusForbidden, "PERMISSION_DENIED")
		d := s.derive(t, apptest.RootKey, b, a, "TRANSLATION", "")
		if d.GetRecorder() != "root" {
			t.Errorf("recorder = %q", d.GetRecorder())
		}
		// Bob owns x; deriving it from alice's work is his to record.
		s.derive(t, apptest.BobKey, x, a, "ADAPTATION", "")
	})

	t.Run("verdicts", func(t *testing.T) {
		// An unmodelled licence is unknown, recorded, not refused; no
		// licence at all likewise.
		d := s.derive(t, apptest.AliceKey, b, x, "REMIX", "?allowConflict=false")
		if d.GetVerdict().GetVerdict() != licencesv1.Verdict_VERDICT_UNKNOWN || d.GetConflict() {
			t.Errorf("from an unmodelled licence = %v", d)
		}
		d = s.derive(t, apptest.AliceKey, m, a, "TRAINING", "")
		if d.GetVerdict().GetVerdict() != licencesv1.Verdict_VERDICT_UNKNOWN || d.GetUse() != licencesv1.Use_USE_TRAINING ||
			d.GetVerdict().GetReasons()[0].GetRule() != "licence-missing" {
			t.Errorf("into a work with no licence = %v", d)
		}
		// A conditional verdict is recorded with its conditions.
		c := s.work(t, apptest.AliceKey, "c", "SOFTWARE", "MIT")
		l := s.work(t, apptest.AliceKey, "l", "SOFTWARE", "LGPL-2.1-only")
		var got lineagev1.Derivation
		s.ok(t, "POST", "/v1/derivations", apptest.AliceKey,
			`{"derivative":"`+c+`","source":"`+l+`","relation":"RELATION_INCLUSION","use":"USE_LINK_STATIC","note":"statically linked","portion":"libl.a"}`, &got)
		if got.GetVerdict().GetVerdict() != licencesv1.Verdict_VERDICT_CONDITIONAL || len(got.GetVerdict().GetConditions()) == 0 ||
			got.GetUse() != licencesv1.Use_USE_LINK_STATIC || got.GetNote() != "statically linked" || got.GetPortion() != "libl.a" {
			t.Errorf("static linking of the LGPL = %v", &got)
		}
		// A dependency is checked as dynamic linking.
		d = s.derive(t, apptest.AliceKey, c, a, "DEPENDENCY", "")
		if d.GetUse() != licencesv1.Use_USE_LINK_DYNAMIC {
			t.Errorf("dependency use = %v", d.GetUse())
		}
	})

	t.Run("idempotent retries", func(t *testing.T) {
		y := s.work(t, apptest.AliceKey, "y", "TEXT", "CC-BY-4.0")
		body := `{"derivative":"` + y + `","source":"` + a + `","relation":"RELATION_REMIX","note":"n"}`
		first, again := &lineagev1.Derivation{}, &lineagev1.Derivation{}
		s.ok(t, "POST", "/v1/derivations?requestId=r-1", apptest.AliceKey, body, first)
		s.ok(t, "POST", "/v1/derivations?requestId=r-1", apptest.AliceKey, body, again)
		if first.GetName() != again.GetName() || first.GetEtag() != again.GetEtag() {
			t.Fatalf("retry created %s after %s", again.GetName(), first.GetName())
		}
		s.fails(t, "POST", "/v1/derivations?requestId=r-1", apptest.AliceKey, strings.Replace(body, `"n"`, `"other"`, 1),
			http.StatusBadRequest, "REQUEST_ID_REUSED")
		// Concurrent retries of one request make one derivation.
		z := s.work(t, apptest.AliceKey, "z", "TEXT", "CC-BY-4.0")
		var wg sync.WaitGroup
		got := make([]string, 8)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := s.lineage.CreateDerivation(alice, &lineagev1.CreateDerivationRequest{RequestId: "r-2",
					Derivation: &lineagev1.Derivation{Derivative: z, Source: a, Relation: lineagev1.Relation_RELATION_REMIX}})
				if err == nil {
					got[i] = d.GetName()
				} else {
					got[i] = err.Error()
				}
			}()
		}
		wg.Wait()
		for _, g := range got {
			if g != got[0] || !strings.HasPrefix(g, "derivations/") {
				t.Fatalf("concurrent retries answered %q", got)
			}
		}
		liens, err := s.catalog.ListLiens(anyone, &catalogv1.ListLiensRequest{Parent: z})
		if err != nil || len(liens.GetLiens()) != 1 || liens.GetLiens()[0].GetOrigin() != got[0] {
			t.Fatalf("liens on z after concurrent retries = %v, %v; want one, of %s", liens, err, got[0])
		}
	})

	t.Run("liens hold both works until the derivation goes", func(t *testing.T) {
		p := s.work(t, apptest.AliceKey, "p", "IMAGE", "CC0-1.0")
		q := s.work(t, apptest.AliceKey, "q", "IMAGE", "CC0-1.0")
		d := s.derive(t, apptest.AliceKey, q, p, "REMIX", "")
		for _, w := range []string{p, q} {
			liens, err := s.catalog.ListLiens(anyone, &catalogv1.ListLiensRequest{Parent: w})
			if err != nil || len(liens.GetLiens()) != 1 || liens.GetLiens()[0].GetOrigin() != d.GetName() {
				t.Fatalf("liens on %s = %v, %v", w, liens, err)
			}
		}
		s.fails(t, "DELETE", "/v1/"+p, apptest.AliceKey, "", http.StatusBadRequest, "")
		s.fails(t, "DELETE", "/v1/"+d.GetName(), apptest.BobKey, "", http.StatusForbidden, "PERMISSION_DENIED")
		s.fails(t, "DELETE", "/v1/"+d.GetName()+"?etag=stale", apptest.AliceKey, "", http.StatusConflict, "ETAG_MISMATCH")
		s.ok(t, "DELETE", "/v1/"+d.GetName()+"?etag="+d.GetEtag(), apptest.AliceKey, "", nil)
		s.fails(t, "GET", "/v1/"+d.GetName(), "", "", http.StatusNotFound, "NOT_FOUND")
		for _, w := range []string{p, q} {
			liens, err := s.catalog.ListLiens(anyone, &catalogv1.ListLiensRequest{Parent: w})
			if err != nil || len(liens.GetLiens()) != 0 {
				t.Fatalf("liens on %s after the delete = %v, %v", w, liens, err)
			}
		}
		s.ok(t, "DELETE", "/v1/"+p, apptest.AliceKey, "", nil)
		// A refused derivation leaves no lien behind.
		s.derive(t, apptest.AliceKey, q, s.work(t, apptest.AliceKey, "r", "IMAGE", "CC0-1.0"), "REMIX", "")
		s.fails(t, "POST", "/v1/derivations", apptest.AliceKey, derivation(q, q, "REMIX"), http.StatusBadRequest, "CYCLE")
		liens, err := s.catalog.ListLiens(anyone, &catalogv1.ListLiensRequest{Parent: q})
		if err != nil || len(liens.GetLiens()) != 1 {
			t.Fatalf("liens on q = %v, %v; want the one of q from r", liens, err)
		}
	})

	t.Run("list by derivative or source", func(t *testing.T) {
		var all lineagev1.ListDerivationsResponse
		s.ok(t, "GET", "/v1/derivations?source="+a, "", "", &all)
		if len(all.GetDerivations()) < 5 {
			t.Fatalf("from a: %v", &all)
		}
		var pages []string
		token := ""
		for {
			var page lineagev1.ListDerivationsResponse
			s.ok(t, "GET", "/v1/derivations?pageSize=2&source="+a+"&pageToken="+token, "", "", &page)
			for _, d := range page.GetDerivations() {
				pages = append(pages, d.GetName())
			}
			if token = page.GetNextPageToken(); token == "" {
				break
			}
			s.fails(t, "GET", "/v1/derivations?pageSize=2&source="+b+"&pageToken="+token, "", "", http.StatusBadRequest, "INVALID_ARGUMENT")
		}
		var want []string
		for _, d := range all.GetDerivations() {
			want = append(want, d.GetName())
		}
		if strings.Join(pages, " ") != strings.Join(want, " ") {
			t.Errorf("paged %v; listed %v", pages, want)
		}
		var training lineagev1.ListDerivationsResponse
		s.ok(t, "GET", "/v1/derivations?derivative="+m+"&relations=RELATION_TRAINING", "", "", &training)
		if len(training.GetDerivations()) != 1 {
			t.Errorf("m's training derivations = %v", &training)
		}
		// The derivations of several works in one call are those of each.
		var many lineagev1.ListDerivationsResponse
		s.ok(t, "GET", "/v1/derivations?derivatives="+m+"&derivatives="+b+"&derivative="+m, "", "", &many)
		var ofM, ofB lineagev1.ListDerivationsResponse
		s.ok(t, "GET", "/v1/derivations?derivative="+m, "", "", &ofM)
		s.ok(t, "GET", "/v1/derivations?derivative="+b, "", "", &ofB)
		if got, want := len(many.GetDerivations()), len(ofM.GetDerivations())+len(ofB.GetDerivations()); got != want || got == 0 {
			t.Errorf("derivatives m and b: %d derivations; want the %d of m and b together", got, want)
		}
		s.fails(t, "GET", "/v1/derivations?derivatives=works/a/b", "", "", http.StatusBadRequest, "INVALID_ARGUMENT")
		var conflicts lineagev1.ListDerivationsResponse
		s.ok(t, "GET", "/v1/derivations?source="+a+"&conflictsOnly=true", "", "", &conflicts)
		if len(conflicts.GetDerivations()) != 0 {
			t.Errorf("conflicts from a = %v", &conflicts)
		}
	})

	t.Run("bad input is refused with the field", func(t *testing.T) {
		tests := []struct {
			method, path, body string
			status             int
			reason             string
		}{
			{"POST", "/v1/derivations", `{"derivative":"` + b + `","source":"` + a + `"}`, 400, "REQUIRED_FIELD"},
			{"POST", "/v1/derivations", `{"derivative":"` + b + `","source":"nope","relation":"RELATION_REMIX"}`, 400, "INVALID_ARGUMENT"},
			{"POST", "/v1/derivations", `{"derivative":"works/Nope!","source":"` + a + `","relation":"RELATION_REMIX"}`, 400, "INVALID_ARGUMENT"},
			{"POST", "/v1/derivations", `{"derivative":"` + b + `","source":"works/ghost","relation":"RELATION_REMIX"}`, 404, "NOT_FOUND"},
			{"POST", "/v1/derivations", `{"derivative":"` + b + `","source":"` + a + `","relation":"RELATION_REMIX","licence":"MIT"}`, 400, ""},
			{"POST", "/v1/derivations", `{"derivative":"` + b + `","source":"` + a + `","relation":"RELATION_REMIX","use":"USE_TRAINING"}`, 400, "INVALID_ARGUMENT"},
			{"POST", "/v1/derivations", `{"derivative":"` + b + `","source":"` + a + `","relation":"RELATION_TRAINING"}`, 400, "KIND_MISMATCH"},
			{"POST", "/v1/derivations", `{"derivative":"` + b + `","source":"` + a + `","relation":"RELATION_REMIX","note":"` + strings.Repeat("n", 5000) + `"}`, 400, "INVALID_ARGUMENT"},
			{"POST", "/v1/derivations", `{"derivative":"` + b + `","source":"` + a + `","relation":"RELATION_TRANSLATION"}`, 409, "ALREADY_EXISTS"},
			{"POST", "/v1/derivations?derivationId=Bad_Id", derivation(b, a, "FORK"), 400, "INVALID_ARGUMENT"},
			{"GET", "/v1/derivations/nope", "", 404, "NOT_FOUND"},
			{"GET", "/v1/derivations", "", 400, "INVALID_ARGUMENT"},
			{"GET", "/v1/derivations?source=" + a + "&relations=42", "", 400, ""},
			{"GET", "/v1/derivations?source=" + a + "&pageSize=-1", "", 400, "INVALID_ARGUMENT"},
			{"GET", "/v1/derivations?source=" + a + "&pageToken=forged", "", 400, "INVALID_ARGUMENT"},
			{"DELETE", "/v1/derivations/nope", "", 401, ""},
		}
		for _, tt := range tests {
			code, e := s.call(t, tt.method, tt.path, map[bool]string{true: apptest.AliceKey}[tt.status != 401], tt.body, nil)
			if code != tt.status || (tt.reason != "" && e.reason() != tt.reason) {
				t.Errorf("%s %s %.80s = %d %s %q; want %d %s", tt.method, tt.path, tt.body, code, e.reason(), e.Message, tt.status, tt.reason)
			}
		}
	})

	t.Run("a chosen id", func(t *testing.T) {
		d := s.derive(t, apptest.AliceKey, b, a, "FORK", "?derivationId=my-fork")
		if d.GetName() != "derivations/my-fork" {
			t.Fatalf("name = %s", d.GetName())
		}
		s.fails(t, "POST", "/v1/derivations?derivationId=my-fork", apptest.AliceKey, derivation(b, a, "COPY"), http.StatusConflict, "ALREADY_EXISTS")
		_, err := s.lineage.GetDerivation(anyone, &lineagev1.GetDerivationRequest{Name: "derivations/my-fork"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.lineage.DeleteDerivation(bob, &lineagev1.DeleteDerivationRequest{Name: "derivations/my-fork"})
		grpcCode(t, "bob deletes alice's derivation", err, codes.PermissionDenied, "PERMISSION_DENIED")
		_, err = s.lineage.DeleteDerivation(root, &lineagev1.DeleteDerivationRequest{Name: "derivations/my-fork"})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// Edges racing through the API never close a cycle: of the edges of each
// would-be cycle started at once, exactly one is refused.
func TestConcurrentCyclesThroughTheAPI(t *testing.T) {
	s := start(t, apptest.Config(t))
	const rings, size = 6, 3
	var wg sync.WaitGroup
	refused := make([]int, rings)
	var mu sync.Mutex
	works := map[string]string{}
	for r := range rings {
		for i := range size {
			id := fmt.Sprintf("r%d-%d", r, i)
			works[id] = s.work(t, apptest.AliceKey, id, "TEXT", "CC0-1.0")
		}
	}
	for r := range rings {
		for i := range size {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.lineage.CreateDerivation(alice, &lineagev1.CreateDerivationRequest{Derivation: &lineagev1.Derivation{
					Derivative: works[fmt.Sprintf("r%d-%d", r, i)], Source: works[fmt.Sprintf("r%d-%d", r, (i+1)%size)],
					Relation: lineagev1.Relation_RELATION_REMIX}})
				if err != nil {
					grpcCode(t, "racing edge", err, codes.FailedPrecondition, "CYCLE")
					mu.Lock()
					refused[r]++
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	for r, n := range refused {
		if n != 1 {
			t.Errorf("ring %d: %d edges refused; want 1", r, n)
		}
	}
}
