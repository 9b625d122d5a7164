// Package profile holds Stemma's properties of every licence and exception
// on the SPDX list: family and version, category, obligations, patent terms,
// the kind of material the licence is written for, its GPL compatibility as
// the FSF states it, and whether Stemma's compatibility rules model it.
//
// The properties live in embedded tab-separated tables under data/, one row
// per SPDX identifier, so that a reviewer reads them as a table rather than
// as Go literals:
//
//   - data/licences.tsv: id, family, version (both empty when the identifier
//     spells them, see Derive), category, obligations, patent, domain, gpl,
//     restrictions, modelled, basis (keys of data/sources.tsv) and notes.
//   - data/exceptions.tsv: id, effect, condition, named, basis, description.
//   - data/sources.tsv: the public statements the tables cite.
//
// A licence Stemma has not reviewed keeps the category the ScanCode
// LicenseDB gives it (or PROPRIETARY_OR_UNKNOWN when it has none) and is
// marked not modelled: the compatibility engine answers UNKNOWN for it rather
// than guess. data/PROVENANCE.md records where each column comes from.
package profile
