package profile

import (
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/licences/spdx"
)

func TestEveryIdentifierHasAProfile(t *testing.T) {
	l := spdx.Default()
	c := Default()
	if got, want := len(c.Licences()), len(l.Licences()); got != want {
		t.Fatalf("%d licence profiles, want %d", got, want)
	}
	for _, x := range l.Licences() {
		p, ok := c.Licence(x.ID)
		if !ok {
			t.Errorf("licence %s has no profile", x.ID)
			continue
		}
		if p.Category == CategoryUnspecified || p.Domain == DomainUnspecified || p.Family == "" {
			t.Errorf("licence %s: incomplete profile %+v", x.ID, p)
		}
		if p.Modelled && p.Category == ProprietaryOrUnknown && p.Restricts == 0 {
			t.Errorf("licence %s is modelled but unclassified", x.ID)
		}
		if p.Modelled && len(p.Sources) == 0 {
			t.Errorf("licence %s is modelled without a source", x.ID)
		}
		if !p.Modelled && p.GPL != GPLUnknown {
			t.Errorf("licence %s is not modelled but states GPL compatibility %s", x.ID, p.GPL)
		}
	}
	if got, want := len(c.Exceptions()), len(l.Exceptions()); got != want {
		t.Fatalf("%d exception profiles, want %d", got, want)
	}
	for _, x := range l.Exceptions() {
		e, ok := c.Exception(x.ID)
		if !ok {
			t.Errorf("exception %s has no profile", x.ID)
			continue
		}
		if e.Effect == EffectNone && e.Modelled {
			t.Errorf("exception %s: modelled without an effect", x.ID)
		}
	}
}

func TestKnownProfiles(t *testing.T) {
	c := Default()
	tests := []struct {
		id       string
		family   string
		version  string
		category Category
		gpl      GPLCompat
		patent   PatentTerms
		modelled bool
	}{
		{"MIT", "MIT", "", Permissive, GPLv2AndV3, PatentSilent, true},
		{"Apache-2.0", "Apache", "2.0", Permissive, GPLv3Only, PatentGrantWithRetaliation, true},
		{"GPL-2.0-or-later", "GPL", "2.0", StrongCopyleft, GPLFamily, PatentSilent, true},
		{"AGPL-3.0-only", "AGPL", "3.0", NetworkCopyleft, GPLFamily, PatentGrantWithRetaliation, true},
		{"LGPL-2.1-only", "LGPL", "2.1", WeakCopyleftLibrary, GPLv2AndV3, PatentSilent, true},
		{"MPL-2.0", "MPL", "2.0", WeakCopyleftFile, GPLSecondary, PatentGrantWithRetaliation, true},
		{"CC0-1.0", "CC0", "1.0", PublicDomain, GPLv2AndV3, PatentWithheld, true},
		{"CC-BY-SA-4.0", "CC-BY-SA", "4.0", ShareAlike, GPLNone, PatentWithheld, true},
		{"CC-BY-NC-ND-3.0-DE", "CC-BY-NC-ND", "3.0", NoDerivatives, GPLNone, PatentSilent, true},
		{"CC-BY-4.0", "CC-BY", "4.0", Permissive, GPLv2AndV3, PatentWithheld, true},
		{"BSD-4-Clause", "BSD-4-Clause", "", Permissive, GPLNone, PatentSilent, true},
		{"GFDL-1.3-invariants-or-later", "GFDL", "1.3", ShareAlike, GPLNone, PatentSilent, true},
		{"LPPL-1.3c", "LPPL", "1.3c", WeakCopyleftFile, GPLNone, PatentSilent, true},
		{"GPL-2.0", "GPL", "2.0", StrongCopyleft, GPLFamily, PatentSilent, true},
		// Reviewed from its text (issue 13): notice conditions only.
		{"Glulxe", "Glulxe", "", Permissive, GPLv2AndV3, PatentSilent, true},
		// Reviewed, but its text grants nothing explicit, so GPL compatibility stays unknown.
		{"MPEG-SSG", "MPEG-SSG", "", Permissive, GPLUnknown, PatentSilent, true},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			p, ok := c.Licence(tt.id)
			if !ok {
				t.Fatal("no profile")
			}
			if p.Family != tt.family || p.Version != tt.version || p.Category != tt.category ||
				p.GPL != tt.gpl || p.Patent != tt.patent || p.Modelled != tt.modelled {
				t.Errorf("got family %q version %q %s gpl %s patent %s modelled %v", p.Family, p.Version, p.Category, p.GPL, p.Patent, p.Modelled)
			}
		})
	}
}

func TestDerive(t *testing.T) {
	tests := []struct{ id, family, version, port string }{
		{"GPL-3.0-or-later", "GPL", "3.0", ""},
		{"CC-BY-SA-2.0-UK", "CC-BY-SA", "2.0", "UK"},
		{"CC-BY-3.0-IGO", "CC-BY", "3.0", "IGO"},
		{"BSD-3-Clause", "BSD-3-Clause", "", ""},
		{"OLDAP-2.0.1", "OLDAP", "2.0.1", ""},
		{"PolyForm-Noncommercial-1.0.0", "PolyForm-Noncommercial", "1.0.0", ""},
		{"Unicode-DFS-2016", "Unicode-DFS", "2016", ""},
		{"0BSD", "0BSD", "", ""},
	}
	for _, tt := range tests {
		f, v, p := Derive(tt.id)
		if f != tt.family || v != tt.version || p != tt.port {
			t.Errorf("Derive(%q) = %q, %q, %q; want %q, %q, %q", tt.id, f, v, p, tt.family, tt.version, tt.port)
		}
	}
}

func TestSource(t *testing.T) {
	s, ok := Default().Source("gpl-faq", "#MereAggregation")
	if !ok || s.URL == "" || s.Clause != "#MereAggregation" {
		t.Fatalf("Source = %+v, %v", s, ok)
	}
	if _, ok := Default().Source("nope", ""); ok {
		t.Fatal("unknown key found")
	}
}

func TestStrings(t *testing.T) {
	if NetworkCopyleft.String() != "NETWORK_COPYLEFT" || DiscloseSource.String() != "DISCLOSE_SOURCE" ||
		PatentWithheld.String() != "WITHHELD" || Font.String() != "FONT" || Category(99).String() != "UNSPECIFIED" {
		t.Error("enum names")
	}
	if (Advertising|FieldOfUse).String() != "advertising,field-of-use" || Restriction(0).String() != "-" {
		t.Error("restriction names")
	}
	if !StrongCopyleft.Copyleft() || Permissive.Copyleft() {
		t.Error("Copyleft")
	}
}

// TestDeprecatedFollowReplacement keeps the rows of deprecated identifiers in
// step with the licence SPDX replaces them with.
func TestDeprecatedFollowReplacement(t *testing.T) {
	c := Default()
	for _, p := range c.Licences() {
		if !p.Deprecated || p.ReplacedBy == "" {
			continue
		}
		id, _, _ := strings.Cut(p.ReplacedBy, " WITH ")
		r, ok := c.Licence(id)
		if !ok {
			t.Errorf("%s: replacement %s has no profile", p.ID, id)
			continue
		}
		if p.Category != r.Category || p.GPL != r.GPL || p.Modelled != r.Modelled || p.Restricts != r.Restricts || p.Domain != r.Domain {
			t.Errorf("%s differs from its replacement %s: %s/%s/%v vs %s/%s/%v", p.ID, id, p.Category, p.GPL, p.Modelled, r.Category, r.GPL, r.Modelled)
		}
	}
}

// TestReviewedExceptions checks exceptions read from their texts in issue 13,
// one per effect the review used, so that a mis-spelt effect in
// data/exceptions.tsv or a lost row shows here.
func TestReviewedExceptions(t *testing.T) {
	c := Default()
	for id, want := range map[string]ExceptionEffect{
		"GPL-CC-1.0":                     EffectScope,
		"SHL-2.1":                        EffectScope,
		"KiCad-libraries-exception":      EffectOutput,
		"Independent-modules-exception":  EffectLinkAny,
		"Qt-LGPL-exception-1.1":          EffectHeader,
		"OCaml-LGPL-linking-exception":   EffectStaticLink,
		"OpenJDK-assembly-exception-1.0": EffectNamedLibrary,
		"PCRE2-exception":                EffectScope,
		"polyparse-exception":            EffectStaticLink,
		"GPL-3.0-interface-exception":    EffectNone,
		"RRDtool-FLOSS-exception-2.0":    EffectLinkFOSS,
		"erlang-otp-linking-exception":   EffectNamedLibrary,
		"CGAL-linking-exception":         EffectNamedLibrary,
		"romic-exception":                EffectNone,
	} {
		x, ok := c.Exception(id)
		if !ok {
			t.Errorf("%s: no profile", id)
			continue
		}
		if x.Effect != want || x.Modelled != (want != EffectNone) {
			t.Errorf("%s: effect %s modelled %v, want %s", id, x.Effect, x.Modelled, want)
		}
	}
}
