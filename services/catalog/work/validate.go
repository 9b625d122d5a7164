package work

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/input"
)

// Bounds on a work's strings (in characters) and lists.
const (
	MaxTitle       = 500
	MaxDescription = 20_000
	MaxVersion     = 200
	MaxCreators    = 200
	MaxCreatorName = 500
	MaxCreatorRole = 100
	MaxURI         = 2048
	MaxSourceURIs  = 100
	MaxIdentifiers = 100
	MaxIdentifier  = 2048
	MaxDigests     = 32
	MaxLicence     = 2048
	MaxNote        = 2000
	MaxLienOrigin  = 200
	MaxLienReason  = 1000
	MaxDeclared    = 32
	MaxISCCCodes   = 8
)

// Normalise validates the fields f names of w and puts them into normal
// form: text trimmed, identifiers and digests normalised and deduplicated.
// The licence is not checked here; the licences service validates it.
// prefix is prepended to field names in errors ("work." or
// "requests[3].work.").
func Normalise(w *Work, f Fields, prefix string) error {
	var err error
	if f.Has(FieldKind) && !w.Kind.Valid() {
		if w.Kind == KindUnspecified {
			return apierr.Missing(prefix + "kind")
		}
		return apierr.Invalid(prefix+"kind", "unknown kind %d", int(w.Kind))
	}
	if f.Has(FieldTitle) {
		if w.Title, err = input.Text(prefix+"title", w.Title, MaxTitle, false); err != nil {
			return err
		}
		if w.Title == "" {
			return apierr.Missing(prefix + "title")
		}
	}
	if f.Has(FieldDescription) {
		if w.Description, err = input.Text(prefix+"description", w.Description, MaxDescription, true); err != nil {
			return err
		}
	}
	if f.Has(FieldVersion) {
		if w.Version, err = input.Text(prefix+"version", w.Version, MaxVersion, false); err != nil {
			return err
		}
	}
	if f.Has(FieldCreators) {
		if w.Creators, err = normaliseCreators(prefix+"creators", w.Creators); err != nil {
			return err
		}
	}
	if f.Has(FieldSourceURIs) {
		if w.SourceURIs, err = normaliseURIs(prefix+"source_uris", w.SourceURIs); err != nil {
			return err
		}
	}
	if f.Has(FieldIdentifiers) {
		if w.Identifiers, err = normaliseIdentifiers(prefix+"identifiers", w.Identifiers); err != nil {
			return err
		}
	}
	if f.Has(FieldDigests) {
		if w.Digests, err = normaliseDigests(prefix+"digests", w.Digests); err != nil {
			return err
		}
	}
	if f.Has(FieldISCCCodes) {
		if w.ISCCCodes, err = normaliseISCCCodes(prefix+"iscc_codes", w.ISCCCodes); err != nil {
			return err
		}
	}
	if f.Has(FieldDeclaredLicences) {
		if w.DeclaredLicences, err = normaliseDeclared(prefix+"declared_licences", w.DeclaredLicences); err != nil {
			return err
		}
	}
	return nil
}

// DeclarationMethods are the ways a declared licence statement can have
// been resolved, as the licences service's identification names them.
var DeclarationMethods = []string{"spdx-id", "expression", "name", "alias", "url", "text", "none"}

func normaliseDeclared(field string, ds []DeclaredLicence) ([]DeclaredLicence, error) {
	if len(ds) > MaxDeclared {
		return nil, apierr.Invalid(field, "%d statements; at most %d", len(ds), MaxDeclared)
	}
	var out []DeclaredLicence // nil when there are none, as the store reads it back
	for i, d := range ds {
		at := fmt.Sprintf("%s[%d]", field, i)
		var err error
		if d.Statement, err = input.Text(at+".statement", d.Statement, MaxLicence, false); err != nil {
			return nil, err
		}
		if d.Statement == "" {
			return nil, apierr.Missing(at + ".statement")
		}
		if d.Expression, err = input.Text(at+".expression", d.Expression, MaxLicence, false); err != nil {
			return nil, err
		}
		if d.Method == "" && d.Expression == "" {
			d.Method = "none"
		}
		if !slices.Contains(DeclarationMethods, d.Method) {
			return nil, apierr.Invalid(at+".method", "%q; want one of %s", clip(d.Method), strings.Join(DeclarationMethods, ", "))
		}
		switch {
		case d.Method == "none" && d.Expression != "":
			return nil, apierr.Invalid(at+".expression", "a statement resolved by method \"none\" has no expression")
		case d.Method != "none" && d.Expression == "":
			return nil, apierr.Missing(at + ".expression")
		}
		if !(d.Confidence >= 0 && d.Confidence <= 1) {
			return nil, apierr.Invalid(at+".confidence", "%g is not between 0 and 1", d.Confidence)
		}
		out = append(out, d)
	}
	return out, nil
}

func normaliseCreators(field string, cs []Creator) ([]Creator, error) {
	if len(cs) > MaxCreators {
		return nil, apierr.Invalid(field, "%d creators; at most %d", len(cs), MaxCreators)
	}
	out := make([]Creator, 0, len(cs))
	for i, c := range cs {
		at := fmt.Sprintf("%s[%d]", field, i)
		var err error
		if c.Name, err = input.Text(at+".name", c.Name, MaxCreatorName, false); err != nil {
			return nil, err
		}
		if c.Name == "" {
			return nil, apierr.Missing(at + ".name")
		}
		if c.Role, err = input.Text(at+".role", c.Role, MaxCreatorRole, false); err != nil {
			return nil, err
		}
		if c.URI != "" {
			if c.URI, err = creatorURI(at+".uri", c.URI); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func normaliseURIs(field string, uris []string) ([]string, error) {
	if len(uris) > MaxSourceURIs {
		return nil, apierr.Invalid(field, "%d URIs; at most %d", len(uris), MaxSourceURIs)
	}
	out := make([]string, 0, len(uris))
	seen := make(map[string]bool, len(uris))
	for i, u := range uris {
		n, err := AbsoluteURI(fmt.Sprintf("%s[%d]", field, i), u)
		if err != nil {
			return nil, err
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// AbsoluteURI checks a URI with a scheme and something after it
// ("https://…", "git+ssh://…", "urn:…", "mailto:…"), without spaces or
// control characters. The scheme and host come out in lower case.
func AbsoluteURI(field, s string) (string, error) {
	s, err := input.Text(field, s, MaxURI, false)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", apierr.Missing(field)
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return "", apierr.Invalid(field, "%q contains spaces", clip(s))
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "" && u.Path == "") {
		return "", apierr.Invalid(field, "%q is not an absolute URI (want scheme:…)", clip(s))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	return u.String(), nil
}

// clip shortens what an error echoes back.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	for i := max; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return ""
}
