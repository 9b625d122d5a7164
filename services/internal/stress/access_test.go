package stress

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"google.golang.org/grpc/codes"
)

// access is one write of the access test: a request alice could make, and
// whether it acts on a resource she owns (so that another principal's key
// must be refused too). Creates act on nothing anyone owns: bob may create
// works of his own. A foreign write names what alice owns but is one bob
// may make on his own behalf: it must succeed and leave hers as it was.
type access struct {
	call    Call
	owned   bool
	foreign bool
}

// accessCases returns a request for every write method, against resources
// alice made. A write method missing here fails the test: a new write
// route cannot escape it.
func accessCases(s *suite) map[string]access {
	a := s.work("access A", "MIT")
	b := s.work("access B", "MIT")
	c := s.work("access C", "MIT")
	d := s.create("POST", "/v1/derivations", `{"derivative":"`+b+`","source":"`+a+`","relation":"RELATION_ADAPTATION"}`, "name")
	var liens struct {
		Liens []struct {
			Name string `json:"name"`
		} `json:"liens"`
	}
	decode(s.t, s.do("GET", "/v1/"+a+"/liens", "", nil).Body, &liens)
	if len(liens.Liens) == 0 {
		s.t.Fatalf("no lien on %s after a derivation from it", a)
	}
	s.create("POST", "/v1/works", `{"kind":"WORK_KIND_SOFTWARE","title":"access P","version":"1","licence":"MIT",
		"identifiers":[{"type":"purl","value":"pkg:npm/access-p@1"}]}`, "name")
	// The product is alice's work: bob's import of it must not record a
	// derivation or place a lien on it.
	sbom := `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
		"metadata":{"component":{"type":"application","bom-ref":"app","name":"access P","version":"1","purl":"pkg:npm/access-p@1","licenses":[{"expression":"MIT"}]}},
		"components":[{"type":"library","bom-ref":"lib","name":"intruder-lib","version":"1","purl":"pkg:npm/intruder-lib@1","licenses":[{"expression":"MIT"}]}],
		"dependencies":[{"ref":"app","dependsOn":["lib"]}]}`
	work := `{"kind":"WORK_KIND_TEXT","title":"intruder","licence":"MIT"}`
	pol := s.create("POST", "/v1/policies", `{"document":"id: access-policy\ndeny:\n  categories: [strong-copyleft]\n"}`, "name")
	intruderPolicy := `{"document":"id: access-policy\nallow:\n  categories: [strong-copyleft]\n"}`
	sub := s.create("POST", "/v1/subscriptions", `{"work":"`+a+`","scope":"SCOPE_DESCENDANTS"}`, "name")
	cur := s.create("POST", "/v1/curations", `{"purl":"pkg:npm/access-p","licence":"MIT","evidence":{"url":"https://example.com/LICENSE"}}`, "name")
	return map[string]access{
		"CreateWork":       {call: Call{Body: work}},
		"BatchCreateWorks": {call: Call{Body: `{"requests":[{"work":` + work + `}]}`}},
		"UpdateWork": {owned: true, call: Call{Params: map[string]string{"work.name": a},
			Query: url.Values{"updateMask": {"title,licence"}}, Body: `{"title":"intruder","licence":"GPL-3.0-only"}`}},
		"DeleteWork": {owned: true, call: Call{Params: map[string]string{"name": c}}},
		"CreateLien": {owned: true, call: Call{Params: map[string]string{"parent": c},
			Query: url.Values{"lienId": {"intruder"}}, Body: `{"origin":"intruder","reason":"hold"}`}},
		"BatchCreateLiens": {owned: true, call: Call{
			Body: `{"requests":[{"parent":"` + c + `","lienId":"intruder","lien":{"origin":"intruder","reason":"hold"}}]}`}},
		"DeleteLien": {owned: true, call: Call{Params: map[string]string{"name": liens.Liens[0].Name}}},
		"CreateDerivation": {owned: true, call: Call{
			Body: `{"derivative":"` + c + `","source":"` + a + `","relation":"RELATION_ADAPTATION"}`}},
		"DeleteDerivation": {owned: true, call: Call{Params: map[string]string{"name": d}}},
		"ImportSbom":       {foreign: true, call: Call{Body: sbom, Query: url.Values{"allowConflict": {"true"}}}},
		"CreatePolicy":     {call: Call{Body: `{"document":"id: intruder-policy\nreview:\n  unknown: true\n"}`}},
		"UpdatePolicy":     {owned: true, call: Call{Params: map[string]string{"policy.name": pol}, Body: intruderPolicy}},
		"DeletePolicy":     {owned: true, call: Call{Params: map[string]string{"name": pol}}},
		// Anyone with a key may evaluate alice's policy; it changes nothing.
		"EvaluatePolicy": {foreign: true, call: Call{Params: map[string]string{"name": pol},
			Body: `{"check":{"inbound":"GPL-3.0-only","outbound":"MIT"}}`}},
		"CreateCuration": {call: Call{Body: `{"purl":"pkg:npm/intruder","licence":"MIT","evidence":{"url":"https://example.com/x"}}`}},
		// Bob holds a key but is no reviewer: he may not review alice's
		// curation, as he may not change her works.
		"AcceptCuration": {owned: true, call: Call{Params: map[string]string{"name": cur}, Body: `{}`}},
		"RejectCuration": {owned: true, call: Call{Params: map[string]string{"name": cur}, Body: `{}`}},
		// Bob may follow alice's work; not read or delete her subscription.
		"CreateSubscription": {call: Call{Body: `{"work":"` + a + `","scope":"SCOPE_ANCESTORS"}`}},
		"DeleteSubscription": {owned: true, call: Call{Params: map[string]string{"name": sub}}},
		// A notice reads the document only; it takes a key as every POST.
		"BuildSbomNotice": {foreign: true, call: Call{Body: sbom}},
		// A lookup needs a key for its POST, and reads alice's work only.
		"BatchLookupWorks": {foreign: true, call: Call{Body: `{"requests":[{"purl":"pkg:npm/access-p@1"}]}`}},
	}
}

// Every write route, over REST and over gRPC, refuses a request with no
// key or an unknown key (UNAUTHENTICATED), and one with another owner's key
// where the resource is someone's (PERMISSION_DENIED); afterwards nothing
// has changed. Then each foreign write, made with bob's key, succeeds and
// leaves alice's works, their derivations and liens as they were.
func testAccess(t *testing.T, s *suite) {
	cases := accessCases(s)
	conn, err := Dial(s.p.GRPCAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	before := s.snapshot()
	type attempt struct {
		who      string
		key      string
		httpWant int
		grpcWant codes.Code
	}
	seen := map[string]bool{}
	var restN, grpcN int
	var foreign []Route
	try := func(r Route, c access, a attempt) {
		req, err := r.Request(c.call)
		if err != nil {
			t.Fatal(err)
		}
		var body []byte
		if c.call.Body != "" {
			body = []byte(c.call.Body)
		}
		got := s.do(r.Verb, r.Path(c.call), a.key, body)
		restN++
		if got.Status != a.httpWant {
			t.Errorf("REST %s %s with %s: HTTP %d, want %d: %s", r.Verb, r.Path(c.call), a.who, got.Status, a.httpWant, got.Body)
		} else if err := CheckError(got); a.httpWant != http.StatusOK && err != nil {
			t.Errorf("REST %s with %s: %v", r.Name(), a.who, err)
		}
		st := Invoke(context.Background(), conn, r.FullMethod, req, r.Response(), a.key)
		grpcN++
		if st.Code() != a.grpcWant {
			t.Errorf("gRPC %s with %s: %v, want %v", r.Name(), a.who, st.Err(), a.grpcWant)
		}
	}
	for _, r := range Routes() {
		if !r.Write {
			continue
		}
		c, ok := cases[r.Name()]
		if !ok {
			t.Errorf("write route %s %s (%s) has no case in the access test: add one to accessCases", r.Verb, r.Template, r.Name())
			continue
		}
		seen[r.Name()] = true
		if c.foreign {
			foreign = append(foreign, r)
		}
		attempts := []attempt{
			{"no key", "", http.StatusUnauthorized, codes.Unauthenticated},
			{"a wrong key", WrongKey, http.StatusUnauthorized, codes.Unauthenticated},
			// The internal key acts for every owner: the gateway and the
			// public gRPC port, which the public reaches, take it for no
			// key at all.
			{"the internal key", InternalKey, http.StatusUnauthorized, codes.Unauthenticated},
		}
		if c.owned {
			attempts = append(attempts, attempt{"another owner's key", BobKey, http.StatusForbidden, codes.PermissionDenied})
		}
		for _, a := range attempts {
			try(r, c, a)
		}
	}
	for name := range cases {
		if !seen[name] {
			t.Errorf("the access test has a case for %s, which is not a write route", name)
		}
	}
	if after := s.snapshot(); after != before {
		t.Errorf("refused writes changed the registry:\nbefore: %.2000s\nafter:  %.2000s", before, after)
	}
	alices := s.snapshotOf("alice")
	for _, r := range foreign {
		try(r, cases[r.Name()], attempt{"bob's key, naming alice's work", BobKey, http.StatusOK, codes.OK})
	}
	if after := s.snapshotOf("alice"); after != alices {
		t.Errorf("bob's writes changed what alice owns:\nbefore: %.2000s\nafter:  %.2000s", alices, after)
	}
	t.Logf("access: %d write routes, %d REST and %d gRPC calls checked, nothing written on another's work", len(seen), restN, grpcN)
}

// A principal over its rate is told so, over REST (429) and gRPC
// (RESOURCE_EXHAUSTED), in the error contract's shape; another principal
// is not held back by it.
func TestRateLimit(t *testing.T) {
	s := startSuite(t, "--rate-limit=1", "--rate-burst=3")
	limited := 0
	for range 10 {
		r := s.do("GET", "/v1/works", AliceKey, nil)
		if r.Status == http.StatusTooManyRequests {
			limited++
			if err := CheckError(r); err != nil {
				t.Error(err)
			}
		}
	}
	if limited == 0 {
		t.Fatal("10 requests at once with a rate of 1/s and a burst of 3: none refused")
	}
	if r := s.do("GET", "/v1/works", BobKey, nil); r.Status != http.StatusOK {
		t.Errorf("bob, within his own rate: HTTP %d", r.Status)
	}
	conn, err := Dial(s.p.GRPCAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := route(t, "GetLicence")
	req, err := r.Request(Call{Params: map[string]string{"name": "licences/MIT"}})
	if err != nil {
		t.Fatal(err)
	}
	if st := Invoke(context.Background(), conn, r.FullMethod, req, r.Response(), AliceKey); st.Code() != codes.ResourceExhausted {
		t.Errorf("gRPC %s over the rate: %v, want ResourceExhausted", r.Name(), st.Err())
	}
	t.Logf("rate limit: %d of 10 requests over the rate refused with 429", limited)
}

// Guessing keys from one address is cut off: after the failed
// authentications a minute allow, the address gets 429 over REST and
// RESOURCE_EXHAUSTED over gRPC whatever key it presents.
func TestAuthFailureLimit(t *testing.T) {
	s := startSuite(t, "--auth-failure-limit=5")
	for i := range 5 {
		if r := s.do("GET", "/v1/works", fmt.Sprintf("%s-%d", WrongKey, i), nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d: HTTP %d, want 401: %s", i, r.Status, r.Body)
		}
	}
	r := s.do("GET", "/v1/works", WrongKey, nil)
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("guess 6: HTTP %d, want 429: %s", r.Status, r.Body)
	}
	if err := CheckError(r); err != nil {
		t.Error(err)
	}
	conn, err := Dial(s.p.GRPCAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lr := route(t, "GetLicence")
	req, err := lr.Request(Call{Params: map[string]string{"name": "licences/MIT"}})
	if err != nil {
		t.Fatal(err)
	}
	if st := Invoke(context.Background(), conn, lr.FullMethod, req, lr.Response(), AliceKey); st.Code() != codes.ResourceExhausted {
		t.Errorf("gRPC from the guessing address with a right key: %v, want ResourceExhausted", st.Err())
	}
}

// An anonymous client rotating X-Forwarded-For still draws on one bucket:
// the limiter keys on the address the gateway saw.
func TestAnonymousLimitIgnoresForwardedFor(t *testing.T) {
	s := startSuite(t, "--anonymous-rate-limit=0.01", "--anonymous-rate-burst=3")
	limited := 0
	for i := range 10 {
		req, err := http.NewRequest("GET", s.base+"/v1/licences/MIT", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 7 {
		t.Fatalf("10 anonymous reads, each with its own X-Forwarded-For, burst 3: %d refused, want 7", limited)
	}
}
