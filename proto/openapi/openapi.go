// Package openapi holds the OpenAPI (Swagger 2.0) document of Stemma's REST
// API, generated from the .proto sources by protoc-gen-openapiv2.
package openapi

import _ "embed"

// Document is the OpenAPI document, as JSON.
//
//go:embed stemma.swagger.json
var Document []byte
