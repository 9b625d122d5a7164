package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/lineage/store"
)

// PoliciesOpener returns a fresh, empty policy store for one test.
type PoliciesOpener func(t testing.TB) store.Policies

// RunPolicies runs the policy part of the suite against the stores open
// returns.
func RunPolicies(t *testing.T, open PoliciesOpener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Policies)
	}{
		{"CreateGetList", testPolicyCreateGetList},
		{"Revisions", testPolicyRevisions},
		{"Delete", testPolicyDelete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

func mustCreatePolicy(t *testing.T, s store.Policies, id, owner string) *store.Policy {
	t.Helper()
	p := &store.Policy{ID: id, Owner: owner, Document: "id: " + id + "\n", CreateTime: at}
	if err := s.CreatePolicy(context.Background(), p); err != nil {
		t.Fatalf("CreatePolicy %s: %v", id, err)
	}
	return p
}

func testPolicyCreateGetList(t *testing.T, s store.Policies) {
	ctx := context.Background()
	for _, id := range []string{"c", "a", "b"} {
		mustCreatePolicy(t, s, id, "alice")
	}
	err := s.CreatePolicy(ctx, &store.Policy{ID: "a", Owner: "bob", Document: "id: a\n", CreateTime: at})
	wantKind(t, "duplicate", err, apierr.AlreadyExists, "")
	got, err := s.GetPolicy(ctx, "a")
	if err != nil || got.Owner != "alice" || got.Revision != 1 || !got.CreateTime.Equal(at.Truncate(time.Microsecond)) ||
		!got.UpdateTime.Equal(got.CreateTime) || got.Document != "id: a\n" || got.Etag() == "" {
		t.Fatalf("GetPolicy = %+v, %v", got, err)
	}
	_, err = s.GetPolicy(ctx, "nope")
	wantKind(t, "missing", err, apierr.NotFound, "")
	page, err := s.ListPolicies(ctx, "", 2)
	if err != nil || len(page) != 2 || page[0].ID != "a" || page[1].ID != "b" {
		t.Fatalf("first page %+v, %v", page, err)
	}
	page, err = s.ListPolicies(ctx, "b", 2)
	if err != nil || len(page) != 1 || page[0].ID != "c" {
		t.Fatalf("second page %+v, %v", page, err)
	}
}

func testPolicyRevisions(t *testing.T, s store.Policies) {
	ctx := context.Background()
	p := mustCreatePolicy(t, s, "p", "alice")
	later := at.Add(time.Hour)
	up, err := s.UpdatePolicy(ctx, "p", 1, "id: p\ntitle: two\n", "root", later)
	if err != nil || up.Revision != 2 || up.Owner != "alice" || !up.UpdateTime.Equal(later.Truncate(time.Microsecond)) || up.Etag() == p.Etag() {
		t.Fatalf("UpdatePolicy = %+v, %v", up, err)
	}
	// A writer that read revision 1 lost the race.
	_, err = s.UpdatePolicy(ctx, "p", 1, "id: p\ntitle: stale\n", "bob", later)
	wantKind(t, "stale revision", err, apierr.Aborted, "")
	_, err = s.UpdatePolicy(ctx, "nope", 1, "id: nope\n", "bob", later)
	wantKind(t, "missing", err, apierr.NotFound, "")
	for i := 3; i <= 5; i++ {
		if _, err := s.UpdatePolicy(ctx, "p", int64(i-1), fmt.Sprintf("id: p\ntitle: r%d\n", i), "alice", later); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := s.ListPolicyRevisions(ctx, "p", 0, 3)
	if err != nil || len(rs) != 3 || rs[0].Revision != 5 || rs[2].Revision != 3 || rs[0].Document != "id: p\ntitle: r5\n" {
		t.Fatalf("first revisions %+v, %v", rs, err)
	}
	rs, err = s.ListPolicyRevisions(ctx, "p", 3, 3)
	if err != nil || len(rs) != 2 || rs[0].Revision != 2 || rs[0].Author != "root" || rs[1].Author != "alice" || rs[1].Document != "id: p\n" {
		t.Fatalf("older revisions %+v, %v", rs, err)
	}
	_, err = s.ListPolicyRevisions(ctx, "nope", 0, 3)
	wantKind(t, "missing", err, apierr.NotFound, "")
}

func testPolicyDelete(t *testing.T, s store.Policies) {
	ctx := context.Background()
	mustCreatePolicy(t, s, "d", "alice")
	if _, err := s.UpdatePolicy(ctx, "d", 1, "id: d\ntitle: two\n", "alice", at); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "stale", s.DeletePolicy(ctx, "d", 1), apierr.Aborted, "")
	if err := s.DeletePolicy(ctx, "d", 2); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "deleted", s.DeletePolicy(ctx, "d", 0), apierr.NotFound, "")
	// Its id may be taken again, with a history of its own.
	mustCreatePolicy(t, s, "d", "bob")
	rs, err := s.ListPolicyRevisions(ctx, "d", 0, 10)
	if err != nil || len(rs) != 1 || rs[0].Author != "bob" {
		t.Fatalf("revisions after re-creating %+v, %v", rs, err)
	}
}
