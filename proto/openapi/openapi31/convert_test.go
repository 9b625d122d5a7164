package openapi31_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/proto/openapi"
	"github.com/stemma-registry/stemma/proto/openapi/openapi31"
)

// schema is the part of a JSON Schema the tests look at.
type schema struct {
	Ref        string `json:"$ref"`
	Type       string
	Enum       []string
	Required   []string
	ReadOnly   bool
	Properties map[string]*schema
	Items      *schema
}

type document struct {
	OpenAPI string
	Paths   map[string]map[string]struct {
		Security    *[]map[string][]string
		Parameters  []struct{ Name, In string }
		RequestBody *struct {
			Required bool
			Content  map[string]struct{ Schema *schema }
		}
		Responses map[string]struct {
			Description string
			Content     map[string]struct{ Schema *schema }
		}
	}
	Components struct {
		Schemas         map[string]*schema
		SecuritySchemes map[string]struct{ Type, Scheme string }
	}
}

func committed(t *testing.T) *document {
	t.Helper()
	var d document
	if err := json.Unmarshal(openapi.Document, &d); err != nil {
		t.Fatal(err)
	}
	if d.OpenAPI != openapi31.Version {
		t.Fatalf("openapi %q; want %s", d.OpenAPI, openapi31.Version)
	}
	return &d
}

// Every operation answers its errors as google.rpc.Status, whose code,
// message and details are always there.
func TestErrorsAreStatus(t *testing.T) {
	d := committed(t)
	st := d.Components.Schemas["rpcStatus"]
	if st == nil || !slices.Equal(st.Required, []string{"code", "message", "details"}) {
		t.Fatalf("rpcStatus = %+v; want code, message and details required", st)
	}
	for path, ops := range d.Paths {
		for method, op := range ops {
			for _, code := range []string{"400", "401", "default"} {
				s := op.Responses[code].Content["application/json"].Schema
				if s == nil || s.Ref != "#/components/schemas/rpcStatus" {
					t.Errorf("%s %s: response %s is %+v; want google.rpc.Status", method, path, code, s)
				}
			}
		}
	}
}

// Field behaviours and enums come through: REQUIRED is required,
// OUTPUT_ONLY is readOnly, an enum is its names, and a reference has no
// "type" beside it (the generator's "object" would contradict an enum).
func TestSchemas(t *testing.T) {
	d := committed(t)
	work := d.Components.Schemas["v1Work"]
	if !slices.Contains(work.Required, "title") || !work.Properties["owner"].ReadOnly || work.Properties["title"].ReadOnly {
		t.Errorf("v1Work: required %v, owner readOnly %v", work.Required, work.Properties["owner"].ReadOnly)
	}
	if k := work.Properties["kind"]; k.Ref != "#/components/schemas/v1WorkKind" || k.Type != "" {
		t.Errorf("v1Work.kind = %+v; want a bare reference to v1WorkKind", k)
	}
	if kinds := d.Components.Schemas["v1WorkKind"]; kinds.Type != "string" || !slices.Contains(kinds.Enum, "WORK_KIND_SOFTWARE") {
		t.Errorf("v1WorkKind = %+v", kinds)
	}
	if _, ok := d.Components.Schemas["apiHttpBody"]; ok {
		t.Error("apiHttpBody is still a schema; no request takes one")
	}
}

// POST /v1/sboms:import takes the SBOM itself, in any of the formats the
// server reads, and needs a key.
func TestRawBody(t *testing.T) {
	op := committed(t).Paths["/v1/sboms:import"]["post"]
	if op.RequestBody == nil || !op.RequestBody.Required {
		t.Fatalf("request body %+v", op.RequestBody)
	}
	for _, rt := range openapi31.RawBodyTypes {
		mt, ok := op.RequestBody.Content[rt.MediaType]
		if !ok {
			t.Errorf("no %s body", rt.MediaType)
			continue
		}
		if mt.Schema != nil && len(mt.Schema.Properties) > 0 {
			t.Errorf("%s body has properties %v; want the document itself", rt.MediaType, mt.Schema.Properties)
		}
	}
	if op.Security == nil || len(*op.Security) != 1 {
		t.Errorf("security %v; want the bearer key only", op.Security)
	}
}

// A collection ending in -ies names its path parameter in the singular.
func TestSingularPathParameters(t *testing.T) {
	for path, ops := range committed(t).Paths {
		if strings.Contains(path, "{policie}") {
			t.Errorf("%s: want {policy}", path)
		}
		for method, op := range ops {
			for _, p := range op.Parameters {
				if p.In == "path" && !strings.Contains(path, "{"+p.Name+"}") {
					t.Errorf("%s %s: path parameter %q is not in the path", method, path, p.Name)
				}
			}
		}
	}
	if _, ok := committed(t).Paths["/v1/policies/{policy}"]; !ok {
		t.Error("no /v1/policies/{policy}")
	}
}

// GET /v1/works/{work}/sbom answers the SBOM itself, in its own media type.
func TestRawAnswer(t *testing.T) {
	r := committed(t).Paths["/v1/works/{work}/sbom"]["get"].Responses["200"]
	if len(r.Content) != len(openapi31.RawAnswerTypes) {
		t.Errorf("export 200 content %v; want %v", r.Content, openapi31.RawAnswerTypes)
	}
	for _, mt := range openapi31.RawAnswerTypes {
		c, ok := r.Content[mt]
		if !ok || c.Schema == nil || len(c.Schema.Properties) > 0 {
			t.Errorf("export 200 %s = %+v; want the document itself", mt, c)
		}
	}
}

// GET /v1/derivations:watch answers one {"result"} or {"error"} object per line.
func TestStream(t *testing.T) {
	r := committed(t).Paths["/v1/derivations:watch"]["get"].Responses["200"]
	s := r.Content["application/json"].Schema
	if s == nil || s.Properties["result"].Ref != "#/components/schemas/v1WatchDerivationsResponse" ||
		s.Properties["error"].Ref != "#/components/schemas/rpcStatus" || !strings.Contains(r.Description, "newline-delimited") {
		t.Errorf("watch 200 = %+v", r)
	}
}

// The key is a bearer token.
func TestBearer(t *testing.T) {
	if s := committed(t).Components.SecuritySchemes["BearerKey"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("BearerKey = %+v", s)
	}
}

// What the converter does not know, it refuses rather than drops.
func TestRefusesTheUnknown(t *testing.T) {
	for name, in := range map[string]string{
		"version":     `{"swagger": "3.0"}`,
		"top level":   `{"swagger": "2.0", "host": "x"}`,
		"keyword":     `{"swagger": "2.0", "consumes": ["application/json"], "produces": ["application/json"], "definitions": {"rpcStatus": {"oneOf": []}}}`,
		"form":        `{"swagger": "2.0", "consumes": ["application/json"], "produces": ["application/json"], "paths": {"/a": {"post": {"parameters": [{"name": "f", "in": "formData", "type": "string"}]}}}}`,
		"csv":         `{"swagger": "2.0", "consumes": ["application/json"], "produces": ["application/json"], "paths": {"/a": {"get": {"parameters": [{"name": "f", "in": "query", "type": "array", "collectionFormat": "csv"}]}}}}`,
		"media types": `{"swagger": "2.0", "consumes": ["text/plain"], "produces": ["application/json"]}`,
	} {
		if _, err := openapi31.Convert([]byte(in)); err == nil {
			t.Errorf("%s: converted %s", name, in)
		}
	}
}
