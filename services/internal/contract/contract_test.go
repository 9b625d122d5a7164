package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/proto/openapi"
	"github.com/stemma-registry/stemma/services/internal/app"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

type document struct {
	Security    []map[string][]string
	Paths       map[string]map[string]operation
	Definitions map[string]schema
}

type operation struct {
	OperationID string `json:"operationId"`
	Parameters  []struct {
		Name, In string
		Required bool
	}
	Responses map[string]struct{ Schema *schema }
	Security  *[]map[string][]string
}

type schema struct {
	Ref        string `json:"$ref"`
	Type       string
	Properties map[string]*schema
}

func load(t *testing.T) *document {
	t.Helper()
	var d document
	if err := json.Unmarshal(openapi.Swagger, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// streams reports whether the operation answers a stream: its documented
// answer is a line {"result"} or {"error"}, as grpc-gateway writes one.
func (d *document) streams(o op) bool {
	s := d.resolve(o.Responses["200"].Schema)
	return s != nil && len(s.Properties) == 2 && s.Properties["result"] != nil && s.Properties["error"] != nil
}

// resolve follows a $ref.
func (d *document) resolve(s *schema) *schema {
	for s != nil && s.Ref != "" {
		def, ok := d.Definitions[strings.TrimPrefix(s.Ref, "#/definitions/")]
		if !ok {
			return nil
		}
		s = &def
	}
	return s
}

// call is one well-formed request for an operation.
type call struct {
	path  map[string]string // path parameters
	query string
	body  string
	key   string
}

// client talks to the instance and decodes JSON answers.
type client struct {
	t    *testing.T
	inst *apptest.Instance
}

func (c client) do(method, path, key, body string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.inst.BaseURL()+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := c.inst.HTTPClient().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c client) must(method, path, key, body string) map[string]any {
	c.t.Helper()
	code, b := c.do(method, path, key, body)
	var m map[string]any
	if code != 200 || json.Unmarshal(b, &m) != nil {
		c.t.Fatalf("seed %s %s: %d %s", method, path, code, b)
	}
	return m
}

const (
	alice = apptest.AliceKey
	root  = apptest.RootKey
)

// seed makes the resources the operations refer to, and returns the
// well-formed call of every operation.
func seed(c client) map[string]call {
	for _, id := range []string{"c1", "c2", "c3", "cdel"} {
		c.must("POST", "/v1/works?workId="+id, alice, `{"kind":"WORK_KIND_SOFTWARE","title":"`+id+`","licence":"MIT"}`)
	}
	d := c.must("POST", "/v1/derivations", alice, `{"derivative":"works/c1","source":"works/c2","relation":"RELATION_ADAPTATION"}`)
	derivation := strings.TrimPrefix(d["name"].(string), "derivations/")
	etag := c.must("GET", "/v1/works/c1", "", "")["etag"].(string)
	sbom := `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"application","bom-ref":"a","name":"contract-app","version":"1","purl":"pkg:npm/contract-app@1","licenses":[{"license":{"id":"MIT"}}]}},"components":[]}`
	w := map[string]string{"work": "c1"}
	c.must("POST", "/v1/policies", alice, `{"document":"id: contract-policy\ndeny:\n  categories: [strong-copyleft]\n"}`)
	// protoc-gen-openapiv2 names the variable of {name=policies/*} by
	// dropping the collection's last letter.
	pol := map[string]string{"policie": "contract-policy"}
	curation := func() map[string]string {
		n := c.must("POST", "/v1/curations", alice, `{"purl":"pkg:npm/contract-app","licence":"MIT","evidence":{"url":"https://example.com/LICENSE"}}`)["name"].(string)
		return map[string]string{"curation": strings.TrimPrefix(n, "curations/")}
	}
	toAccept, toReject := curation(), curation()
	subscription := func() map[string]string {
		n := c.must("POST", "/v1/subscriptions", alice, `{"work":"works/c2","scope":"SCOPE_DESCENDANTS"}`)["name"].(string)
		return map[string]string{"subscription": strings.TrimPrefix(n, "subscriptions/")}
	}
	sub, subToDelete := subscription(), subscription()
	return map[string]call{
		"LicenceService_GetLicence":              {path: map[string]string{"licence": "MIT"}},
		"LicenceService_ListLicences":            {query: "pageSize=5"},
		"LicenceService_GetException":            {path: map[string]string{"exception": "Classpath-exception-2.0"}},
		"LicenceService_ListExceptions":          {},
		"LicenceService_ParseExpression":         {body: `{"expression":"MIT OR Apache-2.0"}`},
		"LicenceService_CheckCompatibility":      {body: `{"inbound":"MIT","outbound":"GPL-3.0-only"}`},
		"LicenceService_BatchCheckCompatibility": {body: `{"checks":[{"inbound":"MIT","outbound":"GPL-3.0-only"}]}`},
		"LicenceService_SuggestOutbound":         {body: `{"inbound":["MIT","Apache-2.0"]}`},
		"LicenceService_IdentifyLicence":         {body: `{"name":"GPLv3"}`},
		"LicenceService_BatchIdentifyLicences":   {body: `{"requests":[{"url":"https://www.apache.org/licenses/LICENSE-2.0"}]}`},
		"CatalogService_CreateWork":              {body: `{"kind":"WORK_KIND_TEXT","title":"A text","licence":"CC-BY-4.0"}`, key: alice},
		"CatalogService_BatchCreateWorks":        {body: `{"requests":[{"work":{"kind":"WORK_KIND_TEXT","title":"Batch"}}]}`, key: alice},
		"CatalogService_GetWork":                 {path: w},
		"CatalogService_BatchGetWorks":           {query: "names=works/c1&names=works/c2"},
		"CatalogService_ListWorks":               {query: "filter=kind%20%3D%20SOFTWARE"},
		"CatalogService_LookupWorks":             {query: "purl=pkg:npm/none@1"},
		"CatalogService_BatchLookupWorks":        {body: `{"requests":[{"purl":"pkg:npm/none@1"},{"digest":"sha256:` + strings.Repeat("ab", 32) + `"}]}`, key: alice},
		"CatalogService_UpdateWork":              {path: w, query: "updateMask=title", body: `{"title":"c1 renamed","etag":"` + etag + `"}`, key: alice},
		"CatalogService_DeleteWork":              {path: map[string]string{"work": "cdel"}, key: alice},
		"CatalogService_ListLicenceChanges":      {path: w},
		"CatalogService_GetCaller":               {key: alice},
		"CatalogService_CreateLien":              {path: map[string]string{"work": "cdel"}, query: "lienId=hold", body: `{"origin":"contract/test","reason":"a test"}`, key: root},
		"CatalogService_BatchCreateLiens":        {body: `{"requests":[{"parent":"works/c1","lienId":"batch-hold","lien":{"origin":"contract/test","reason":"a test"}}]}`, key: root},
		"CatalogService_DeleteLien":              {path: map[string]string{"work": "cdel", "lien": "hold"}, key: root},
		"CatalogService_ListLiens":               {path: w},
		"LineageService_CreateDerivation":        {body: `{"derivative":"works/c3","source":"works/c2","relation":"RELATION_FORK"}`, key: alice},
		"LineageService_GetDerivation":           {path: map[string]string{"derivation": derivation}},
		"LineageService_ListDerivations":         {query: "source=works/c2"},
		"LineageService_DeleteDerivation":        {path: map[string]string{"derivation": derivation}, key: alice},
		"LineageService_ListAncestors":           {path: w},
		"LineageService_ListDescendants":         {path: map[string]string{"work": "c2"}},
		"LineageService_TraceTo":                 {path: w, query: "ancestor=works/c2"},
		"LineageService_AuditWork":               {path: w},
		"LineageService_GetAttribution":          {path: w},
		"LineageService_SuggestLicences":         {path: w},
		"LineageService_ImportSbom":              {body: sbom, key: alice},
		"LineageService_BuildSbomNotice":         {body: sbom, key: alice},
		"LineageService_GetWorkNotice":           {path: w},
		"LineageService_ExportWorkSbom":          {path: w, query: "format=spdx"},
		"LineageService_WatchDerivations":        {query: "works=works/c2"},
		"PolicyService_CreatePolicy":             {body: `{"document":"id: contract-created\nreview:\n  unknown: true\n"}`, key: alice},
		"PolicyService_GetPolicy":                {path: pol},
		"PolicyService_ListPolicies":             {query: "pageSize=5"},
		"PolicyService_UpdatePolicy":             {path: pol, body: `{"document":"id: contract-policy\ndeny:\n  categories: [copyleft]\n"}`, key: alice},
		"PolicyService_DeletePolicy":             {path: pol, key: alice},
		"PolicyService_ListPolicyRevisions":      {path: pol},
		"PolicyService_EvaluatePolicy":           {path: pol, body: `{"check":{"inbound":"GPL-3.0-only","outbound":"MIT"}}`, key: root},
		"CurationService_CreateCuration":         {body: `{"work":"works/c1","licence":"Apache-2.0","evidence":{"url":"https://example.com/c1"}}`, key: alice},
		"CurationService_GetCuration":            {path: toAccept},
		"CurationService_ListCurations":          {query: "filter=state%20%3D%20PROPOSED"},
		"CurationService_AcceptCuration":         {path: toAccept, body: `{"note":"the LICENSE file"}`, key: root},
		"CurationService_RejectCuration":         {path: toReject, body: `{}`, key: root},
		"CatalogService_SearchSimilarWorks":      {query: "iscc=ISCC:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY&maxDistance=3"},
		"CatalogEventService_ListLicenceEvents":  {query: "pageSize=5"},
		"SubscriptionService_CreateSubscription": {body: `{"work":"works/c1","scope":"SCOPE_ANCESTORS","kinds":["EVENT_KIND_LICENCE_CHANGED"]}`, key: alice},
		"SubscriptionService_GetSubscription":    {path: sub, key: alice},
		"SubscriptionService_ListSubscriptions":  {key: alice},
		"SubscriptionService_ListDeliveries":     {path: sub, key: alice},
		"SubscriptionService_DeleteSubscription": {path: subToDelete, key: alice},
		// A watch beyond the work itself needs a key, as WatchDerivations'
		// with descendants does.
		"SubscriptionService_WatchEvents": {query: "work=works/c2&scope=SCOPE_DESCENDANTS", key: alice},
		"SubscriptionService_ListEvents":  {query: "work=works/c2&scope=SCOPE_DESCENDANTS", key: alice},
	}
}

type op struct {
	method, template string
	operation
}

// operations lists the document's operations, deletes last (in name order:
// a lien goes before its work).
func (d *document) operations() []op {
	var ops []op
	for p, ms := range d.Paths {
		for m, o := range ms {
			ops = append(ops, op{strings.ToUpper(m), p, o})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		di, dj := ops[i].method == "DELETE", ops[j].method == "DELETE"
		if di != dj {
			return dj
		}
		return ops[i].OperationID < ops[j].OperationID
	})
	return ops
}

func (o op) url(c call) string {
	p := o.template
	for k, v := range c.path {
		p = strings.ReplaceAll(p, "{"+k+"}", v)
	}
	if c.query != "" {
		p += "?" + c.query
	}
	return p
}

// TestEveryOperationAnswers calls every operation of the document, well
// formed, on a live server: each succeeds with the documented shape, and a
// malformed variant gets the documented error shape.
func TestEveryOperationAnswers(t *testing.T) {
	d := load(t)
	inst := apptest.Start(t, apptest.Config(t))
	c := client{t, inst}
	calls := seed(c)
	for _, o := range d.operations() {
		cl, ok := calls[o.OperationID]
		if !ok {
			t.Errorf("%s %s (%s): no well-formed call in this test; add one", o.method, o.template, o.OperationID)
			continue
		}
		delete(calls, o.OperationID)
		for _, p := range o.Parameters {
			if p.In == "path" && cl.path[p.Name] == "" {
				t.Errorf("%s: path parameter %s is not filled", o.OperationID, p.Name)
			}
		}
		// A malformed variant first, refused before anything is done.
		method, url, body := malformed(o, cl)
		code, answer := c.do(method, url, cl.key, body)
		checkError(t, o, code, answer, 400, 404)

		if d.streams(o) {
			checkStream(t, d, o, c, cl)
			continue
		}
		code, answer = c.do(o.method, o.url(cl), cl.key, cl.body)
		if code != 200 {
			t.Errorf("%s %s: %d %s", o.method, o.url(cl), code, answer)
			continue
		}
		if o.OperationID == "LineageService_ExportWorkSbom" {
			// The answer is the SBOM itself, in its own schema.
			var doc struct{ SPDXVersion string }
			if err := json.Unmarshal(answer, &doc); err != nil || doc.SPDXVersion != "SPDX-2.3" {
				t.Errorf("%s: answered %.200s; want an SPDX 2.3 document", o.OperationID, answer)
			}
			continue
		}
		checkShape(t, d, o, answer)
	}
	for id := range calls {
		t.Errorf("%s is no operation of the OpenAPI document", id)
	}
}

// checkShape checks that a 200 answer has exactly the properties its
// documented schema lists (the server emits every field).
func checkShape(t *testing.T, d *document, o op, body []byte) {
	t.Helper()
	s := d.resolve(o.Responses["200"].Schema)
	if s == nil {
		t.Errorf("%s: no 200 schema", o.OperationID)
		return
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Errorf("%s: answer is not a JSON object: %s", o.OperationID, body)
		return
	}
	if len(s.Properties) == 0 {
		if len(m) != 0 { // google.protobuf.Empty
			t.Errorf("%s: documented empty, answered %s", o.OperationID, body)
		}
		return
	}
	var got, want []string
	for k := range m {
		got = append(got, k)
	}
	for k := range s.Properties {
		want = append(want, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: answered fields %v; documented %v", o.OperationID, got, want)
	}
}

// malformed returns a malformed variant of a call: a body with a field the
// API does not have (or, for the SBOM, no SBOM), else a resource id the
// API cannot have, else a query parameter it does not take.
func malformed(o op, cl call) (method, url, body string) {
	switch {
	case o.OperationID == "LineageService_ImportSbom" || o.OperationID == "LineageService_BuildSbomNotice":
		return o.method, o.url(cl), `{"bomFormat":"CycloneDX","specVersion":"0.1"}`
	case cl.body != "":
		return o.method, o.url(cl), `{"notAField":1}`
	case len(cl.path) > 0:
		bad := call{path: map[string]string{}, query: cl.query}
		for k := range cl.path {
			bad.path[k] = "Not_An_Id!"
		}
		return o.method, o.url(bad), ""
	}
	return o.method, o.url(call{query: cl.query + "&notAParameter=1"}), ""
}

// checkError checks an error answer: its status is one of want and is
// documented for the operation (or covered by its default), and the body
// is exactly a google.rpc.Status: code, message, details with @type.
func checkError(t *testing.T, o op, code int, body []byte, want ...int) {
	t.Helper()
	if !slices.Contains(want, code) {
		t.Errorf("%s: %d %s; want one of %v", o.OperationID, code, body, want)
		return
	}
	if _, ok := o.Responses[itoa(code)]; !ok {
		if _, ok := o.Responses["default"]; !ok {
			t.Errorf("%s: %d is not documented", o.OperationID, code)
		}
	}
	checkStatusShape(t, o.OperationID, body)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func checkStatusShape(t *testing.T, what string, body []byte) {
	t.Helper()
	var st map[string]json.RawMessage
	if err := json.Unmarshal(body, &st); err != nil {
		t.Errorf("%s: error body is not JSON: %s", what, body)
		return
	}
	var keys []string
	for k := range st {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"code", "details", "message"}) {
		t.Errorf("%s: error body has %v; the documented rpcStatus is code, message, details: %s", what, keys, body)
		return
	}
	var details []map[string]any
	if err := json.Unmarshal(st["details"], &details); err != nil {
		t.Errorf("%s: details is not an array of objects: %s", what, st["details"])
	}
	for _, dt := range details {
		if _, ok := dt["@type"].(string); !ok {
			t.Errorf("%s: a detail without @type: %v", what, dt)
		}
	}
}

// checkStream opens a watch stream (of derivations, or of the events of
// works/c2's descendants), records derivations from works/c2, and checks
// an event arrives in the documented stream shape.
func checkStream(t *testing.T, d *document, o op, c client, cl call) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.inst.BaseURL()+o.url(cl), nil)
	if cl.key != "" {
		req.Header.Set("Authorization", "Bearer "+cl.key)
	}
	type answer struct {
		code int
		line []byte
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := c.inst.HTTPClient().Do(req)
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		b := make([]byte, 4096)
		for !bytes.Contains(buf.Bytes(), []byte("\n")) {
			n, err := resp.Body.Read(b)
			buf.Write(b[:n])
			if err != nil {
				break
			}
		}
		line, _, _ := bytes.Cut(buf.Bytes(), []byte("\n"))
		got <- answer{code: resp.StatusCode, line: line}
	}()
	// Events flow only once the stream is open; record derivations until
	// one arrives.
	prefix := strings.ToLower(strings.ReplaceAll(o.OperationID, "_", "-")) + "-"
	for i := 0; ; i++ {
		id := prefix + itoa(i)
		c.must("POST", "/v1/works?workId="+id, alice, `{"kind":"WORK_KIND_SOFTWARE","title":"w","licence":"MIT"}`)
		c.must("POST", "/v1/derivations", alice, `{"derivative":"works/`+id+`","source":"works/c2","relation":"RELATION_FORK"}`)
		select {
		case a := <-got:
			if a.err != nil || a.code != 200 {
				t.Fatalf("watch: %d %v", a.code, a.err)
			}
			s := d.resolve(o.Responses["200"].Schema)
			var m map[string]json.RawMessage
			if err := json.Unmarshal(a.line, &m); err != nil || m["result"] == nil || s.Properties["result"] == nil {
				t.Errorf("watch: event %s is not the documented stream result", a.line)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
		if ctx.Err() != nil {
			t.Fatal("watch: no event within 10s")
		}
	}
}

// TestSecurityMatchesPolicy checks that the document requires a key on
// exactly the operations the server refuses without one.
func TestSecurityMatchesPolicy(t *testing.T) {
	d := load(t)
	if len(d.Security) != 2 || len(d.Security[1]) != 0 {
		t.Fatalf("root security %v; want the bearer key, or none (reads are public)", d.Security)
	}
	policy := app.Policy()
	inst := apptest.Start(t, apptest.Config(t))
	c := client{t, inst}
	for _, o := range d.operations() {
		svc, method, _ := strings.Cut(o.OperationID, "_")
		full := ""
		for _, sd := range app.Services() {
			if string(sd.Name()) == svc {
				full = "/" + string(sd.FullName()) + "/" + method
			}
		}
		required := o.Security != nil && len(*o.Security) == 1 && len((*o.Security)[0]["BearerKey"]) == 0 && (*o.Security)[0]["BearerKey"] != nil
		if public := policy.Public(full); public == required {
			t.Errorf("%s: the document says a key is required: %v; the server's policy says public: %v", o.OperationID, required, public)
		}
		if !required {
			continue
		}
		// Without a key, a write is refused with the documented 401.
		path := o.template
		for _, name := range []string{"work", "derivation", "lien"} {
			path = strings.ReplaceAll(path, "{"+name+"}", "x")
		}
		code, body := c.do(o.method, path, "", "{}")
		checkError(t, o, code, body, 401)
	}
}

// Routes outside the document answer in the same error shape.
func TestUnknownRoutesAnswerInTheErrorShape(t *testing.T) {
	inst := apptest.Start(t, apptest.Config(t))
	c := client{t, inst}
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/v1/nothing-here", 404},
		{"PUT", "/v1/licences/MIT", 405},
		{"GET", "/v1/works/no-such-work", 404},
	} {
		code, body := c.do(tc.method, tc.path, "", "")
		if code != tc.want {
			t.Errorf("%s %s: %d; want %d", tc.method, tc.path, code, tc.want)
		}
		checkStatusShape(t, tc.method+" "+tc.path, body)
	}
}
