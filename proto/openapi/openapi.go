// Package openapi holds the OpenAPI documents of Stemma's REST API, both
// generated from the .proto sources by `make generate`: protoc-gen-openapiv2
// writes the Swagger 2.0 document, and package openapi31 converts it into
// the OpenAPI 3.1 one (docs/api.md says why).
package openapi

import _ "embed"

// Document is the OpenAPI 3.1 document, as JSON; the gateway serves it at
// /openapi.json.
//
//go:embed stemma.openapi.json
var Document []byte

// Swagger is the Swagger 2.0 (OpenAPI 2.0) document, as JSON, for tools
// that read no later version; the gateway serves it at /openapi-v2.json.
//
//go:embed stemma.swagger.json
var Swagger []byte
