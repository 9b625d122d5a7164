package similarity

import (
	"slices"
	"testing"
)

// FuzzParse: whatever a client sends as a code, Parse answers without
// panicking, and a unit it returns is found by a search for itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"ISCC:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY", "ISCC:EEAYHJGUD3LC2LAA",
		"ISCC:AAAWN77F727NXSUS", "ISCC:KACYPPBQTVPZ5USY", "iscc:gaasl4f2wzy7kbxb", "", "ISCC:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		units, err := Parse(s)
		if err != nil {
			return
		}
		if len(units) == 0 {
			t.Fatalf("Parse(%q) = no units and no error", s)
		}
		for _, u := range units {
			probes := Probes(u, 0)
			for _, k := range Keys(u) {
				if !slices.Contains(probes, k) {
					t.Fatalf("unit %v of %q: key %x not probed at distance 0", u, s, k)
				}
			}
		}
	})
}
