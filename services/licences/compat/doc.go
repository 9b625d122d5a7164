// Package compat is Stemma's licence compatibility engine. It answers one
// directional question: may material under an inbound licence expression
// be used, in a given way (incorporated, linked statically or dynamically,
// aggregated, run as a network service, used for training), in a work
// distributed under an outbound licence expression?
//
// Every verdict (COMPATIBLE, INCOMPATIBLE, CONDITIONAL with its conditions,
// or UNKNOWN) carries the rules that gave it and the public statements each
// rule rests on. The rules are Stemma's own, written from the licence texts
// and their stewards' statements: explicit grants as data (data/grants.tsv:
// MPL-2.0 secondary licences, CC BY-SA 4.0 to GPLv3, the EUPL Appendix,
// CeCILL §5.3.4, ...), the GNU version and conversion clauses (gnu.go), the
// Creative Commons adapter's licence chart and ShareAlike clauses (cc.go),
// category rules for the long tail (pair.go) and the effect of exceptions
// (exceptions.go). A licence Stemma has not reviewed gives UNKNOWN rather
// than a guess. docs/licences.md explains the model; testdata/ holds the
// cases the tests check, which the docs quote.
package compat
