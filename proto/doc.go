// Package proto is Stemma's API contract: the .proto sources of the
// stemma.licences.v1, stemma.catalog.v1 and stemma.lineage.v1 packages, the
// Go and gRPC code generated from them (in the stemma/*/v1 folders) and the
// OpenAPI document (package openapi).
//
// A client imports only this module; it pulls no server dependency.
package proto
