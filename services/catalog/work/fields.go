package work

import "strings"

// Fields is a set of a work's mutable fields: what an update changes.
type Fields uint16

// The mutable fields.
const (
	FieldKind Fields = 1 << iota
	FieldTitle
	FieldDescription
	FieldCreators
	FieldSourceURIs
	FieldIdentifiers
	FieldDigests
	FieldVersion
	FieldLicence
	FieldDeclaredLicences
	FieldISCCCodes

	// AllFields are every mutable field, what a create sets.
	AllFields = FieldKind | FieldTitle | FieldDescription | FieldCreators | FieldSourceURIs |
		FieldIdentifiers | FieldDigests | FieldVersion | FieldLicence | FieldDeclaredLicences | FieldISCCCodes
)

// fieldNames are the API's names of the mutable fields.
var fieldNames = map[string]Fields{
	"kind":        FieldKind,
	"title":       FieldTitle,
	"description": FieldDescription,
	"creators":    FieldCreators,
	"source_uris": FieldSourceURIs,
	"identifiers": FieldIdentifiers,
	"digests":     FieldDigests,
	"version":     FieldVersion,
	"licence":     FieldLicence,

	"declared_licences": FieldDeclaredLicences,
	"iscc_codes":        FieldISCCCodes,
}

// FieldByName returns the mutable field an update mask path names, in
// snake_case ("source_uris") or lowerCamelCase ("sourceUris").
func FieldByName(path string) (Fields, bool) {
	f, ok := fieldNames[SnakeCase(path)]
	return f, ok
}

// SnakeCase turns a lowerCamelCase field name into snake_case; a name
// already in snake_case is returned as it is.
func SnakeCase(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Has reports whether f holds every field of g.
func (f Fields) Has(g Fields) bool { return f&g == g }

// Apply copies the fields f names from src into w.
func (w *Work) Apply(src *Work, f Fields) {
	if f.Has(FieldKind) {
		w.Kind = src.Kind
	}
	if f.Has(FieldTitle) {
		w.Title = src.Title
	}
	if f.Has(FieldDescription) {
		w.Description = src.Description
	}
	if f.Has(FieldCreators) {
		w.Creators = src.Creators
	}
	if f.Has(FieldSourceURIs) {
		w.SourceURIs = src.SourceURIs
	}
	if f.Has(FieldIdentifiers) {
		w.Identifiers = src.Identifiers
	}
	if f.Has(FieldDigests) {
		w.Digests = src.Digests
	}
	if f.Has(FieldVersion) {
		w.Version = src.Version
	}
	if f.Has(FieldLicence) {
		w.Licence = src.Licence
	}
	if f.Has(FieldDeclaredLicences) {
		w.DeclaredLicences = src.DeclaredLicences
	}
	if f.Has(FieldISCCCodes) {
		w.ISCCCodes = src.ISCCCodes
	}
}
