// Package sbom reads software bills of materials into one neutral model:
// the product (the SBOM's root component), its components with their
// package URLs, versions, hashes, licence expressions and every licence
// statement as written, and the dependency edges between them with the
// kind of link where the document says or implies it. It reads CycloneDX
// 1.2 to 1.6 in JSON and XML, SPDX 2.2 and 2.3 in JSON, YAML and
// tag-value, and SPDX 3.0 JSON-LD, gzip-compressed or not, and Hugging
// Face-style model and dataset cards (front matter or the hub's JSON),
// telling them apart by their content.
//
// Reading is strict about what the model uses, and names where every
// problem is: the JSON path (components[3].hashes[0].content: ...), or
// the line in XML and tag-value; fields the model does not use are
// ignored, as the specifications allow. Sizes are bounded before anything
// is parsed, and again after decompression. A dependency graph with
// cycles is read as it is; Document.Acyclic says which edges to leave out
// to make it a graph Stemma can record, and which cycles they closed.
//
// The package is pure: it calls no service, and licence expressions are
// returned as the document wrote them, for the licences service to parse.
package sbom
