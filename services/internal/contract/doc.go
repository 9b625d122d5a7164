// Package contract holds no code: its test checks the OpenAPI document the
// gateway serves against the live server. Every operation in the document
// is called, well formed, and must succeed; its answer must have the
// documented shape; every error must be the documented google.rpc.Status;
// and the document's security must match the access policy the server
// enforces.
package contract
