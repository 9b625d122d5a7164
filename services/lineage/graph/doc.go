// Package graph holds the lineage service's domain: derivations (the edges
// of the graph of works, a derivative pointing at the source it derives
// from), the rules a derivation must follow, and the computations over a
// fetched piece of the graph that need no database: shortest-path closures
// (ancestors, descendants) and the enumeration of every path between two
// works.
//
// Works are named here by their bare ids ("abc", not "works/abc"); the
// service turns them into resource names at its edge.
package graph
