// Package openapi31 turns the Swagger 2.0 document protoc-gen-openapiv2
// writes from Stemma's protos into an OpenAPI 3.1 document describing the
// same API as the gateway serves it.
//
// It is a converter of that generator's output, not of Swagger 2.0 in
// general: anything the generator does not write (or that Stemma's
// generator options do not produce) is refused by name, so that a new
// generator version or option cannot lose part of the API silently.
// Beyond a mechanical conversion it says three things Swagger 2.0 cannot:
//
//   - a request body bound to google.api.HttpBody (POST /v1/sboms:import)
//     is the document itself, in any of the media types the SBOM reader
//     tells apart by content, not an HttpBody object, and an HttpBody
//     answer (the SBOM export) is the document in its own media type;
//   - a server-streaming method answers newline-delimited JSON objects,
//     each {"result": ...} or, once the stream has started, {"error": ...};
//   - the bearer key is an HTTP bearer scheme, not an opaque header value;
//
// and it marks every field of google.rpc.Status required, as the gateway
// always writes code, message and details.
package openapi31

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Version is the OpenAPI version of the documents Convert writes.
const Version = "3.1.0"

// Generator names, as protoc-gen-openapiv2 writes them.
const (
	httpBodyRef  = "#/definitions/apiHttpBody"
	statusSchema = "rpcStatus"
	streamTitle  = "Stream result of "
)

// RawBodyTypes are the media types POST /v1/sboms:import takes, with the
// schema of each: a JSON document is an object, XML, YAML, tag-value and
// card front matter are text, gzip is bytes (no schema). The server tells
// the format from the content, so the Content-Type is informative only.
var RawBodyTypes = []struct {
	MediaType string
	Schema    map[string]any
}{
	{"application/json", map[string]any{"type": "object"}},
	{"application/vnd.cyclonedx+json", map[string]any{"type": "object"}},
	{"application/spdx+json", map[string]any{"type": "object"}},
	{"application/ld+json", map[string]any{"type": "object"}},
	{"application/vnd.cyclonedx+xml", map[string]any{"type": "string"}},
	{"application/xml", map[string]any{"type": "string"}},
	{"text/spdx", map[string]any{"type": "string"}},
	{"application/yaml", map[string]any{"type": "string"}},
	{"text/markdown", map[string]any{"type": "string"}},
	{"application/gzip", nil},
}

// RawAnswerTypes are the media types of an HttpBody answer: the SBOM
// export's formats.
var RawAnswerTypes = []string{"application/vnd.cyclonedx+json", "application/spdx+json"}

// The Swagger 2.0 input, as far as protoc-gen-openapiv2 writes it.
type swagger struct {
	Swagger             string                          `json:"swagger"`
	Info                json.RawMessage                 `json:"info"`
	Tags                json.RawMessage                 `json:"tags"`
	Schemes             []string                        `json:"schemes"`
	Consumes            []string                        `json:"consumes"`
	Produces            []string                        `json:"produces"`
	Paths               map[string]map[string]operation `json:"paths"`
	Definitions         map[string]map[string]any       `json:"definitions"`
	SecurityDefinitions map[string]securityDefinition   `json:"securityDefinitions"`
	Security            json.RawMessage                 `json:"security"`
}

type operation struct {
	Summary     string              `json:"summary"`
	Description string              `json:"description"`
	OperationID string              `json:"operationId"`
	Parameters  []parameter         `json:"parameters"`
	Responses   map[string]response `json:"responses"`
	Tags        []string            `json:"tags"`
	Security    json.RawMessage     `json:"security"`
	Deprecated  bool                `json:"deprecated"`
}

type parameter struct {
	Name             string         `json:"name"`
	Description      string         `json:"description"`
	In               string         `json:"in"`
	Required         bool           `json:"required"`
	Type             string         `json:"type"`
	Format           string         `json:"format"`
	Items            map[string]any `json:"items"`
	Enum             []any          `json:"enum"`
	Default          any            `json:"default"`
	Pattern          string         `json:"pattern"`
	CollectionFormat string         `json:"collectionFormat"`
	Schema           map[string]any `json:"schema"`
}

type response struct {
	Description string         `json:"description"`
	Schema      map[string]any `json:"schema"`
}

type securityDefinition struct {
	Type        string `json:"type"`
	Description string `json:"description"`
	Name        string `json:"name"`
	In          string `json:"in"`
}

// The OpenAPI 3.1 output. Struct fields keep the document's top level in
// the customary order; maps are written with sorted keys.
type document struct {
	OpenAPI    string                             `json:"openapi"`
	Info       json.RawMessage                    `json:"info"`
	Servers    []server                           `json:"servers"`
	Security   json.RawMessage                    `json:"security,omitempty"`
	Tags       json.RawMessage                    `json:"tags,omitempty"`
	Paths      map[string]map[string]*operation31 `json:"paths"`
	Components components                         `json:"components"`
}

type server struct {
	URL         string `json:"url"`
	Description string `json:"description"`
}

type operation31 struct {
	Tags        []string               `json:"tags,omitempty"`
	Summary     string                 `json:"summary,omitempty"`
	Description string                 `json:"description,omitempty"`
	OperationID string                 `json:"operationId"`
	Parameters  []parameter31          `json:"parameters,omitempty"`
	RequestBody *requestBody           `json:"requestBody,omitempty"`
	Responses   map[string]*response31 `json:"responses"`
	Security    json.RawMessage        `json:"security,omitempty"`
	Deprecated  bool                   `json:"deprecated,omitempty"`
}

type parameter31 struct {
	Name        string         `json:"name"`
	In          string         `json:"in"`
	Description string         `json:"description,omitempty"`
	Required    bool           `json:"required,omitempty"`
	Schema      map[string]any `json:"schema"`
}

type requestBody struct {
	Description string               `json:"description,omitempty"`
	Required    bool                 `json:"required"`
	Content     map[string]mediaType `json:"content"`
}

type mediaType struct {
	Schema map[string]any `json:"schema,omitempty"`
}

type response31 struct {
	Description string               `json:"description"`
	Content     map[string]mediaType `json:"content,omitempty"`
}

type components struct {
	Schemas         map[string]map[string]any   `json:"schemas"`
	SecuritySchemes map[string]securityScheme31 `json:"securitySchemes,omitempty"`
}

type securityScheme31 struct {
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	Scheme      string `json:"scheme,omitempty"`
	Name        string `json:"name,omitempty"`
	In          string `json:"in,omitempty"`
}

// Convert returns the OpenAPI 3.1 form of a Swagger 2.0 document written by
// protoc-gen-openapiv2, before tools/openapi/rawbody.mjs rewrites its
// HttpBody request bodies (Convert recognises them by their reference).
func Convert(in []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var s swagger
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("openapi31: reading the Swagger document: %w", err)
	}
	if s.Swagger != "2.0" {
		return nil, fmt.Errorf("openapi31: input is swagger %q, want 2.0", s.Swagger)
	}
	for _, list := range [][]string{s.Consumes, s.Produces} {
		if len(list) != 1 || list[0] != "application/json" {
			return nil, fmt.Errorf("openapi31: consumes/produces %v: only application/json is supported", list)
		}
	}
	d := document{
		OpenAPI: Version,
		Info:    s.Info,
		// The document is served by the server it describes: relative to it.
		Servers:  []server{{URL: "/", Description: "The server that serves this document."}},
		Security: s.Security,
		Tags:     s.Tags,
		Paths:    map[string]map[string]*operation31{},
		Components: components{
			Schemas:         map[string]map[string]any{},
			SecuritySchemes: map[string]securityScheme31{},
		},
	}
	for path, ops := range s.Paths {
		path, renamed := SingularPath(path)
		d.Paths[path] = map[string]*operation31{}
		for method, op := range ops {
			o, err := convertOperation(op)
			if err != nil {
				return nil, fmt.Errorf("openapi31: %s %s: %w", strings.ToUpper(method), path, err)
			}
			for i, p := range o.Parameters {
				if to, ok := renamed[p.Name]; ok && p.In == "path" {
					o.Parameters[i].Name = to
				}
			}
			d.Paths[path][method] = o
		}
	}
	for name, def := range s.Definitions {
		sc, err := convertSchema(def)
		if err != nil {
			return nil, fmt.Errorf("openapi31: definition %s: %w", name, err)
		}
		d.Components.Schemas[name] = sc
	}
	status, ok := d.Components.Schemas[statusSchema]
	if !ok {
		return nil, fmt.Errorf("openapi31: no %s definition", statusSchema)
	}
	status["required"] = []any{"code", "message", "details"}
	for name, sd := range s.SecurityDefinitions {
		ss, err := convertSecurity(sd)
		if err != nil {
			return nil, fmt.Errorf("openapi31: security definition %s: %w", name, err)
		}
		d.Components.SecuritySchemes[name] = ss
	}
	dropUnreferenced(&d)
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("openapi31: writing: %w", err)
	}
	return append(out, '\n'), nil
}

// SingularPath renames the path parameters the generator named by
// cutting the collection's final "s" (expand_slashed_path_patterns:
// policies/{policie}) to the singular English spells ("policy"), so that
// generated clients take a policy, not a policie. It returns the path and
// the names it changed, old to new.
func SingularPath(path string) (string, map[string]string) {
	renamed := map[string]string{}
	segs := strings.Split(path, "/")
	for i := 1; i < len(segs); i++ {
		name, ok := strings.CutPrefix(segs[i], "{")
		if !ok {
			continue
		}
		name, rest, _ := strings.Cut(name, "}")
		if strings.HasSuffix(segs[i-1], "ies") && segs[i-1] == name+"s" {
			to := strings.TrimSuffix(name, "ie") + "y"
			renamed[name] = to
			segs[i] = "{" + to + "}" + rest
		}
	}
	return strings.Join(segs, "/"), renamed
}

func convertOperation(op operation) (*operation31, error) {
	o := &operation31{
		Tags:        op.Tags,
		Summary:     op.Summary,
		Description: op.Description,
		OperationID: op.OperationID,
		Responses:   map[string]*response31{},
		Security:    op.Security,
		Deprecated:  op.Deprecated,
	}
	for _, p := range op.Parameters {
		if p.In == "body" {
			rb, err := convertBody(p)
			if err != nil {
				return nil, err
			}
			o.RequestBody = rb
			continue
		}
		q, err := convertParameter(p)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
		o.Parameters = append(o.Parameters, q)
	}
	for code, r := range op.Responses {
		rr, err := convertResponse(r)
		if err != nil {
			return nil, fmt.Errorf("response %s: %w", code, err)
		}
		o.Responses[code] = rr
	}
	return o, nil
}

func convertBody(p parameter) (*requestBody, error) {
	rb := &requestBody{Description: p.Description, Required: p.Required, Content: map[string]mediaType{}}
	if p.Schema["$ref"] == httpBodyRef {
		for _, t := range RawBodyTypes {
			rb.Content[t.MediaType] = mediaType{Schema: rawSchema(t.Schema)}
		}
		return rb, nil
	}
	sc, err := convertSchema(p.Schema)
	if err != nil {
		return nil, fmt.Errorf("body %s: %w", p.Name, err)
	}
	rb.Content["application/json"] = mediaType{Schema: sc}
	return rb, nil
}

// rawSchema returns a fresh copy of a raw body's schema, described as what
// it is: the document itself.
func rawSchema(s map[string]any) map[string]any {
	if s == nil {
		return nil
	}
	out := map[string]any{"description": "The document itself, sent as the request body exactly as its author wrote it, not wrapped in another object."}
	for k, v := range s {
		out[k] = v
	}
	return out
}

func convertParameter(p parameter) (parameter31, error) {
	if p.In != "path" && p.In != "query" {
		return parameter31{}, fmt.Errorf("parameters in %q are not supported", p.In)
	}
	if p.Schema != nil {
		return parameter31{}, fmt.Errorf("a %s parameter with a schema is not Swagger 2.0", p.In)
	}
	// OpenAPI 3's default for a query array (style form, explode true) is
	// Swagger's collectionFormat multi: ?works=a&works=b.
	if p.CollectionFormat != "" && p.CollectionFormat != "multi" {
		return parameter31{}, fmt.Errorf("collectionFormat %q is not supported", p.CollectionFormat)
	}
	sc := map[string]any{"type": p.Type}
	if p.Format != "" {
		sc["format"] = p.Format
	}
	if p.Items != nil {
		items, err := convertSchema(p.Items)
		if err != nil {
			return parameter31{}, err
		}
		sc["items"] = items
	}
	if p.Enum != nil {
		sc["enum"] = p.Enum
	}
	if p.Default != nil {
		sc["default"] = p.Default
	}
	if p.Pattern != "" {
		sc["pattern"] = p.Pattern
	}
	sc, err := convertSchema(sc)
	if err != nil {
		return parameter31{}, err
	}
	return parameter31{Name: p.Name, In: p.In, Description: p.Description, Required: p.Required || p.In == "path", Schema: sc}, nil
}

func convertResponse(r response) (*response31, error) {
	rr := &response31{Description: r.Description}
	if r.Schema == nil {
		return rr, nil
	}
	if r.Schema["$ref"] == httpBodyRef {
		// An HttpBody answer (GET /v1/works/{work}/sbom) is the document
		// itself, written with its own media type.
		rr.Content = map[string]mediaType{}
		for _, t := range RawAnswerTypes {
			rr.Content[t] = mediaType{Schema: map[string]any{"type": "object",
				"description": "The document itself, with its own media type, not wrapped in another object."}}
		}
		return rr, nil
	}
	sc, err := convertSchema(r.Schema)
	if err != nil {
		return nil, err
	}
	if title, _ := sc["title"].(string); strings.HasPrefix(title, streamTitle) {
		rr.Description = "A stream of newline-delimited JSON objects (Content-Type application/json), " +
			"one per line: {\"result\": ...} for each message, or, when the stream fails after it started, " +
			"{\"error\": ...} as its last line. A stream that fails before it starts answers an error status " +
			"with a plain google.rpc.Status body, as every other route does."
		sc["description"] = "One line of the stream."
		delete(sc, "title")
	}
	rr.Content = map[string]mediaType{"application/json": {Schema: sc}}
	return rr, nil
}

func convertSecurity(sd securityDefinition) (securityScheme31, error) {
	if sd.Type != "apiKey" {
		return securityScheme31{}, fmt.Errorf("type %q is not supported", sd.Type)
	}
	// An API key in the Authorization header is, in Stemma, a bearer token
	// (`Authorization: Bearer <key>`); OpenAPI 3 can say so, and clients
	// then add the "Bearer " prefix themselves.
	if sd.In == "header" && strings.EqualFold(sd.Name, "Authorization") {
		return securityScheme31{Type: "http", Scheme: "bearer", Description: sd.Description}, nil
	}
	return securityScheme31{Type: sd.Type, Description: sd.Description, Name: sd.Name, In: sd.In}, nil
}

// schemaKeys are the JSON Schema keywords protoc-gen-openapiv2 writes; the
// values of those in schemaNested are schemas themselves.
var (
	schemaKeys   = []string{"$ref", "type", "format", "description", "title", "properties", "items", "additionalProperties", "enum", "default", "required", "readOnly", "pattern", "example", "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum", "uniqueItems"}
	schemaNested = []string{"items", "additionalProperties"}
)

// convertSchema returns the 3.1 form of a 2.0 schema: references point into
// components, a reference has no "type" beside it (the generator writes
// "type": "object" beside references to enums too, which JSON Schema 2020-12
// would read as a second constraint no string meets), and bytes are base64
// strings.
func convertSchema(in map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range in {
		if !slices.Contains(schemaKeys, k) {
			return nil, fmt.Errorf("schema keyword %q is not supported", k)
		}
		out[k] = v
	}
	if ref, ok := out["$ref"].(string); ok {
		name, found := strings.CutPrefix(ref, "#/definitions/")
		if !found {
			return nil, fmt.Errorf("reference %q is not to a definition", ref)
		}
		out["$ref"] = "#/components/schemas/" + name
		delete(out, "type")
	}
	if out["format"] == "byte" {
		delete(out, "format")
		out["contentEncoding"] = "base64"
	}
	for _, k := range schemaNested {
		if sub, ok := out[k].(map[string]any); ok {
			c, err := convertSchema(sub)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = c
		}
	}
	if props, ok := out["properties"].(map[string]any); ok {
		conv := map[string]any{}
		for name, p := range props {
			sub, ok := p.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("property %s is not a schema", name)
			}
			c, err := convertSchema(sub)
			if err != nil {
				return nil, fmt.Errorf("property %s: %w", name, err)
			}
			conv[name] = c
		}
		out["properties"] = conv
	}
	return out, nil
}

// dropUnreferenced removes the schemas nothing refers to any more (the
// HttpBody message, once its request body is the raw document), repeating
// until none is left, as one removal can orphan another.
func dropUnreferenced(d *document) {
	for {
		b, err := json.Marshal(d)
		if err != nil {
			return
		}
		removed := false
		for name := range d.Components.Schemas {
			if !bytes.Contains(b, []byte(`"#/components/schemas/`+name+`"`)) {
				delete(d.Components.Schemas, name)
				removed = true
			}
		}
		if !removed {
			return
		}
	}
}
