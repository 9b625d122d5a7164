// Package sbom reads software bills of materials, CycloneDX JSON (1.4 to
// 1.6) and SPDX 2.3 JSON, into one neutral model: the product (the SBOM's
// root component), its components with their package URLs, versions,
// hashes and licence expressions, and the dependency edges between them
// with the kind of link where the document says or implies it.
//
// Reading is strict about what the model uses, and names the JSON path of
// every problem (components[3].hashes[0].content: ...); fields the model
// does not use are ignored, as the specifications allow. Sizes are
// bounded before anything is parsed. A dependency graph with cycles is
// read as it is; Document.Acyclic says which edges to leave out to make it
// a graph Stemma can record, and which cycles they closed.
//
// The package is pure: it calls no service, and licence expressions are
// returned as the document wrote them, for the licences service to parse.
package sbom
