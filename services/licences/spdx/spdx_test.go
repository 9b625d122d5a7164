package spdx

import (
	"strings"
	"testing"
)

func TestDefaultCounts(t *testing.T) {
	l := Default()
	if got := len(l.Licences()); got != 729 {
		t.Errorf("licences: got %d, want 729", got)
	}
	if got := len(l.Exceptions()); got != 85 {
		t.Errorf("exceptions: got %d, want 85", got)
	}
	if l.Version == "" || l.ReleaseDate.IsZero() {
		t.Errorf("version %q, release date %v: want both set", l.Version, l.ReleaseDate)
	}
	var deprecated, osi int
	for _, x := range l.Licences() {
		if x.Deprecated {
			deprecated++
		}
		if x.OSIApproved {
			osi++
		}
	}
	if deprecated != 32 || osi != 149 {
		t.Errorf("deprecated %d, OSI-approved %d: want 32 and 149 (PROVENANCE.md)", deprecated, osi)
	}
}

func TestLookupIgnoresCase(t *testing.T) {
	l := Default()
	for _, id := range []string{"MIT", "mit", "Apache-2.0", "APACHE-2.0", "gpl-3.0-or-later"} {
		x, ok := l.Licence(id)
		if !ok {
			t.Errorf("Licence(%q): not found", id)
			continue
		}
		if !strings.EqualFold(x.ID, id) {
			t.Errorf("Licence(%q) = %q", id, x.ID)
		}
	}
	if x, ok := l.Licence("apache-2.0"); !ok || x.ID != "Apache-2.0" || !x.OSIApproved {
		t.Errorf("Licence(apache-2.0) = %+v, %v", x, ok)
	}
	if _, ok := l.Licence("No-Such-Licence"); ok {
		t.Error("Licence(No-Such-Licence): found")
	}
	if x, ok := l.Exception("classpath-exception-2.0"); !ok || x.ID != "Classpath-exception-2.0" {
		t.Errorf("Exception(classpath-exception-2.0) = %+v, %v", x, ok)
	}
}

// Every deprecated identifier either names a replacement whose parts are all
// current identifiers, or is one of the two with no single replacement.
func TestReplacementsNameCurrentIdentifiers(t *testing.T) {
	l := Default()
	noReplacement := map[string]bool{"Net-SNMP": true}
	for _, x := range l.Licences() {
		if !x.Deprecated {
			if x.ReplacedBy != "" {
				t.Errorf("%s is current but has replacement %q", x.ID, x.ReplacedBy)
			}
			continue
		}
		if x.ReplacedBy == "" {
			if !noReplacement[x.ID] {
				t.Errorf("deprecated %s has no replacement", x.ID)
			}
			continue
		}
		for _, part := range strings.Fields(x.ReplacedBy) {
			if part == "WITH" {
				continue
			}
			if lic, ok := l.Licence(part); ok {
				if lic.Deprecated {
					t.Errorf("%s -> %q: %s is itself deprecated", x.ID, x.ReplacedBy, part)
				}
				continue
			}
			if exc, ok := l.Exception(part); !ok || exc.Deprecated {
				t.Errorf("%s -> %q: %s is not a current licence or exception", x.ID, x.ReplacedBy, part)
			}
		}
	}
	for id := range replacements {
		if x, ok := l.Licence(id); !ok || !x.Deprecated || x.ID != id {
			t.Errorf("replacement table names %q, which is not a deprecated identifier spelt that way", id)
		}
	}
}

func TestOrderIsStable(t *testing.T) {
	ls := Default().Licences()
	for i := 1; i < len(ls); i++ {
		if !lessFold(ls[i-1].ID, ls[i].ID) {
			t.Fatalf("licences out of order at %d: %q then %q", i, ls[i-1].ID, ls[i].ID)
		}
	}
}
