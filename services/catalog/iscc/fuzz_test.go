package iscc

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds Parse what a client may send as an ISCC: it must never
// panic, and a code it accepts must write back to a form it reads as the
// same code.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"ISCC:AAAZXZ6OU74YAZIM", "iscc:eaaskdnznyguuf5a", "KUAAQICFKJYKY4KUMQV6B6THIBBUG",
		"ISCC:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY", "ISCC:MAAJVNGQOUGKGDRH",
		"ISCC:KACYPPBQTVPZ5USY", "7777", "ISCC:", "AAAZXZ6OU74YAZIN",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(c.String())
		if err != nil {
			t.Fatalf("%q parsed as %s, which does not parse: %v", s, c, err)
		}
		if again.String() != c.String() || !bytes.Equal(again.Bytes(), c.Bytes()) {
			t.Fatalf("%q: %s then %s", s, c, again)
		}
		for _, u := range Units(c) {
			if _, err := Parse(u.String()); err != nil {
				t.Fatalf("unit %s of %s: %v", u, c, err)
			}
		}
	})
}
