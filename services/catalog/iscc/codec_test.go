package iscc

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want, typ string
		bits          int
	}{
		{"ISCC:AAAZXZ6OU74YAZIM", "ISCC:AAAZXZ6OU74YAZIM", "META", 64},
		{"iscc:aaazxz6ou74yazim", "ISCC:AAAZXZ6OU74YAZIM", "META", 64},
		{" AAAZXZ6OU74YAZIM ", "ISCC:AAAZXZ6OU74YAZIM", "META", 64},
		{"EEBYAAAAAAAAAAAAAAAAAAAAAAAAA", "ISCC:EEBYAAAAAAAAAAAAAAAAAAAAAAAAA", "CONTENT-IMAGE", 128},
		{"KUAAQICFKJYKY4KUMQV6B6THIBBUG", "ISCC:KUAAQICFKJYKY4KUMQV6B6THIBBUG", "ISCC-SUM", 128},
		{"ISCC:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY", "ISCC:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY", "ISCC-TEXT", 256},
	} {
		c, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if c.String() != tc.want || c.TypeName() != tc.typ || c.BodyBits() != tc.bits {
			t.Errorf("Parse(%q) = %s %s %d bits, want %s %s %d", tc.in, c, c.TypeName(), c.BodyBits(), tc.want, tc.typ, tc.bits)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
		msg  string
	}{
		{"", ErrSyntax, "4 to 128"},
		{"ISCC:", ErrSyntax, "4 to 128"},
		{"ISCC:AAAZXZ6OU74YAZI1", ErrSyntax, "base32"},
		{"ISCC:AAAZXZ6OU74YAZIM=", ErrSyntax, "base32"},
		{"ISCC:AABJXZ6OU4E45RB57GAGKDB", ErrSyntax, "canonical"}, // a nonzero bit over
		{"ISCC:AAAZXZ6OU74YAZ", ErrSyntax, "canonical"},          // a length base32 never has
		{"ISCC:AAAZXZ6OU74YA", ErrHeader, "64-bit body"},         // body cut short
		{"ISCC:KACYPPBQTVPZ5USY", ErrHeader, "256-bit body"},     // a header announcing more
		{"ISCC:AEAZXZ6OU74YAZIM", ErrHeader, "subtype"},          // a Meta-Code with a subtype
		{"ISCC:AAQZXZ6OU74YAZIM", ErrHeader, "version"},          // version 1
		{"ISCC:" + strings.Repeat("A", 200), ErrSyntax, "4 to 128"},
	} {
		_, err := Parse(tc.in)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Parse(%q) = %v; want %v mentioning %q", tc.in, err, tc.want, tc.msg)
		}
	}
	for _, tc := range []struct {
		in  []byte
		msg string
	}{
		{[]byte{0xff, 0xff}, "malformed"},
		{[]byte{0x00}, "malformed"},
		{[]byte{0x00, 0x08, 0x00}, "at most 256 bits"},
		{[]byte{0x80, 0x00, 0x00}, "unknown main type 8"},
		{[]byte{0x00, 0x08, 0x01}, "padding"},
	} {
		if _, err := Decode(tc.in); !errors.Is(err, ErrHeader) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Decode(%x) = %v; want a header error mentioning %q", tc.in, err, tc.msg)
		}
	}
}

// Header fields of every size round-trip through the varnibble coding.
func TestVarnibble(t *testing.T) {
	for _, v := range []uint16{0, 7, 8, 71, 72, 583, 584, 4679} {
		var w nibbleWriter
		w.varnibble(v)
		w.varnibble(5)
		r := nibbleReader{b: w.b}
		if got, ok := r.varnibble(); !ok || got != v {
			t.Errorf("varnibble %d read back as %d, %v", v, got, ok)
		}
		if got, ok := r.varnibble(); !ok || got != 5 {
			t.Errorf("after %d: %d, %v", v, got, ok)
		}
	}
}

func TestDistance(t *testing.T) {
	a, _ := Parse("ISCC:EAASKDNZNYGUUF5A")
	b := a
	b.Body = append([]byte(nil), a.Body...)
	b.Body[0] ^= 0x81
	b.Body[7] ^= 0x01
	if d, err := Distance(a, b); err != nil || d != 3 {
		t.Errorf("Distance = %d, %v; want 3", d, err)
	}
	if d, err := Distance(a, a); err != nil || d != 0 {
		t.Errorf("Distance to itself = %d, %v", d, err)
	}
	image, _ := Parse("ISCC:EEAQAAAAAAAAAAAA")
	long, _ := Parse("ISCC:EADSKDNZNYGUUF5AMFEJLZ5P66CP5YKCOA3X7F36RWE4CIRCBTUWXYY")
	for _, other := range []Code{image, long} {
		if _, err := Distance(a, other); !errors.Is(err, ErrMismatch) {
			t.Errorf("Distance(%s, %s) = %v; want ErrMismatch", a, other, err)
		}
	}
}

// Known answers of the 32-bit xxHash with seed 0, across its code paths:
// the tail bytes, the 4-byte lanes and the 16-byte stripes.
func TestXXH32(t *testing.T) {
	for in, want := range map[string]uint32{
		"":                           0x02cc5d05,
		"a":                          0x550d7456,
		"abc":                        0x32d153ff,
		"message digest":             0x7c948494,
		"abcdefghijklmnopqrstuvwxyz": 0x63a14d5f,
	} {
		if got := xxh32([]byte(in)); got != want {
			t.Errorf("xxh32(%q) = %#08x, want %#08x", in, got, want)
		}
	}
}

func TestCompose(t *testing.T) {
	data, _ := Parse("GAAQQICFKJYKY4KU")
	inst, _ := Parse("IADWIK7A7JTUAQ2D6QARX7OBEIK3OOUAM42LOBLCZ4ZOGDLRHMDL6TQ")
	text, _ := Parse("EAARMJLTQCUWAND2")
	img, _ := Parse("EEAQAAAAAAAAAAAA")
	short, _ := Decode([]byte{0x30, 0x00, 1, 2, 3, 4}) // a 32-bit Data-Code
	for _, units := range [][]Code{{data}, {data, data}, {inst, inst}, {text, data}, {text, img, data, inst}, {short, inst}} {
		if c, err := Compose(units...); !errors.Is(err, ErrCompose) {
			t.Errorf("Compose(%v) = %s, %v; want ErrCompose", units, c, err)
		}
	}
}
