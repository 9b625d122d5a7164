package iscc

import (
	"encoding/binary"
	"math/bits"
)

// The similarity hashes behind the units: SimHash (Meta-Code), MinHash
// (Text- and Data-Code) and the 32-bit xxHash their features are made of.

// simHash sums equally long digests bit by bit and sets each bit of the
// result that at least half of the digests set. Bits are read most
// significant first in each byte.
func simHash(digests [][]byte) []byte {
	n := len(digests[0])
	counts := make([]int, n*8)
	for _, d := range digests {
		for i := range counts {
			if d[i/8]>>(7-i%8)&1 == 1 {
				counts[i]++
			}
		}
	}
	out := make([]byte, n)
	for i, c := range counts {
		// "at least half": c >= len/2, in integers 2c >= len.
		if 2*c >= len(digests) {
			out[i/8] |= 1 << (7 - i%8)
		}
	}
	return out
}

// The MinHash permutations: 64 pairs (a, b) of the universal hash
// (a*f + b) mod (2^61 - 1), truncated to 32 bits. They are ISO 24138's
// constants, as iscc-core publishes them (testdata/NOTICE).
var minhashA = [64]uint64{
	853146490016488653, 1849332765672628665, 1131688930666554379, 1936485333668353377,
	890837126813020267, 1988249303247129861, 1408894512544874755, 2140251716176616185,
	1755124413189049421, 1355916793659431597, 546586563822844083, 497603761441203021,
	2000709902557454173, 1057597903350092207, 1576204252850880253, 2078784234495706739,
	1022616668454863635, 2150082342606334489, 712341150087765807, 1511757510246096559,
	1525853819909660573, 1263771796138990131, 1215963627200985263, 590069150281426443,
	130824646248385081, 962725325544728503, 1702561325943522847, 296074222435072629,
	490211158716051523, 1255327197241792767, 699458998727907367, 32930168991409845,
	1985097843455124585, 362027841570125531, 1903252144040897835, 900391845076405289,
	547470123601853551, 1689373724032359119, 845594231933442371, 400331968021206285,
	174967108345233429, 876513700861085019, 505848386844809885, 1920468508342256199,
	1292611725303815789, 963317239501343903, 1730880032297268007, 284614929850059717,
	1185026248283273081, 2167288823816985197, 1214905315086686483, 1555253098157439857,
	1048013650291539723, 1238618594841147605, 1213502582686547311, 286300733803129311,
	1250358511639043529, 407534797452854371, 960869149538623787, 1722699901467253087,
	1325704236119824319, 196979859428570839, 1669408735473259699, 781336617016068757,
}

var minhashB = [64]uint64{
	1089606993368836715, 726972438868274737, 66204585613901025, 1078410179646709132,
	1343470117098523467, 698653121981343911, 1248486536592473639, 1447963007834012793,
	1034598851883537815, 1474008409379745934, 793773480906057541, 980501101461882479,
	963941556313537655, 233651787311327325, 243905121737149907, 570269452476776142,
	297633284648631084, 1516796967247398557, 1494795672066692649, 1728741177365151059,
	1029197538967983408, 1660732464170610344, 1399769594446678069, 506465470557005705,
	1279720146829545181, 860096419955634036, 411519685280832908, 69539191273403207,
	1960489729088056217, 605092075716397684, 1017496016211653149, 1304834535101321372,
	949013511180032347, 1142776242221098779, 576980004709031232, 1071272177143100544,
	1494527341093835499, 1073290814142727850, 1285904200674942617, 1277176606329477335,
	343788427301735585, 2100915269685487331, 1227711252031557450, 18593166391963377,
	2101884148332688233, 191808277534686888, 2170124912729392024, 918430470748151293,
	1831024560113812361, 1951365515851067694, 744352348473654499, 1921518311887826722,
	2020165648600700886, 1764930142256726985, 1903893374912839788, 1449378957774802122,
	1435825328374066345, 833197549717762813, 2238991044337210799, 748955638857938366,
	1834583747494146901, 222012292803592982, 901238460725547841, 1501611130776083278,
}

const mersenne61 = 1<<61 - 1

// minHash256 is the 256-bit MinHash digest of features (at least one):
// the minimum of each of the 64 permutations, of which the four least
// significant bits are kept, bit 0 of all 64 first, then bit 1, and so on.
func minHash256(features []uint32) []byte {
	var mins [64]uint64
	for i := range mins {
		a, b := minhashA[i], minhashB[i]
		m := uint64(1<<64 - 1)
		for _, f := range features {
			// The product wraps at 64 bits, as the reference's mask does.
			if h := ((a*uint64(f) + b) % mersenne61) & 0xffffffff; h < m {
				m = h
			}
		}
		mins[i] = m
	}
	out := make([]byte, 32)
	k := 0
	for bit := 0; bit < 4; bit++ {
		for _, m := range mins {
			if m>>bit&1 == 1 {
				out[k/8] |= 1 << (7 - k%8)
			}
			k++
		}
	}
	return out
}

// xxh32 is the 32-bit xxHash of p with seed 0, the feature hash of the
// Text- and Data-Code. No maintained Go module of the project's set
// offers the 32-bit variant, so it is written here from the xxHash
// specification.
func xxh32(p []byte) uint32 {
	const (
		p1 uint32 = 2654435761
		p2 uint32 = 2246822519
		p3 uint32 = 3266489917
		p4 uint32 = 668265263
		p5 uint32 = 374761393
	)
	round := func(acc, in uint32) uint32 {
		return bits.RotateLeft32(acc+in*p2, 13) * p1
	}
	n := len(p)
	var h uint32
	if n >= 16 {
		// With seed 0; the sums wrap at 32 bits.
		v1, v2, v3, v4 := uint32(p1), p2, uint32(0), uint32(0)
		v1 += p2
		v4 -= p1
		for len(p) >= 16 {
			v1 = round(v1, binary.LittleEndian.Uint32(p[0:]))
			v2 = round(v2, binary.LittleEndian.Uint32(p[4:]))
			v3 = round(v3, binary.LittleEndian.Uint32(p[8:]))
			v4 = round(v4, binary.LittleEndian.Uint32(p[12:]))
			p = p[16:]
		}
		h = bits.RotateLeft32(v1, 1) + bits.RotateLeft32(v2, 7) + bits.RotateLeft32(v3, 12) + bits.RotateLeft32(v4, 18)
	} else {
		h = p5
	}
	h += uint32(n)
	for len(p) >= 4 {
		h = bits.RotateLeft32(h+binary.LittleEndian.Uint32(p)*p3, 17) * p4
		p = p[4:]
	}
	for _, c := range p {
		h = bits.RotateLeft32(h+uint32(c)*p5, 11) * p1
	}
	h ^= h >> 15
	h *= p2
	h ^= h >> 13
	h *= p3
	h ^= h >> 16
	return h
}

// runeWindows slides a window of width runes over s, one rune at a time;
// a string shorter than the window is one window of itself (the empty
// string included).
func runeWindows(s string, width int) []string {
	starts := make([]int, 0, len(s)+1)
	for i := range s {
		starts = append(starts, i)
	}
	if len(starts) <= width {
		return []string{s}
	}
	starts = append(starts, len(s))
	out := make([]string, 0, len(starts)-width)
	for i := 0; i+width < len(starts); i++ {
		out = append(out, s[starts[i]:starts[i+width]])
	}
	return out
}

// byteWindows is runeWindows over bytes.
func byteWindows(p []byte, width int) [][]byte {
	if len(p) <= width {
		return [][]byte{p}
	}
	out := make([][]byte, 0, len(p)-width+1)
	for i := 0; i+width <= len(p); i++ {
		out = append(out, p[i:i+width])
	}
	return out
}
