package catalogservice_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

func software(title, licence string) *catalogv1.Work {
	return &catalogv1.Work{Kind: catalogv1.WorkKind_WORK_KIND_SOFTWARE, Title: title, Licence: licence}
}

func TestCreateValidation(t *testing.T) {
	c := start(t, apptest.Config(t)).client
	long := strings.Repeat("x", 600)
	tests := []struct {
		name  string
		req   *catalogv1.CreateWorkRequest
		field string
	}{
		{"no work", &catalogv1.CreateWorkRequest{}, "work"},
		{"no kind", &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{Title: "x"}}, "work.kind"},
		{"unknown kind", &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{Kind: 42, Title: "x"}}, "work.kind"},
		{"no title", &catalogv1.CreateWorkRequest{Work: software("", "")}, "work.title"},
		{"long title", &catalogv1.CreateWorkRequest{Work: software(long, "")}, "work.title"},
		{"bad work id", &catalogv1.CreateWorkRequest{Work: software("x", ""), WorkId: "Not_An_Id"}, "work_id"},
		{"bad request id", &catalogv1.CreateWorkRequest{Work: software("x", ""), RequestId: "with space"}, "request_id"},
		{"bad digest", &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{Kind: 1, Title: "x", Digests: []string{"sha256:abc"}}}, "work.digests[0]"},
		{"bad isbn", &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{Kind: 1, Title: "x",
			Identifiers: []*catalogv1.Identifier{{Type: "isbn", Value: "978-0-306-40615-8"}}}}, "work.identifiers[0].value"},
		{"bad licence", &catalogv1.CreateWorkRequest{Work: software("x", "MIT AND")}, "work.licence"},
		{"unknown licence id", &catalogv1.CreateWorkRequest{Work: software("x", "Not-A-Licence")}, "work.licence"},
	}
	for _, tt := range tests {
		_, err := c.CreateWork(alice, tt.req)
		wantCode(t, tt.name, err, codes.InvalidArgument, tt.field)
	}
	st := wantCode(t, "bad licence", func() error {
		_, err := c.CreateWork(alice, &catalogv1.CreateWorkRequest{Work: software("x", "MIT AND OR Apache-2.0")})
		return err
	}(), codes.InvalidArgument, "work.licence")
	if info := errorInfo(st); info.GetReason() != "BAD_EXPRESSION" || info.GetMetadata()["position"] != "8" || info.GetMetadata()["token"] != "OR" {
		t.Errorf("bad expression details = %v", info)
	}
	_, err := c.CreateWork(anyone, &catalogv1.CreateWorkRequest{Work: software("x", "")})
	wantCode(t, "create without a key", err, codes.Unauthenticated, "")
	_, err = c.CreateWork(as("wrong-key-123"), &catalogv1.CreateWorkRequest{Work: software("x", "")})
	wantCode(t, "create with a bad key", err, codes.Unauthenticated, "")
}

func TestCreateNormalises(t *testing.T) {
	c := start(t, apptest.Config(t)).client
	w, err := c.CreateWork(alice, &catalogv1.CreateWorkRequest{WorkId: "isbn-book", Work: &catalogv1.Work{
		Kind: catalogv1.WorkKind_WORK_KIND_TEXT, Title: "  A book  ", Licence: "GPL-2.0+ AND LicenseRef-Mine",
		Identifiers: []*catalogv1.Identifier{{Type: "ISBN", Value: "0-306-40615-2"}, {Type: "doi", Value: "https://doi.org/10.1000/ABC"}},
		Creators:    []*catalogv1.Creator{{Name: "Ada", Uri: "0000-0002-1825-0097"}},
		Name:        "works/ignored", Owner: "mallory", Etag: "ignored",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if w.GetName() != "works/isbn-book" || w.GetTitle() != "A book" || w.GetOwner() != "alice" ||
		w.GetLicence() != "GPL-2.0-or-later AND LicenseRef-Mine" || w.GetLicenceStatus() != catalogv1.LicenceStatus_LICENCE_STATUS_UNKNOWN ||
		w.GetIdentifiers()[0].GetValue() != "9780306406157" || w.GetIdentifiers()[1].GetValue() != "10.1000/abc" ||
		w.GetCreators()[0].GetUri() != "https://orcid.org/0000-0002-1825-0097" {
		t.Fatalf("created %v", w)
	}
	found, err := c.LookupWorks(anyone, &catalogv1.LookupWorksRequest{Isbn: "978-0-306-40615-7"})
	if err != nil || len(found.GetWorks()) != 1 {
		t.Fatalf("lookup by the ISBN-13 of an ISBN-10 = %v, %v", found, err)
	}
	_, err = c.CreateWork(bob, &catalogv1.CreateWorkRequest{WorkId: "isbn-book", Work: software("x", "")})
	wantCode(t, "a taken work id", err, codes.AlreadyExists, "")

	// A LicenseRef- Stemma models (an AI model licence) is known.
	model, err := c.CreateWork(alice, &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{
		Kind: catalogv1.WorkKind_WORK_KIND_MODEL, Title: "A fine-tune", Licence: "LicenseRef-Llama-3.1"}})
	if err != nil || model.GetLicenceStatus() != catalogv1.LicenceStatus_LICENCE_STATUS_KNOWN {
		t.Fatalf("a work under a modelled LicenseRef = %v, %v", model, err)
	}

	none, err := c.CreateWork(alice, &catalogv1.CreateWorkRequest{Work: software("unlicensed", "")})
	if err != nil || none.GetLicenceStatus() != catalogv1.LicenceStatus_LICENCE_STATUS_NONE {
		t.Fatalf("a work without a licence = %v, %v", none, err)
	}
}

func TestRequestIDs(t *testing.T) {
	c := start(t, apptest.Config(t)).client
	req := &catalogv1.CreateWorkRequest{Work: software("once", "MIT"), RequestId: "0f8fad5b-d9cb-469f-a165-70867728950e"}
	first, err := c.CreateWork(alice, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateWork(alice, req)
	if err != nil || again.GetName() != first.GetName() || again.GetEtag() != first.GetEtag() {
		t.Fatalf("retry = %v, %v; want %s", again, err, first.GetName())
	}
	bobs, err := c.CreateWork(bob, req)
	if err != nil || bobs.GetName() == first.GetName() {
		t.Fatalf("the same request id from bob = %v, %v; want a new work", bobs, err)
	}
	other := &catalogv1.CreateWorkRequest{Work: software("twice", "MIT"), RequestId: req.RequestId}
	st := wantCode(t, "request id reused with other content", func() error { _, err := c.CreateWork(alice, other); return err }(),
		codes.InvalidArgument, "request_id")
	if errorInfo(st).GetReason() != "REQUEST_ID_REUSED" {
		t.Errorf("reason = %v", errorInfo(st))
	}
}

func TestBatchCreateAndGet(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.MaxBatchSize = 50
	c := start(t, cfg).client
	var reqs []*catalogv1.CreateWorkRequest
	for i := 0; i < 50; i++ {
		reqs = append(reqs, &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{
			Kind: catalogv1.WorkKind_WORK_KIND_DATASET, Title: fmt.Sprintf("part %d", i), Licence: []string{"cc-by-4.0", "CC0-1.0"}[i%2],
			Digests: []string{fmt.Sprintf("sha256:%064x", i)},
		}})
	}
	resp, err := c.BatchCreateWorks(alice, &catalogv1.BatchCreateWorksRequest{Requests: reqs})
	if err != nil || len(resp.GetWorks()) != 50 || resp.GetWorks()[0].GetLicence() != "CC-BY-4.0" || resp.GetWorks()[49].GetTitle() != "part 49" {
		t.Fatalf("BatchCreateWorks = %d works, %v", len(resp.GetWorks()), err)
	}
	_, err = c.BatchCreateWorks(alice, &catalogv1.BatchCreateWorksRequest{Requests: append(reqs, reqs[0])})
	wantCode(t, "a batch over the bound", err, codes.InvalidArgument, "requests")
	bad := append([]*catalogv1.CreateWorkRequest{}, reqs[:3]...)
	bad = append(bad, &catalogv1.CreateWorkRequest{Work: software("x", "GPL-2.0-only WITH")})
	_, err = c.BatchCreateWorks(alice, &catalogv1.BatchCreateWorksRequest{Requests: bad})
	wantCode(t, "a batch with a bad licence", err, codes.InvalidArgument, "requests[3].work.licence")

	names := []string{resp.GetWorks()[7].GetName(), "works/missing", resp.GetWorks()[7].GetName()}
	got, err := c.BatchGetWorks(anyone, &catalogv1.BatchGetWorksRequest{Names: names, AllowMissing: true})
	if err != nil || len(got.GetWorks()) != 2 || got.GetWorks()[1].GetTitle() != "part 7" || got.GetMissing()[0] != "works/missing" {
		t.Fatalf("BatchGetWorks with allow_missing = %v, %v", got, err)
	}
	_, err = c.BatchGetWorks(anyone, &catalogv1.BatchGetWorksRequest{Names: names})
	wantCode(t, "BatchGetWorks of a missing work", err, codes.NotFound, "")
	_, err = c.BatchGetWorks(anyone, &catalogv1.BatchGetWorksRequest{Names: []string{"works/Bad_Id"}})
	wantCode(t, "BatchGetWorks of a bad name", err, codes.InvalidArgument, "names[0]")
	_, err = c.GetWork(anyone, &catalogv1.GetWorkRequest{Name: "licences/MIT"})
	wantCode(t, "GetWork of another collection", err, codes.InvalidArgument, "name")
	_, err = c.GetWork(anyone, &catalogv1.GetWorkRequest{Name: "works/missing"})
	wantCode(t, "GetWork of a missing work", err, codes.NotFound, "")
}

func TestListAndLookup(t *testing.T) {
	c := start(t, apptest.Config(t)).client
	for i, lic := range []string{"MIT", "mit", "GPL-2.0+", "MIT AND BSD-3-Clause", ""} {
		if _, err := c.CreateWork([]context.Context{alice, bob}[i%2], &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{
			Kind: catalogv1.WorkKind_WORK_KIND_SOFTWARE, Title: fmt.Sprintf("tool %d", i), Licence: lic,
			Identifiers: []*catalogv1.Identifier{{Type: "purl", Value: fmt.Sprintf("pkg:npm/tool@%d", i%2)}},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(filter string) int {
		t.Helper()
		resp, err := c.ListWorks(anyone, &catalogv1.ListWorksRequest{Filter: filter})
		if err != nil {
			t.Fatalf("filter %q: %v", filter, err)
		}
		return len(resp.GetWorks())
	}
	for filter, want := range map[string]int{
		`licence = "MIT"`:                    2,
		`licence = "mit"`:                    2,
		`licence = "GPL-2.0-or-later"`:       1,
		`licence = "GPL-2.0+"`:               1,
		`licence_id = "mit"`:                 3,
		`licence_id = "BSD-3-Clause"`:        1,
		`licence = ""`:                       1,
		`owner = "bob"`:                      2,
		`identifier = "purl:pkg:npm/tool@1"`: 2,
		`title : "TOOL"`:                     5,
	} {
		if got := count(filter); got != want {
			t.Errorf("%s: %d works; want %d", filter, got, want)
		}
	}
	for _, bad := range []string{`colour = "red"`, `licence = "MIT AND"`, `licence_id = "MIT OR Apache-2.0"`, `creator : "x"`} {
		_, err := c.ListWorks(anyone, &catalogv1.ListWorksRequest{Filter: bad})
		wantCode(t, bad, err, codes.InvalidArgument, "filter")
	}

	page, err := c.ListWorks(anyone, &catalogv1.ListWorksRequest{PageSize: 2, Filter: `title : "tool"`})
	if err != nil || len(page.GetWorks()) != 2 || page.GetNextPageToken() == "" {
		t.Fatalf("first page = %v, %v", page, err)
	}
	_, err = c.ListWorks(anyone, &catalogv1.ListWorksRequest{PageSize: 2, PageToken: page.GetNextPageToken()})
	wantCode(t, "a token with another filter", err, codes.InvalidArgument, "page_token")
	_, err = c.ListWorks(anyone, &catalogv1.ListWorksRequest{PageSize: -1})
	wantCode(t, "a negative page size", err, codes.InvalidArgument, "page_size")

	found, err := c.LookupWorks(anyone, &catalogv1.LookupWorksRequest{Purl: "PKG:npm/tool@0", PageSize: 2})
	if err != nil || len(found.GetWorks()) != 2 || found.GetNextPageToken() == "" {
		t.Fatalf("lookup by purl = %v, %v", found, err)
	}
	rest, err := c.LookupWorks(anyone, &catalogv1.LookupWorksRequest{Purl: "pkg:npm/tool@0", PageSize: 2, PageToken: found.GetNextPageToken()})
	if err != nil || len(rest.GetWorks()) != 1 || rest.GetNextPageToken() != "" {
		t.Fatalf("second page of the lookup = %v, %v", rest, err)
	}
	_, err = c.LookupWorks(anyone, &catalogv1.LookupWorksRequest{})
	wantCode(t, "a lookup without a key", err, codes.InvalidArgument, "digest")
	_, err = c.LookupWorks(anyone, &catalogv1.LookupWorksRequest{Doi: "10.1/x", Url: "https://x.org/"})
	wantCode(t, "a lookup with two keys", err, codes.InvalidArgument, "digest")
	_, err = c.LookupWorks(anyone, &catalogv1.LookupWorksRequest{Swhid: "swh:1:cnt:xyz"})
	wantCode(t, "a lookup by a bad SWHID", err, codes.InvalidArgument, "swhid")

	// A batch answers each lookup's first page, in the order asked.
	batch, err := c.BatchLookupWorks(alice, &catalogv1.BatchLookupWorksRequest{Requests: []*catalogv1.LookupWorksRequest{
		{Purl: "pkg:npm/none@1"}, {Purl: "pkg:npm/tool@0", PageSize: 2}, {Purl: "pkg:npm/tool@0"},
	}})
	if err != nil || len(batch.GetResponses()) != 3 {
		t.Fatalf("batch lookup = %v, %v", batch, err)
	}
	if r := batch.GetResponses(); len(r[0].GetWorks()) != 0 || len(r[1].GetWorks()) != 2 || r[1].GetNextPageToken() == "" ||
		len(r[2].GetWorks()) != 3 || r[2].GetNextPageToken() != "" {
		t.Fatalf("batch lookup answers = %v", r)
	}
	// The first page's token pages on with LookupWorks.
	rest, err = c.LookupWorks(anyone, &catalogv1.LookupWorksRequest{Purl: "pkg:npm/tool@0", PageSize: 2, PageToken: batch.GetResponses()[1].GetNextPageToken()})
	if err != nil || len(rest.GetWorks()) != 1 {
		t.Fatalf("paging on from a batch = %v, %v", rest, err)
	}
	_, err = c.BatchLookupWorks(alice, &catalogv1.BatchLookupWorksRequest{Requests: []*catalogv1.LookupWorksRequest{{Purl: "pkg:npm/tool@0"}, {Swhid: "swh:1:cnt:xyz"}}})
	wantCode(t, "a batch with a bad SWHID", err, codes.InvalidArgument, "requests[1].swhid")
	_, err = c.BatchLookupWorks(alice, &catalogv1.BatchLookupWorksRequest{})
	wantCode(t, "an empty batch", err, codes.InvalidArgument, "requests")
	_, err = c.BatchLookupWorks(alice, &catalogv1.BatchLookupWorksRequest{Requests: []*catalogv1.LookupWorksRequest{{Purl: "pkg:npm/tool@0", PageToken: "x"}}})
	wantCode(t, "a batch with a page token", err, codes.InvalidArgument, "requests[0].page_token")
	_, err = c.BatchLookupWorks(anyone, &catalogv1.BatchLookupWorksRequest{Requests: []*catalogv1.LookupWorksRequest{{Purl: "pkg:npm/tool@0"}}})
	wantCode(t, "an anonymous batch", err, codes.Unauthenticated, "")
}

func TestUpdate(t *testing.T) {
	c := start(t, apptest.Config(t)).client
	w, err := c.CreateWork(alice, &catalogv1.CreateWorkRequest{Work: &catalogv1.Work{
		Kind: catalogv1.WorkKind_WORK_KIND_TEXT, Title: "Essay", Description: "first", Licence: "CC-BY-4.0", Version: "1",
	}})
	if err != nil {
		t.Fatal(err)
	}
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

	// camelCase paths, output-only paths ignored, a cleared field.
	u, err := c.UpdateWork(alice, &catalogv1.UpdateWorkRequest{
		Work:       &catalogv1.Work{Name: w.GetName(), Etag: w.GetEtag(), SourceUris: []string{"https://example.org/essay"}, Owner: "alice"},
		UpdateMask: mask("sourceUris", "description", "owner", "etag", "updateTime"),
	})
	if err != nil || u.GetDescription() != "" || len(u.GetSourceUris()) != 1 || u.GetTitle() != "Essay" || u.GetEtag() == w.GetEtag() {
		t.Fatalf("masked update = %v, %v", u, err)
	}
	// Without a mask, the fields the work sets.
	u, err = c.UpdateWork(alice, &catalogv1.UpdateWorkRequest{Work: &catalogv1.Work{Name: w.GetName(), Version: "2"}})
	if err != nil || u.GetVersion() != "2" || len(u.GetSourceUris()) != 1 {
		t.Fatalf("update without a mask = %v, %v", u, err)
	}

	for _, tt := range []struct {
		name  string
		req   *catalogv1.UpdateWorkRequest
		code  codes.Code
		field string
	}{
		{"unknown path", &catalogv1.UpdateWorkRequest{Work: &catalogv1.Work{Name: w.GetName()}, UpdateMask: mask("colour")}, codes.InvalidArgument, "update_mask"},
		{"nested path", &catalogv1.UpdateWorkRequest{Work: &catalogv1.Work{Name: w.GetName()}, UpdateMask: mask("creators.name")}, codes.InvalidArgument, "update_mask"},
		{"nothing to change", &catalogv1.UpdateWorkRequest{Work: &catalogv1.Work{Name: w.GetName()}, UpdateMask: mask("etag")}, codes.InvalidArgument, "update_mask"},
		{"empty title", &catalogv1.UpdateWorkRequest{Work: &catalogv1.Work{Name: w.GetName()}, UpdateMask: mask("title")}, codes.InvalidArgument, "work.title"},
		{"bad licence", &catalogv1.UpdateWorkRequest{Work: &catalogv1.Work{Name: w.GetName(), Licence: "(MIT"}, UpdateMask: mask("licence")}, codes.InvalidArgument, "work.licence"},
		{"note without licence", &catalogv1.UpdateWorkRequest{Work: &catalogv1.Work{Name: w.GetName(), Title: "x"}, LicenceChangeNote: "why"}, codes.InvalidArgument, "licence_change_note"},
		{"no name", &catalogv1.UpdateWorkRequest{Work: &catalogv1.Work{Title: "x"}}, codes.InvalidArgument, "work.name"},
		{"missing work", &catalogv1.UpdateWorkRequest{Work: &catalogv1.Work{Name: "works/missing", Title: "x"}}, codes.NotFound, ""},
		{"stale etag", &catalogv1.UpdateWorkRequest{Work: &catalogv1.Work{Name: w.GetName(), Title: "x", Etag: w.GetEtag()}}, codes.Aborted, ""},
	} {
		_, err := c.UpdateWork(alice, tt.req)
		wantCode(t, tt.name, err, tt.code, tt.field)
	}
	_, err = c.UpdateWork(bob, &catalogv1.UpdateWorkRequest{Work: &catalogv1.Work{Name: w.GetName(), Title: "Bob's"}})
	wantCode(t, "update by bob", err, codes.PermissionDenied, "")

	// A relicensing by an admin, with its note and effective time.
	when := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	u, err = c.UpdateWork(root, &catalogv1.UpdateWorkRequest{
		Work: &catalogv1.Work{Name: w.GetName(), Licence: "cc-by-sa-4.0"}, UpdateMask: mask("licence"),
		LicenceChangeNote: "the author chose share-alike", LicenceEffectiveTime: timestamppb.New(when),
	})
	if err != nil || u.GetLicence() != "CC-BY-SA-4.0" || u.GetOwner() != "alice" {
		t.Fatalf("relicensing = %v, %v", u, err)
	}
	h, err := c.ListLicenceChanges(anyone, &catalogv1.ListLicenceChangesRequest{Parent: w.GetName()})
	if err != nil || len(h.GetLicenceChanges()) != 2 {
		t.Fatalf("history = %v, %v", h, err)
	}
	if ch := h.GetLicenceChanges()[1]; ch.GetLicence() != "CC-BY-SA-4.0" || ch.GetPreviousLicence() != "CC-BY-4.0" ||
		ch.GetActor() != "root" || ch.GetNote() != "the author chose share-alike" || !ch.GetEffectiveTime().AsTime().Equal(when) {
		t.Errorf("relicensing entry = %v", ch)
	}
	if ch := h.GetLicenceChanges()[0]; ch.GetLicence() != "CC-BY-4.0" || ch.GetActor() != "alice" || ch.GetPreviousLicence() != "" {
		t.Errorf("first entry = %v", ch)
	}
	_, err = c.ListLicenceChanges(anyone, &catalogv1.ListLicenceChangesRequest{Parent: "works/missing"})
	wantCode(t, "history of a missing work", err, codes.NotFound, "")
}

func TestLiensAndDelete(t *testing.T) {
	inst := start(t, apptest.Config(t))
	c := inst.client
	// Only the internal listener takes the internal key.
	ic := catalogv1.NewCatalogServiceClient(inst.InternalConn(t))
	w, err := c.CreateWork(alice, &catalogv1.CreateWorkRequest{Work: software("held", "MIT")})
	if err != nil {
		t.Fatal(err)
	}
	lien := &catalogv1.CreateLienRequest{Parent: w.GetName(), LienId: "d1", Lien: &catalogv1.Lien{Origin: "derivations/d1", Reason: "works/b derives from it"}}
	_, err = c.CreateLien(alice, lien)
	wantCode(t, "a lien placed by the owner", err, codes.PermissionDenied, "")
	_, err = c.CreateLien(anyone, lien)
	wantCode(t, "a lien placed without a key", err, codes.Unauthenticated, "")
	l, err := ic.CreateLien(internal, lien)
	if err != nil || l.GetName() != w.GetName()+"/liens/d1" || l.GetCreator() != "stemma-internal" {
		t.Fatalf("CreateLien by the internal principal = %v, %v", l, err)
	}
	if again, err := ic.CreateLien(internal, lien); err != nil || !again.GetCreateTime().AsTime().Equal(l.GetCreateTime().AsTime()) {
		t.Fatalf("CreateLien retried = %v, %v", again, err)
	}
	for _, bad := range []*catalogv1.CreateLienRequest{
		{Parent: w.GetName(), LienId: "d2"},
		{Parent: w.GetName(), LienId: "D 2", Lien: &catalogv1.Lien{Origin: "derivations/d2"}},
		{Parent: w.GetName(), LienId: "d2", Lien: &catalogv1.Lien{Origin: "derivations /d2"}},
	} {
		_, err := c.CreateLien(root, bad)
		wantCode(t, fmt.Sprintf("CreateLien(%v)", bad), err, codes.InvalidArgument, "")
	}
	ls, err := c.ListLiens(anyone, &catalogv1.ListLiensRequest{Parent: w.GetName()})
	if err != nil || len(ls.GetLiens()) != 1 {
		t.Fatalf("ListLiens = %v, %v", ls, err)
	}

	_, err = c.DeleteWork(alice, &catalogv1.DeleteWorkRequest{Name: w.GetName()})
	st := wantCode(t, "delete of a held work", err, codes.FailedPrecondition, "")
	if errorInfo(st).GetReason() != "WORK_HAS_LIENS" || !strings.Contains(st.Message(), "derivations/d1") {
		t.Errorf("refusal = %v", st.Proto())
	}
	_, err = c.DeleteWork(alice, &catalogv1.DeleteWorkRequest{Name: w.GetName(), Force: true})
	wantCode(t, "force by the owner", err, codes.PermissionDenied, "")
	_, err = c.DeleteLien(bob, &catalogv1.DeleteLienRequest{Name: l.GetName()})
	wantCode(t, "a lien lifted by bob", err, codes.PermissionDenied, "")
	_, err = ic.DeleteLien(internal, &catalogv1.DeleteLienRequest{Name: "works/x/derivations/y"})
	wantCode(t, "a bad lien name", err, codes.InvalidArgument, "name")
	if _, err := ic.DeleteLien(internal, &catalogv1.DeleteLienRequest{Name: l.GetName()}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.DeleteLien(internal, &catalogv1.DeleteLienRequest{Name: l.GetName()})
	wantCode(t, "a lien lifted twice", err, codes.NotFound, "")

	_, err = c.DeleteWork(bob, &catalogv1.DeleteWorkRequest{Name: w.GetName()})
	wantCode(t, "delete by bob", err, codes.PermissionDenied, "")
	_, err = c.DeleteWork(alice, &catalogv1.DeleteWorkRequest{Name: w.GetName(), Etag: "stale"})
	wantCode(t, "delete with a stale etag", err, codes.Aborted, "")
	if _, err := c.DeleteWork(alice, &catalogv1.DeleteWorkRequest{Name: w.GetName(), Etag: w.GetEtag()}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetWork(anyone, &catalogv1.GetWorkRequest{Name: w.GetName()})
	wantCode(t, "get after delete", err, codes.NotFound, "")

	// An admin forces the delete of a held work.
	h, err := c.CreateWork(bob, &catalogv1.CreateWorkRequest{Work: software("held too", "")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLien(root, &catalogv1.CreateLienRequest{Parent: h.GetName(), LienId: "d9", Lien: &catalogv1.Lien{Origin: "derivations/d9"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteWork(root, &catalogv1.DeleteWorkRequest{Name: h.GetName(), Force: true}); err != nil {
		t.Fatalf("forced delete by an admin: %v", err)
	}
}

// TestDeclaredLicences: the statements a source made travel over REST
// beside the concluded licence, and a PATCH of the licence leaves them.
func TestDeclaredLicences(t *testing.T) {
	inst := start(t, apptest.Config(t))
	code, raw := inst.Do(t, "POST", "/v1/works", apptest.AliceKey, `{"kind":"WORK_KIND_SOFTWARE","title":"bcprov","licence":"MIT",
		"declaredLicences":[{"statement":"Bouncy Castle Licence","method":"alias","expression":"MIT","confidence":0.9},
		{"statement":"Public Domain"}]}`)
	if code != 200 {
		t.Fatalf("create = %d %s", code, raw)
	}
	var w struct {
		Name             string
		DeclaredLicences []map[string]any
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"statement": "Bouncy Castle Licence", "method": "alias", "expression": "MIT", "confidence": 0.9},
		{"statement": "Public Domain", "method": "none", "expression": "", "confidence": 0.0},
	}
	if !reflect.DeepEqual(w.DeclaredLicences, want) {
		t.Fatalf("declaredLicences = %v; want %v", w.DeclaredLicences, want)
	}
	code, raw = inst.Do(t, "PATCH", "/v1/"+w.Name+"?updateMask=licence", apptest.AliceKey, `{"licence":"Apache-2.0"}`)
	if code != 200 || !strings.Contains(string(raw), `"Bouncy Castle Licence"`) {
		t.Fatalf("licence update = %d %s", code, raw)
	}
	code, raw = inst.Do(t, "PATCH", "/v1/"+w.Name+"?updateMask=declaredLicences", apptest.AliceKey,
		`{"declaredLicences":[{"statement":"MIT","method":"guess","expression":"MIT"}]}`)
	if code != 400 || !strings.Contains(string(raw), "declared_licences[0].method") {
		t.Fatalf("bad method = %d %s", code, raw)
	}
}

// BatchCreateLiens is CreateLien for many works at once: internal or admin
// only, all or none (a missing work fails the batch, naming its request),
// a retry returns the liens unchanged.
func TestBatchCreateLiens(t *testing.T) {
	inst := start(t, apptest.Config(t))
	c := inst.client
	// Only the internal listener takes the internal key.
	ic := catalogv1.NewCatalogServiceClient(inst.InternalConn(t))
	var reqs []*catalogv1.CreateLienRequest
	for _, title := range []string{"first", "second"} {
		w, err := c.CreateWork(alice, &catalogv1.CreateWorkRequest{Work: software(title, "MIT")})
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, &catalogv1.CreateLienRequest{Parent: w.GetName(), LienId: "d1", Lien: &catalogv1.Lien{Origin: "derivations/d1"}})
	}
	batch := &catalogv1.BatchCreateLiensRequest{Requests: reqs}
	_, err := c.BatchCreateLiens(alice, batch)
	wantCode(t, "liens placed by the owner", err, codes.PermissionDenied, "")
	broken := &catalogv1.BatchCreateLiensRequest{Requests: append(reqs[:2:2],
		&catalogv1.CreateLienRequest{Parent: "works/missing", LienId: "d1", Lien: &catalogv1.Lien{Origin: "derivations/d1"}})}
	_, err = ic.BatchCreateLiens(internal, broken)
	wantCode(t, "a batch naming a missing work", err, codes.NotFound, "")
	_, err = ic.BatchCreateLiens(internal, &catalogv1.BatchCreateLiensRequest{Requests: []*catalogv1.CreateLienRequest{{Parent: reqs[0].GetParent(), LienId: "d2"}}})
	if st := wantCode(t, "a request without its lien", err, codes.InvalidArgument, ""); !strings.Contains(st.Message(), "requests[0].lien") {
		t.Errorf("the refusal does not name requests[0].lien: %s", st.Message())
	}
	for _, r := range reqs {
		if ls, err := c.ListLiens(anyone, &catalogv1.ListLiensRequest{Parent: r.GetParent()}); err != nil || len(ls.GetLiens()) != 0 {
			t.Fatalf("after refused batches, %s has liens %v, %v", r.GetParent(), ls, err)
		}
	}
	made, err := ic.BatchCreateLiens(internal, batch)
	if err != nil || len(made.GetLiens()) != 2 || made.GetLiens()[1].GetName() != reqs[1].GetParent()+"/liens/d1" {
		t.Fatalf("BatchCreateLiens = %v, %v", made, err)
	}
	if again, err := c.BatchCreateLiens(root, batch); err != nil || !again.GetLiens()[0].GetCreateTime().AsTime().Equal(made.GetLiens()[0].GetCreateTime().AsTime()) {
		t.Fatalf("BatchCreateLiens retried = %v, %v", again, err)
	}
}
