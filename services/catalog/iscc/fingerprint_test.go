package iscc

import (
	"strings"
	"testing"
)

func TestCompute(t *testing.T) {
	f, err := Compute(strings.NewReader("Hello World"), Options{Name: "Die Unendliche Geschichte"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Content == nil || f.Content.String() != "ISCC:EAASKDNZNYGUUF5A" || f.Characters != 10 || f.Size != 11 {
		t.Errorf("content %v, %d characters, %d bytes", f.Content, f.Characters, f.Size)
	}
	if f.Meta == nil || f.Meta.Code.String() != "ISCC:AAAZXZ6OU74YAZIM" {
		t.Errorf("meta %v", f.Meta)
	}
	units := Units(f.ISCC)
	if len(units) != 4 || units[0].String() != "ISCC:AAAZXZ6OU74YAZIM" || units[1].String() != "ISCC:EAASKDNZNYGUUF5A" ||
		units[2].String() != f.Data.String() || units[3].String() != f.Instance.String() {
		t.Errorf("ISCC-CODE %s has units %v", f.ISCC, units)
	}
	if _, err := Compute(strings.NewReader(""), Options{Bits: 40}); err == nil {
		t.Error("40 bits accepted")
	}
	if _, err := Compute(strings.NewReader(""), Options{Name: "\u0000\t"}); err != ErrNoName {
		t.Errorf("a name of controls: %v", err)
	}
}

// capped keeps what fits and says there was more.
func TestCapped(t *testing.T) {
	c := &capped{max: 5}
	for _, p := range []string{"abc", "def", "gh"} {
		if n, err := c.Write([]byte(p)); n != len(p) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", p, n, err)
		}
	}
	if c.buf.String() != "abcde" || !c.over {
		t.Errorf("kept %q, over %v", c.buf.String(), c.over)
	}
}
