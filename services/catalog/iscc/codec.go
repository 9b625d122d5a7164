// Package iscc computes International Standard Content Codes (ISO 24138)
// locally: the header codec, the Meta-, Content- (text and image), Data-
// and Instance-Code units, their composition into an ISCC-CODE, and the
// Hamming distance between two codes of one type, which is what makes
// near-duplicates findable. The algorithms follow the reference
// implementation, iscc-core, whose conformance data the tests run
// (testdata/NOTICE). docs/iscc.md says what is computed and how far it
// conforms.
package iscc

import (
	"encoding/base32"
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// MainType is the kind of a code: what its body hashes.
type MainType uint8

// The main types of ISO 24138.
const (
	MainMeta     MainType = 0 // metadata similarity
	MainSemantic MainType = 1 // semantic content similarity
	MainContent  MainType = 2 // perceptual content similarity
	MainData     MainType = 3 // raw data similarity
	MainInstance MainType = 4 // data identity (a checksum)
	MainISCC     MainType = 5 // a composite of units with one header
	MainID       MainType = 6 // a short identifier bound to a code
	MainFlake    MainType = 7 // a time-based unique identifier
)

var mainNames = [...]string{"META", "SEMANTIC", "CONTENT", "DATA", "INSTANCE", "ISCC", "ID", "FLAKE"}

func (m MainType) String() string {
	if int(m) < len(mainNames) {
		return mainNames[m]
	}
	return fmt.Sprintf("MainType(%d)", uint8(m))
}

// The subtypes of Content-Codes (and of ISCC-CODEs that hold one); an
// ISCC-CODE without a Content-Code is a SUM of Data and Instance.
const (
	SubText  uint8 = 0
	SubImage uint8 = 1
	SubAudio uint8 = 2
	SubVideo uint8 = 3
	SubMixed uint8 = 4
	SubSum   uint8 = 5 // ISCC-CODE only
	SubNone  uint8 = 6 // ISCC-CODE only
)

var contentSubNames = [...]string{"TEXT", "IMAGE", "AUDIO", "VIDEO", "MIXED", "SUM", "NONE"}

// maxSubType is the largest subtype each main type defines.
var maxSubType = [...]uint8{
	MainMeta: 0, MainSemantic: SubMixed, MainContent: SubMixed, MainData: 0,
	MainInstance: 0, MainISCC: SubNone, MainID: 3, MainFlake: 0,
}

// Code is one decoded ISCC: its header fields and its body.
type Code struct {
	Type    MainType
	SubType uint8
	Version uint8
	// Length is the header's raw length field; its meaning depends on
	// Type (BodyBits gives the body's length in bits).
	Length uint16
	Body   []byte
}

// Prefix is how an ISCC is written in full: "ISCC:" and base32.
const Prefix = "ISCC:"

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Errors of Parse, for errors.Is.
var (
	ErrSyntax = errors.New("not an ISCC")
	ErrHeader = errors.New("bad ISCC header")
)

// maxText bounds what Parse reads: the longest code ISO 24138 defines
// (an 8-byte header and a 256-bit body) is 64 base32 characters.
const maxText = 128

// Parse reads an ISCC written with or without its "ISCC:" prefix, in any
// case: unpadded RFC 4648 base32 of a header and a body whose length
// matches the header. It reads outside input, so it refuses anything else
// with an error rather than guessing.
func Parse(s string) (Code, error) {
	s = strings.TrimSpace(s)
	if len(s) >= len(Prefix) && strings.EqualFold(s[:len(Prefix)], Prefix) {
		s = s[len(Prefix):]
	}
	if len(s) < 4 || len(s) > maxText {
		return Code{}, fmt.Errorf("%w: want 4 to %d base32 characters, have %d", ErrSyntax, maxText, len(s))
	}
	s = strings.ToUpper(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return Code{}, fmt.Errorf("%w: %q at %d is not a base32 character (A-Z, 2-7)", ErrSyntax, c, i)
		}
	}
	raw, err := b32.DecodeString(s)
	// Unpadded base32 leaves some bits over at the end; a canonical code
	// has them zero, so decoding and encoding again gives the input back.
	if err != nil || b32.EncodeToString(raw) != s {
		return Code{}, fmt.Errorf("%w: not canonical unpadded base32", ErrSyntax)
	}
	return Decode(raw)
}

// Decode reads a code's bytes: the header, then exactly the body the
// header announces.
func Decode(raw []byte) (Code, error) {
	r := nibbleReader{b: raw}
	var f [4]uint16
	for i := range f {
		v, ok := r.varnibble()
		if !ok {
			return Code{}, fmt.Errorf("%w: truncated or malformed varnibble", ErrHeader)
		}
		f[i] = v
	}
	// A header of an odd number of nibbles is padded with a zero nibble.
	if r.pos%2 == 1 {
		if n, ok := r.nibble(); !ok || n != 0 {
			return Code{}, fmt.Errorf("%w: padding nibble is not zero", ErrHeader)
		}
	}
	if f[0] > uint16(MainFlake) {
		return Code{}, fmt.Errorf("%w: unknown main type %d", ErrHeader, f[0])
	}
	c := Code{Type: MainType(f[0])}
	if f[1] > uint16(maxSubType[c.Type]) {
		return Code{}, fmt.Errorf("%w: unknown subtype %d for %s", ErrHeader, f[1], c.Type)
	}
	if f[2] != 0 {
		return Code{}, fmt.Errorf("%w: unknown version %d", ErrHeader, f[2])
	}
	c.SubType, c.Version, c.Length = uint8(f[1]), uint8(f[2]), f[3]
	n, err := bodyBits(c.Type, c.Length)
	if err != nil {
		return Code{}, err
	}
	body := raw[r.pos/2:]
	if len(body)*8 != n {
		return Code{}, fmt.Errorf("%w: the header announces a %d-bit body, there are %d bits", ErrHeader, n, len(body)*8)
	}
	c.Body = append([]byte(nil), body...)
	return c, nil
}

// bodyBits is the length in bits of the body a header announces.
func bodyBits(t MainType, length uint16) (int, error) {
	switch t {
	case MainISCC:
		if length > 7 {
			return 0, fmt.Errorf("%w: unit set %d of an ISCC-CODE", ErrHeader, length)
		}
		return 64*bits.OnesCount16(length) + 128, nil
	case MainID:
		if length > 4 {
			return 0, fmt.Errorf("%w: length %d of an ISCC-ID", ErrHeader, length)
		}
		return 64 + 8*int(length), nil
	default:
		if length > 7 {
			return 0, fmt.Errorf("%w: length %d; at most 256 bits", ErrHeader, length)
		}
		return 32 * (int(length) + 1), nil
	}
}

// BodyBits is the length of the body in bits.
func (c Code) BodyBits() int { return len(c.Body) * 8 }

// Bytes is the code's binary form: header and body.
func (c Code) Bytes() []byte {
	var w nibbleWriter
	for _, v := range []uint16{uint16(c.Type), uint16(c.SubType), uint16(c.Version), c.Length} {
		w.varnibble(v)
	}
	return append(w.b, c.Body...)
}

// String writes the code in its canonical form: "ISCC:" and upper-case
// unpadded base32.
func (c Code) String() string { return Prefix + b32.EncodeToString(c.Bytes()) }

// TypeName names the kind of code as people read it: META, CONTENT-TEXT,
// DATA, INSTANCE, ISCC-IMAGE.
func (c Code) TypeName() string {
	switch c.Type {
	case MainContent, MainSemantic, MainISCC:
		if int(c.SubType) < len(contentSubNames) {
			return c.Type.String() + "-" + contentSubNames[c.SubType]
		}
	}
	return c.Type.String()
}

// unit makes a code of a standard main type whose body is the first bits
// of digest.
func unit(t MainType, sub uint8, nbits int, digest []byte) (Code, error) {
	if err := checkBits(nbits, len(digest)*8); err != nil {
		return Code{}, err
	}
	return Code{Type: t, SubType: sub, Length: uint16(nbits/32 - 1), Body: append([]byte(nil), digest[:nbits/8]...)}, nil
}

// checkBits accepts a unit length: a multiple of 32 from 32 to max.
func checkBits(nbits, max int) error {
	if nbits < 32 || nbits > max || nbits%32 != 0 {
		return fmt.Errorf("iscc: %d bits; want a multiple of 32 from 32 to %d", nbits, max)
	}
	return nil
}

// ErrMismatch is returned by Distance for codes of different kinds or
// lengths, whose bits do not correspond.
var ErrMismatch = errors.New("iscc: codes of different type, subtype, version or length")

// Distance is the Hamming distance between the bodies of two codes of
// the same main type, subtype, version and length: the number of bits in
// which they differ. For the similarity-preserving units a small distance
// means similar content.
func Distance(a, b Code) (int, error) {
	if a.Type != b.Type || a.SubType != b.SubType || a.Version != b.Version || a.Length != b.Length || len(a.Body) != len(b.Body) {
		return 0, fmt.Errorf("%w: %s and %s", ErrMismatch, a, b)
	}
	d := 0
	for i := range a.Body {
		d += bits.OnesCount8(a.Body[i] ^ b.Body[i])
	}
	return d, nil
}

// nibbleReader reads a byte string four bits at a time, high nibble first.
type nibbleReader struct {
	b   []byte
	pos int // in nibbles
}

func (r *nibbleReader) nibble() (uint16, bool) {
	if r.pos/2 >= len(r.b) {
		return 0, false
	}
	v := r.b[r.pos/2]
	if r.pos%2 == 0 {
		v >>= 4
	}
	r.pos++
	return uint16(v & 0xf), true
}

// varnibble reads one varnibble: 0xxx (0-7), 10xx xxxx (8-71),
// 110x xxxx xxxx (72-583) or 1110 xxxx xxxx xxxx (584-4679).
func (r *nibbleReader) varnibble() (uint16, bool) {
	first, ok := r.nibble()
	if !ok {
		return 0, false
	}
	var n int
	var prefix, base uint16
	switch {
	case first&0x8 == 0:
		return first, true
	case first&0x4 == 0:
		n, prefix, base = 2, 0x8, 8
	case first&0x2 == 0:
		n, prefix, base = 3, 0xc, 72
	case first&0x1 == 0:
		n, prefix, base = 4, 0xe, 584
	default:
		return 0, false
	}
	v := first
	for i := 1; i < n; i++ {
		x, ok := r.nibble()
		if !ok {
			return 0, false
		}
		v = v<<4 | x
	}
	return v - prefix<<(4*(n-1)) + base, true
}

// nibbleWriter writes varnibbles; its bytes end padded with a zero nibble
// when the count of nibbles is odd.
type nibbleWriter struct {
	b   []byte
	odd bool
}

func (w *nibbleWriter) nibble(v uint16) {
	if w.odd {
		w.b[len(w.b)-1] |= byte(v & 0xf)
	} else {
		w.b = append(w.b, byte(v&0xf)<<4)
	}
	w.odd = !w.odd
}

func (w *nibbleWriter) varnibble(v uint16) {
	switch {
	case v < 8:
		w.nibble(v)
	case v < 72:
		x := 0x80 | (v - 8)
		w.nibble(x >> 4)
		w.nibble(x)
	case v < 584:
		x := 0xc00 | (v - 72)
		w.nibble(x >> 8)
		w.nibble(x >> 4)
		w.nibble(x)
	default:
		x := 0xe000 | (v - 584)
		w.nibble(x >> 12)
		w.nibble(x >> 8)
		w.nibble(x >> 4)
		w.nibble(x)
	}
}
