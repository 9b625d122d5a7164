package similarity

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stemma-registry/stemma/services/catalog/iscc"
)

// TestProbesFindEveryNeighbour checks the pigeonhole argument the index
// rests on: for every distance up to MaxDistance, a unit that many bits
// away (spread over the bands at random, or packed into one band) shares
// at least one key with the query's probes.
func TestProbesFindEveryNeighbour(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for d := 0; d <= MaxDistance; d++ {
		probes := map[int64]bool{}
		u := Unit{Kind: 2<<3 | 1, Bits: r.Uint64()}
		for _, k := range Probes(u, d) {
			probes[k] = true
		}
		for trial := range 2000 {
			var mask uint64
			for bits.OnesCount64(mask) < d {
				if trial%2 == 0 {
					mask |= 1 << r.IntN(64)
				} else { // as many bits as fit into the first bands
					mask |= 1 << (63 - bits.OnesCount64(mask))
				}
			}
			v := Unit{Kind: u.Kind, Bits: u.Bits ^ mask}
			found := false
			for _, k := range Keys(v) {
				found = found || probes[k]
			}
			if !found {
				t.Fatalf("distance %d: %016x not found from %016x", d, v.Bits, u.Bits)
			}
		}
	}
}

// TestProbeCounts pins the cost of a search: 4 keys up to distance 3, 68
// up to 7, 548 up to 11, none repeated.
func TestProbeCounts(t *testing.T) {
	u := Unit{Kind: 3 << 3, Bits: 0x0123456789abcdef}
	for d, want := range map[int]int{0: 4, 3: 4, 4: 68, 7: 68, 8: 548, MaxDistance: 548} {
		ps := Probes(u, d)
		if len(ps) != want {
			t.Errorf("distance %d: %d probes, want %d", d, len(ps), want)
		}
		slices.Sort(ps)
		if len(slices.Compact(ps)) != want {
			t.Errorf("distance %d: repeated probes", d)
		}
	}
}

// TestKindsDoNotMeet: a text unit and an image unit with the same bits have
// no key in common.
func TestKindsDoNotMeet(t *testing.T) {
	text, img := Unit{Kind: 2 << 3, Bits: 42}, Unit{Kind: 2<<3 | 1, Bits: 42}
	for _, a := range Keys(text) {
		if slices.Contains(Probes(img, MaxDistance), a) {
			t.Fatalf("key %x of a text unit probed for an image unit", a)
		}
	}
}

func TestUnits(t *testing.T) {
	pixels := make([]uint8, iscc.ImageSide*iscc.ImageSide)
	for i := range pixels {
		pixels[i] = uint8(i * 7)
	}
	img, err := iscc.ImageCode(pixels, 128)
	if err != nil {
		t.Fatal(err)
	}
	short, err := iscc.ImageCode(pixels, 64)
	if err != nil {
		t.Fatal(err)
	}
	long, err := Units(img)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Units(short)
	if err != nil {
		t.Fatal(err)
	}
	if len(long) != 1 || long[0] != want[0] || long[0].Kind.String() != "CONTENT-IMAGE" {
		t.Fatalf("128-bit unit %v, 64-bit unit %v: want the same 64 bits of kind CONTENT-IMAGE", long, want)
	}
	composite, err := Parse("ISCC:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, u := range composite {
		kinds = append(kinds, u.Kind.String())
	}
	if !slices.Equal(kinds, []string{"CONTENT-TEXT", "DATA"}) {
		t.Errorf("ISCC-CODE units %v; want CONTENT-TEXT and DATA", kinds)
	}
	tiny, err := iscc.ImageCode(pixels, 32)
	if err != nil {
		t.Fatal(err)
	}
	// A Meta-Code, an Instance-Code, a 32-bit image unit, not base32.
	for _, bad := range []string{"ISCC:AAAWN77F727NXSUS", "ISCC:IAAYHSZ2F7HYFG3B", tiny.String(), "ISCC:EAA1"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
