package work

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/apierr"
	"github.com/stemma-registry/stemma/services/internal/names"
)

func TestNormaliseIdentifier(t *testing.T) {
	tests := []struct {
		scheme, in, want string // want "" means refused
	}{
		{"doi", "10.5281/zenodo.123", "10.5281/zenodo.123"},
		{"DOI", "doi:10.1000/ABC", "10.1000/abc"},
		{"doi", "https://doi.org/10.1000/a%2Fb", "10.1000/a/b"},
		{"doi", "https://dx.doi.org/10.1000.5/x", "10.1000.5/x"},
		{"doi", "11.1000/x", ""},
		{"doi", "10.abc/x", ""},
		{"doi", "10.1000/", ""},
		{"swhid", "swh:1:cnt:94A9ED024D3859793618152EA559A168BBCBB5E2", "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2"},
		{"swhid", "swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505;origin=https://github.com/x/y", "swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505;origin=https://github.com/x/y"},
		{"swhid", "swh:1:xyz:d198bc9d7a6bcf6db04f476d29314f157507d505", ""},
		{"swhid", "swh:2:cnt:d198bc9d7a6bcf6db04f476d29314f157507d505", ""},
		{"swhid", "swh:1:cnt:d198bc9d", ""},
		{"swhid", "swh:1:cnt:d198bc9d7a6bcf6db04f476d29314f157507d505;bad", ""},
		{"purl", "pkg:npm/left-pad@1.3.0", "pkg:npm/left-pad@1.3.0"},
		{"purl", "PKG:NPM/@angular/core@12.0.0", "pkg:npm/%40angular/core@12.0.0"},
		{"purl", "pkg:GitHub/Package-URL/Purl-Spec@244fd47e07d1004?b=2&A=1&c=", "pkg:github/package-url/purl-spec@244fd47e07d1004?a=1&b=2"},
		{"purl", "pkg:pypi/Django_Rest@1.0", "pkg:pypi/django-rest@1.0"},
		{"purl", "pkg:golang/golang.org/x/text@v0.3.0#/cases/", "pkg:golang/golang.org/x/text@v0.3.0#cases"},
		{"purl", "pkg://maven/org.apache/commons", "pkg:maven/org.apache/commons"},
		{"purl", "npm/left-pad", ""},
		{"purl", "pkg:npm", ""},
		{"purl", "pkg:1npm/x", ""},
		{"purl", "pkg:npm/x@", ""},
		{"isbn", "978-0-306-40615-7", "9780306406157"},
		{"isbn", "ISBN 0-306-40615-2", "9780306406157"},
		{"isbn", "080442957X", "9780804429573"},
		{"isbn", "ISBN-13: 979-10-90636-07-1", "9791090636071"},
		{"isbn", "978-0-306-40615-8", ""},
		{"isbn", "0-306-40615-3", ""},
		{"isbn", "X306406152", ""},
		{"isbn", "12345", ""},
		{"isbn", "1234567890123", ""},
		{"iscc", "iscc:aaazxz6ou74yazim", "ISCC:AAAZXZ6OU74YAZIM"},
		{"iscc", "KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY", "ISCC:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY"},
		{"iscc", "ISCC:KAC1", ""},
		{"iscc", "ISCC:KACYPPBQTVPZ5US1", ""},
		{"iscc", "ISCC:KACYPPBQTVPZ5USY", ""}, // the header announces 256 bits, the body has 64
		{"url", "HTTPS://Example.ORG:443", "https://example.org/"},
		{"url", "http://example.org:8080/A?b=c#d", "http://example.org:8080/A?b=c#d"},
		{"url", "http://[::1]:80/x", "http://[::1]/x"},
		{"url", "ftp://example.org/x", ""},
		{"url", "/relative", ""},
		{"ark", "ark:/12345/x", ""},
		{"", "x", ""},
		{"doi", "", ""},
		{"doi", "10.1000/a\x00b", ""},
	}
	for _, tt := range tests {
		got, err := NormaliseIdentifier("id", tt.scheme, tt.in)
		if tt.want == "" {
			if !apierr.Is(err, apierr.InvalidArgument) {
				t.Errorf("%s %q: got %v, %v; want INVALID_ARGUMENT", tt.scheme, tt.in, got, err)
			}
			continue
		}
		if err != nil || got.Value != tt.want || got.Type != strings.ToLower(tt.scheme) {
			t.Errorf("%s %q = %v, %v; want %s", tt.scheme, tt.in, got, err, tt.want)
		}
	}
}

func TestIdentifierKey(t *testing.T) {
	id := Identifier{Type: SWHID, Value: "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2;origin=x"}
	if id.Key() != "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2" {
		t.Errorf("Key of a qualified SWHID = %q", id.Key())
	}
	if (Identifier{Type: DOI, Value: "10.1/x"}).Key() != "10.1/x" {
		t.Error("Key of a DOI is not its value")
	}
}

func TestNormaliseDigest(t *testing.T) {
	hex64 := strings.Repeat("ab", 32)
	tests := []struct{ in, want string }{
		{"sha256:" + hex64, "sha256:" + hex64},
		{"SHA-256:" + strings.ToUpper(hex64), "sha256:" + hex64},
		{"md5:" + strings.Repeat("0", 32), "md5:" + strings.Repeat("0", 32)},
		{"sha512:" + strings.Repeat("f", 128), "sha512:" + strings.Repeat("f", 128)},
		{"blake3:" + hex64, "blake3:" + hex64},
		{"sha256:" + hex64[:63], ""},
		{"sha256:" + hex64[:63] + "g", ""},
		{"crc32:deadbeef", ""},
		{hex64, ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := NormaliseDigest("digests[0]", tt.in)
		if tt.want == "" {
			if !apierr.Is(err, apierr.InvalidArgument) {
				t.Errorf("%q: got %q, %v; want INVALID_ARGUMENT", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func valid() *Work {
	return &Work{
		Kind:        Software,
		Title:       "  left-pad  ",
		Description: "Pads.\nOn the left.",
		Creators:    []Creator{{Name: "Azer", Role: "author", URI: "http://www.orcid.org/0000-0002-1825-0097"}},
		SourceURIs:  []string{"HTTPS://GitHub.com/x/y", "https://github.com/x/y", "git+ssh://git@github.com/x/y.git"},
		Identifiers: []Identifier{{"purl", "pkg:npm/left-pad@1.3.0"}, {"PURL", "pkg:NPM/left-pad@1.3.0"}},
		Digests:     []string{"sha256:" + strings.Repeat("A", 64), "sha256:" + strings.Repeat("a", 64)},
		Version:     "1.3.0",
	}
}

func TestNormalise(t *testing.T) {
	w := valid()
	if err := Normalise(w, AllFields, "work."); err != nil {
		t.Fatal(err)
	}
	if w.Title != "left-pad" {
		t.Errorf("title not trimmed: %q", w.Title)
	}
	if w.Creators[0].URI != "https://orcid.org/0000-0002-1825-0097" {
		t.Errorf("ORCID not normalised: %q", w.Creators[0].URI)
	}
	if len(w.SourceURIs) != 2 || len(w.Identifiers) != 1 || len(w.Digests) != 1 {
		t.Errorf("duplicates kept: %v %v %v", w.SourceURIs, w.Identifiers, w.Digests)
	}

	tests := []struct {
		name  string
		edit  func(*Work)
		field string
	}{
		{"no kind", func(w *Work) { w.Kind = KindUnspecified }, "work.kind"},
		{"bad kind", func(w *Work) { w.Kind = 99 }, "work.kind"},
		{"no title", func(w *Work) { w.Title = "   " }, "work.title"},
		{"long title", func(w *Work) { w.Title = strings.Repeat("é", MaxTitle+1) }, "work.title"},
		{"NUL in title", func(w *Work) { w.Title = "a\x00b" }, "work.title"},
		{"newline in title", func(w *Work) { w.Title = "a\nb" }, "work.title"},
		{"bad UTF-8", func(w *Work) { w.Description = "\xff" }, "work.description"},
		{"creator without name", func(w *Work) { w.Creators = []Creator{{Role: "x"}} }, "work.creators[0].name"},
		{"bad ORCID", func(w *Work) { w.Creators[0].URI = "https://orcid.org/0000-0002-1825-0098" }, "work.creators[0].uri"},
		{"relative creator URI", func(w *Work) { w.Creators[0].URI = "me" }, "work.creators[0].uri"},
		{"too many creators", func(w *Work) { w.Creators = make([]Creator, MaxCreators+1) }, "work.creators"},
		{"relative source", func(w *Work) { w.SourceURIs = []string{"github.com/x"} }, "work.source_uris[0]"},
		{"source with space", func(w *Work) { w.SourceURIs = []string{"https://x/a b"} }, "work.source_uris[0]"},
		{"bad identifier", func(w *Work) { w.Identifiers = []Identifier{{"isbn", "123"}} }, "work.identifiers[0].value"},
		{"unknown scheme", func(w *Work) { w.Identifiers = []Identifier{{"ark", "x"}} }, "work.identifiers[0].type"},
		{"bad digest", func(w *Work) { w.Digests = []string{"sha256:00"} }, "work.digests[0]"},
		{"too many digests", func(w *Work) {
			w.Digests = slices.Repeat([]string{"md5:" + strings.Repeat("0", 32)}, MaxDigests+1)
		}, "work.digests"},
		{"long version", func(w *Work) { w.Version = strings.Repeat("1", MaxVersion+1) }, "work.version"},
		{"declared without statement", func(w *Work) { w.DeclaredLicences = []DeclaredLicence{{Method: "none"}} }, "work.declared_licences[0].statement"},
		{"declared by an unknown method", func(w *Work) {
			w.DeclaredLicences = []DeclaredLicence{{Statement: "MIT", Method: "guess", Expression: "MIT"}}
		}, "work.declared_licences[0].method"},
		{"declared resolved to nothing", func(w *Work) {
			w.DeclaredLicences = []DeclaredLicence{{Statement: "Bouncy", Method: "name"}}
		}, "work.declared_licences[0].expression"},
		{"declared unresolved with an expression", func(w *Work) {
			w.DeclaredLicences = []DeclaredLicence{{Statement: "Bouncy", Method: "none", Expression: "MIT"}}
		}, "work.declared_licences[0].expression"},
		{"declared with confidence above 1", func(w *Work) {
			w.DeclaredLicences = []DeclaredLicence{{Statement: "MIT/X11", Method: "alias", Expression: "MIT", Confidence: 1.5}}
		}, "work.declared_licences[0].confidence"},
		{"declared with confidence NaN", func(w *Work) {
			w.DeclaredLicences = []DeclaredLicence{{Statement: "MIT/X11", Method: "alias", Expression: "MIT", Confidence: math.NaN()}}
		}, "work.declared_licences[0].confidence"},
		{"too many declared", func(w *Work) {
			w.DeclaredLicences = slices.Repeat([]DeclaredLicence{{Statement: "MIT", Method: "spdx-id", Expression: "MIT", Confidence: 1}}, MaxDeclared+1)
		}, "work.declared_licences"},
	}
	for _, tt := range tests {
		w := valid()
		tt.edit(w)
		err := Normalise(w, AllFields, "work.")
		e, ok := apierr.As(err)
		if !ok || e.Kind != apierr.InvalidArgument || e.Field != tt.field {
			t.Errorf("%s: %v; want INVALID_ARGUMENT on %s", tt.name, err, tt.field)
		}
	}

	// An unresolved statement is kept as "none", whatever the client sent
	// for the method.
	w = valid()
	w.DeclaredLicences = []DeclaredLicence{{Statement: " Bouncy Castle Licence "}}
	if err := Normalise(w, AllFields, ""); err != nil || w.DeclaredLicences[0] != (DeclaredLicence{Statement: "Bouncy Castle Licence", Method: "none"}) {
		t.Errorf("unresolved statement normalised to %+v, %v", w.DeclaredLicences, err)
	}

	// Only the named fields are checked.
	w = valid()
	w.Title = ""
	if err := Normalise(w, FieldDigests, ""); err != nil {
		t.Errorf("Normalise(digests) looked at the title: %v", err)
	}
}

func TestNewIDIsValidAndOrdered(t *testing.T) {
	prev := ""
	for i := 0; i < 1000; i++ {
		id := NewID()
		if err := names.ValidID("id", id); err != nil || len(id) != 26 {
			t.Fatalf("NewID() = %q: %v", id, err)
		}
		if id[:9] < prev {
			t.Fatalf("ids went back in time: %q after %q", id, prev)
		}
		prev = id[:9]
	}
}

func TestEtag(t *testing.T) {
	a, b, c := Etag(1, 1), Etag(1, 2), Etag(2, 1)
	if a == b || a == c || b == c || a != Etag(1, 1) {
		t.Errorf("etags %q %q %q must differ by sequence and generation and be stable", a, b, c)
	}
}

func TestFieldByName(t *testing.T) {
	for _, p := range []string{"source_uris", "sourceUris", "title", "licence"} {
		if _, ok := FieldByName(p); !ok {
			t.Errorf("FieldByName(%q) unknown", p)
		}
	}
	for _, p := range []string{"owner", "etag", "creators.name", ""} {
		if _, ok := FieldByName(p); ok {
			t.Errorf("FieldByName(%q) known", p)
		}
	}
	if k, ok := KindFromName("DATASET"); !ok || k != Dataset || k.String() != "DATASET" {
		t.Errorf("KindFromName(DATASET) = %v, %v", k, ok)
	}
}
