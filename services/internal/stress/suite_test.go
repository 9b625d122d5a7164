package stress

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/testproc"
)

// WrongKey is a well-formed key that no principal has.
const WrongKey = "stress-key-nobody-9999"

// suite is one `stemma serve` process running every part on SQLite, with
// the cluster's principals, for the tests of hostile callers.
type suite struct {
	t    *testing.T
	p    *testproc.Process
	base string
}

func startSuite(t *testing.T, flags ...string) *suite {
	t.Helper()
	p := testproc.Start(t, testproc.Options{
		Name:   "suite",
		Binary: getenvBin(),
		Flags:  append([]string{"--data-dir=" + t.TempDir(), "--log-level=debug"}, flags...),
		Env: []string{
			"STEMMA_API_KEYS=alice=" + AliceKey + ",bob=" + BobKey + ",root=" + RootKey,
			"STEMMA_ADMINS=root", "STEMMA_INTERNAL_KEY=" + InternalKey,
		},
	})
	return &suite{t: t, p: p, base: "http://" + p.HTTPAddr}
}

// do sends a REST request and fails the test on a transport error.
func (s *suite) do(verb, pathQuery, key string, body []byte) Reply {
	s.t.Helper()
	r, err := REST(context.Background(), http.DefaultClient, s.base, verb, pathQuery, key, "", body)
	if err != nil {
		s.t.Fatalf("%s %s: %v", verb, pathQuery, err)
	}
	return r
}

// create sends a write that must succeed and returns the named field of
// the reply.
func (s *suite) create(verb, pathQuery, body, field string) string {
	s.t.Helper()
	r := s.do(verb, pathQuery, AliceKey, []byte(body))
	if r.Status != http.StatusOK {
		s.t.Fatalf("%s %s: HTTP %d: %s", verb, pathQuery, r.Status, r.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		s.t.Fatal(err)
	}
	v, _ := m[field].(string)
	return v
}

// work registers a work owned by alice and returns its name.
func (s *suite) work(title, licence string) string {
	s.t.Helper()
	return s.create("POST", "/v1/works", `{"kind":"WORK_KIND_SOFTWARE","title":"`+title+`","licence":"`+licence+`"}`, "name")
}

// snapshot is everything a write could change, read through the API: every
// work with its etag, and for each its derivations, liens and licence
// history.
func (s *suite) snapshot() string { return s.snapshotOf("") }

// snapshotOf is the snapshot of the works, policies and curations one owner
// holds (proposed), or
// of all of them when owner is empty.
func (s *suite) snapshotOf(owner string) string {
	s.t.Helper()
	var b strings.Builder
	var list struct {
		Works []json.RawMessage `json:"works"`
	}
	r := s.do("GET", "/v1/works?pageSize=1000", "", nil)
	if err := json.Unmarshal(r.Body, &list); err != nil {
		s.t.Fatalf("list works: %v: %s", err, r.Body)
	}
	for _, raw := range list.Works {
		var w struct{ Name, Owner string }
		decode(s.t, raw, &w)
		if owner != "" && w.Owner != owner {
			continue
		}
		b.Write(raw)
		for _, q := range []string{
			"/v1/derivations?pageSize=1000&source=" + w.Name,
			"/v1/derivations?pageSize=1000&derivative=" + w.Name,
			"/v1/" + w.Name + "/liens?pageSize=1000",
			"/v1/" + w.Name + "/licenceChanges?pageSize=1000",
		} {
			b.WriteString("\n" + q + "\n")
			b.Write(s.do("GET", q, "", nil).Body)
		}
	}
	var policies struct {
		Policies []json.RawMessage `json:"policies"`
	}
	decode(s.t, s.do("GET", "/v1/policies?pageSize=1000", "", nil).Body, &policies)
	for _, raw := range policies.Policies {
		var p struct{ Name, Owner string }
		decode(s.t, raw, &p)
		if owner != "" && p.Owner != owner {
			continue
		}
		b.Write(raw)
		b.Write(s.do("GET", "/v1/"+p.Name+":listRevisions?pageSize=1000", "", nil).Body)
	}
	var curations struct {
		Curations []json.RawMessage `json:"curations"`
	}
	decode(s.t, s.do("GET", "/v1/curations?pageSize=1000", "", nil).Body, &curations)
	for _, raw := range curations.Curations {
		var c struct{ Proposer string }
		decode(s.t, raw, &c)
		if owner == "" || c.Proposer == owner {
			b.Write(raw)
		}
	}
	return b.String()
}

// route returns the route of the named method.
func route(t *testing.T, method string) Route {
	t.Helper()
	for _, r := range Routes() {
		if r.Name() == method {
			return r
		}
	}
	t.Fatalf("no route for %s", method)
	return Route{}
}
