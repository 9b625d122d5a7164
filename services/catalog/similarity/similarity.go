// Package similarity holds what makes near-duplicate works findable by
// their ISCC codes without a scan: the 64-bit units of a code that are
// compared (Content- and Data-Codes), and the multi-index hashing of those
// units (Norouzi, Punjani and Fleet, "Fast Search in Hamming Space with
// Multi-Index Hashing", CVPR 2012). A unit's 64 bits are cut into Bands
// bands of 16 bits and each band is indexed under its own key. Two units
// within distance d differ by at most d bits, spread over the bands, so
// (pigeonhole) at least one band differs by at most d/Bands bits: probing
// every key within that radius of each of the query's bands finds every
// unit within d, and a popcount of the whole unit then drops the
// candidates that are further. docs/iscc.md has the figures.
package similarity

import (
	"fmt"
	"math/bits"

	"github.com/stemma-registry/stemma/services/catalog/iscc"
)

// The bands: 4 of 16 bits. With a million random units a band value is
// shared by about 15 others, so an exact probe reads few candidates.
const (
	Bands    = 4
	BandBits = 64 / Bands
)

// MaxDistance is the largest distance a search may ask for: up to 11 bits
// the probes stay within 2 bits of each band (4 × 137 keys); at 12 they
// would be 4 × 697.
const MaxDistance = 3*Bands - 1

// DefaultDistance is the distance a search uses when none is asked for:
// 7 bits of 64, the largest whose probes stay within 1 bit of a band.
// Random units are 32 bits apart on average and closer than 8 with a
// probability of about 4·10⁻¹¹.
const DefaultDistance = 2*Bands - 1

// Kind is what a unit hashes, the main type and subtype of its header
// (Content-Code Image, Data-Code): only units of one kind are compared.
type Kind int16

func kindOf(c iscc.Code) Kind { return Kind(c.Type)<<3 | Kind(c.SubType) }

// String names the kind as iscc does: CONTENT-IMAGE, DATA.
func (k Kind) String() string {
	return iscc.Code{Type: iscc.MainType(k >> 3), SubType: uint8(k & 7)}.TypeName()
}

// Unit is one compared unit: its kind and its first 64 bits. ISCC units
// are prefixes of one digest, so the first 64 bits of a 128-bit unit are
// the 64-bit unit of the same content.
type Unit struct {
	Kind Kind
	Bits uint64
}

// Units returns the compared units of a code: the Content-, Semantic- and
// Data-Code units of an ISCC-CODE, or the code itself if it is such a
// unit. It refuses a code with none, and units shorter than 64 bits,
// whose bits a 64-bit unit's do not correspond to.
func Units(c iscc.Code) ([]Unit, error) {
	var out []Unit
	for _, u := range iscc.Units(c) {
		switch u.Type {
		case iscc.MainContent, iscc.MainSemantic, iscc.MainData:
		default:
			continue
		}
		if u.BodyBits() < 64 {
			return nil, fmt.Errorf("a %d-bit %s unit; similarity compares units of 64 bits or more", u.BodyBits(), u.TypeName())
		}
		var b uint64
		for _, x := range u.Body[:8] {
			b = b<<8 | uint64(x)
		}
		out = append(out, Unit{kindOf(u), b})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s is a %s code, with no Content- or Data-Code unit to compare; give an ISCC-CODE (stemma fingerprint)", c, c.TypeName())
	}
	return out, nil
}

// Parse reads a code as iscc.Parse does and returns its compared units.
func Parse(s string) ([]Unit, error) {
	c, err := iscc.Parse(s)
	if err != nil {
		return nil, err
	}
	return Units(c)
}

// Distance is the Hamming distance between two units' bits.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// band returns the value of band i of the bits.
func band(b uint64, i int) uint64 { return b >> (BandBits * (Bands - 1 - i)) & (1<<BandBits - 1) }

// key is what band i with value v of a unit of kind k is indexed under:
// kind, band and value in one integer, so that one index column serves
// every probe.
func key(k Kind, i int, v uint64) int64 {
	return int64(k)<<(BandBits+8) | int64(i)<<BandBits | int64(v)
}

// Keys returns the keys a unit is indexed under, one per band.
func Keys(u Unit) [Bands]int64 {
	var out [Bands]int64
	for i := range out {
		out[i] = key(u.Kind, i, band(u.Bits, i))
	}
	return out
}

// Probes returns the keys to look up to find every unit of u's kind within
// maxDistance of u (0 to MaxDistance): for each band, every value within
// maxDistance/Bands bits of u's.
func Probes(u Unit, maxDistance int) []int64 {
	radius := maxDistance / Bands
	var out []int64
	for i := range Bands {
		v := band(u.Bits, i)
		out = append(out, key(u.Kind, i, v))
		flips(BandBits, radius, func(mask uint64) { out = append(out, key(u.Kind, i, v^mask)) })
	}
	return out
}

// flips calls fn with every non-zero mask of up to radius of the low n
// bits set, each once.
func flips(n, radius int, fn func(uint64)) {
	var rec func(mask uint64, from, left int)
	rec = func(mask uint64, from, left int) {
		for b := from; b < n && left > 0; b++ {
			m := mask | 1<<b
			fn(m)
			rec(m, b+1, left-1)
		}
	}
	rec(0, 0, radius)
}
