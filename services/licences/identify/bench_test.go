package identify

import "testing"

// BenchmarkName resolves the real-world table, one string per op, against
// normalising the same strings alone: the lookup itself should add little.
func BenchmarkName(b *testing.B) {
	idx()
	b.Run("resolve", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			Name(realWorld[i%len(realWorld)].in)
		}
	})
	b.Run("normalise-only", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			normName(realWorld[i%len(realWorld)].in)
		}
	})
}

// BenchmarkText identifies one MIT and one GPL-3.0 LICENSE file (noisy, so
// not byte-equal to the SPDX text); the index is built before timing.
func BenchmarkText(b *testing.B) {
	ts := loadTexts(b)
	texts()
	for _, c := range []struct{ name, in string }{{"MIT", mitFile}, {"GPL-3.0", noisy(ts["GPL-3.0-only"], 0)}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				Text(c.in)
			}
		})
	}
}

// BenchmarkTextIndex is the one-off cost of the first Text call.
func BenchmarkTextIndex(b *testing.B) {
	var f struct {
		Texts map[string]string `json:"texts"`
	}
	for b.Loop() {
		if err := readTexts(&f); err != nil {
			b.Fatal(err)
		}
		buildTexts(f.Texts, headers)
	}
}
