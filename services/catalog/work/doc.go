// Package work holds the catalog's domain: works, their creators,
// identifiers and content digests, licence history and liens, as plain Go
// values, and the rules that validate and normalise them.
//
// Normalisation makes equal things look equal, so that "who else registered
// this exact content?" finds them: digests are lower-case hex under a
// lower-case algorithm name, an ISBN-10 becomes its ISBN-13, a DOI loses its
// resolver prefix and its case, a purl gets a lower-case type and sorted
// qualifiers, a SWHID is looked up by its core identifier. Every string and
// every list has a bound, and text must be valid UTF-8 without control
// characters, so that nothing a store cannot hold (PostgreSQL refuses NUL
// bytes) gets that far.
package work
