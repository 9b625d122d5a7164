package store

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/stemma-registry/stemma/services/catalog/work"
)

// termField says what a row of work_terms holds.
type termField int16

const (
	fieldCreator    termField = 1
	fieldIdentifier termField = 2
	fieldDigest     termField = 3
	fieldLicenceID  termField = 4
)

// maxTermBytes bounds what goes into an index entry as it is (PostgreSQL
// refuses B-tree entries over about 2.7 kB); longer terms are indexed by
// their digest, which lookups compute the same way.
const maxTermBytes = 512

// termKey returns what a term is indexed under.
func termKey(s string) string {
	if len(s) <= maxTermBytes {
		return s
	}
	d := sha256.Sum256([]byte(s))
	return "#sha256:" + hex.EncodeToString(d[:])
}

func identifierTerm(id work.Identifier) string { return termKey(id.Type + ":" + id.Key()) }

// term is one row of work_terms, less the work.
type term struct {
	field termField
	term  string
}

// termsOf returns the terms of the fields f names, without duplicates.
func termsOf(w *work.Work, f work.Fields) []term {
	var out []term
	seen := map[term]bool{}
	add := func(t term) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if f.Has(work.FieldCreators) {
		for _, c := range w.Creators {
			add(term{fieldCreator, termKey(c.Name)})
		}
	}
	if f.Has(work.FieldIdentifiers) {
		for _, id := range w.Identifiers {
			add(term{fieldIdentifier, identifierTerm(id)})
		}
	}
	if f.Has(work.FieldDigests) {
		for _, d := range w.Digests {
			add(term{fieldDigest, termKey(d)})
		}
	}
	if f.Has(work.FieldLicence) {
		// A work without a licence has the empty licence id, so that
		// `licence = ""` is found through the index too.
		ids := w.Licence.IDs
		if w.Licence.Expression == "" {
			ids = []string{""}
		}
		for _, id := range ids {
			add(term{fieldLicenceID, termKey(id)})
		}
	}
	return out
}
