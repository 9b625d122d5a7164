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
