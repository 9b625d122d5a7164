package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/catalog/iscc"
	"github.com/stemma-registry/stemma/services/catalog/similarity"
	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/store/storetest"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/loadgen"
	"github.com/stemma-registry/stemma/services/internal/storage"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
)

// similarCorpus is a registry of works with image codes: random 64-bit
// units, and one work in 50 a near-duplicate (2 to 11 bits away) of an
// earlier one, so that searches have answers at every distance. units[i]
// is the unit of work "w<i>".
type similarCorpus struct {
	s     store.Store
	units []uint64
}

func loadSimilarCorpus(tb testing.TB, s store.Store, n int) *similarCorpus {
	r := rand.New(rand.NewPCG(18, 4))
	c := &similarCorpus{s: s, units: make([]uint64, n)}
	ctx := context.Background()
	batch := make([]store.NewWork, 0, bulkBatchSize)
	for i := range n {
		u := r.Uint64()
		if i%50 == 49 {
			u = flipBits(r, c.units[r.IntN(i)], 2+r.IntN(10))
		}
		c.units[i] = u
		w := &work.Work{
			ID: "w" + strconv.Itoa(i), Kind: work.Image, Title: fmt.Sprintf("picture %d", i),
			Digests:   []string{fmt.Sprintf("sha256:%064x", i)},
			ISCCCodes: []string{storetest.ISCCUnit(iscc.MainContent, iscc.SubImage, u).String()},
			Licence:   work.Licence{Expression: "CC-BY-4.0", IDs: []string{"CC-BY-4.0"}, Status: work.LicenceKnown},
		}
		if batch = append(batch, store.NewWork{Work: w}); len(batch) == cap(batch) || i == n-1 {
			if _, err := s.Create(ctx, "bench", batch); err != nil {
				tb.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	return c
}

// flipBits returns u with k distinct random bits inverted.
func flipBits(r *rand.Rand, u uint64, k int) uint64 {
	for _, b := range r.Perm(64)[:k] {
		u ^= 1 << b
	}
	return u
}

// similarFigures are what one run at one distance measured.
type similarFigures struct {
	distance                int
	similarP50, digestP50   time.Duration
	similarP99              time.Duration
	found, expected, checks int
}

// measure runs queries searches at distance d, each next to an exact
// digest lookup of a random work, and checks every answer against a
// brute-force scan of the units. Half the queries are a work's unit with
// up to d bits flipped, half random units.
func (c *similarCorpus) measure(tb testing.TB, d, queries int) similarFigures {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(uint64(d), 7))
	f := similarFigures{distance: d}
	var sims, digests []time.Duration
	for q := range queries {
		u := r.Uint64()
		if q%2 == 0 {
			u = flipBits(r, c.units[r.IntN(len(c.units))], r.IntN(d+1))
		}
		t0 := time.Now()
		ms, _, err := c.s.Similar(ctx, store.SimilarQuery{Units: []similarity.Unit{{Kind: 2<<3 | 1, Bits: u}}, MaxDistance: d}, store.Page{Size: 1000})
		sims = append(sims, time.Since(t0))
		if err != nil {
			tb.Fatal(err)
		}
		t0 = time.Now()
		ws, _, err := c.s.Lookup(ctx, store.DigestKey(fmt.Sprintf("sha256:%064x", r.IntN(len(c.units)))), store.Page{Size: 10})
		digests = append(digests, time.Since(t0))
		if err != nil || len(ws) != 1 {
			tb.Fatalf("digest lookup: %d works, %v", len(ws), err)
		}
		var want, got []string
		for i, v := range c.units {
			if similarity.Distance(u, v) <= d {
				want = append(want, "w"+strconv.Itoa(i))
			}
		}
		for _, m := range ms {
			if similarity.Distance(u, c.units[mustIndex(tb, m.Work.ID)]) != m.Distance {
				tb.Fatalf("%s at distance %d; its unit is %d away", m.Work.ID, m.Distance, similarity.Distance(u, c.units[mustIndex(tb, m.Work.ID)]))
			}
			if slices.Contains(want, m.Work.ID) {
				got = append(got, m.Work.ID)
			} else {
				tb.Fatalf("%s found at distance %d, further than %d", m.Work.ID, m.Distance, d)
			}
		}
		f.found, f.expected, f.checks = f.found+len(got), f.expected+len(want), f.checks+1
	}
	slices.Sort(sims)
	f.similarP50, f.similarP99, f.digestP50 = loadgen.Median(sims), sims[len(sims)*99/100], loadgen.Median(digests)
	return f
}

func mustIndex(tb testing.TB, id string) int {
	i, err := strconv.Atoi(id[1:])
	if err != nil {
		tb.Fatal(err)
	}
	return i
}

func (f similarFigures) recall() float64 {
	if f.expected == 0 {
		return 1
	}
	return float64(f.found) / float64(f.expected)
}

func (f similarFigures) String() string {
	return fmt.Sprintf("distance %2d: similar p50 %v (p99 %v), digest p50 %v, ratio %.2f; recall %d/%d = %.4f over %d queries",
		f.distance, f.similarP50, f.similarP99, f.digestP50, float64(f.similarP50)/float64(f.digestP50), f.found, f.expected, f.recall(), f.checks)
}

// similarWorks is the registry size of TestSimilarScale:
// STEMMA_SIMILAR_WORKS (make bench sets 1,000,000), 5,000 by default so
// that make test stays quick.
func similarWorks(tb testing.TB) int {
	v := os.Getenv("STEMMA_SIMILAR_WORKS")
	if v == "" {
		return 5_000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1000 {
		tb.Fatalf("STEMMA_SIMILAR_WORKS=%q: want a number of works, at least 1000", v)
	}
	return n
}

// TestSimilarScale loads a registry of works with image codes into each
// engine STEMMA_SIMILAR_ENGINES names ("sqlite" by default; make bench
// adds "postgres") and
// measures, at distances 3, 7 (the default) and 11, the p50 of a
// similarity search against an exact digest lookup in the same run, and
// the search's recall against a brute-force scan, which must be 1: the
// index is exact, not approximate. docs/performance.md has the figures.
func TestSimilarScale(t *testing.T) {
	n := similarWorks(t)
	engines := os.Getenv("STEMMA_SIMILAR_ENGINES")
	if engines == "" {
		engines = "sqlite"
	}
	for _, b := range storagetest.Backends(store.Service, store.Migrations()) {
		if !slices.Contains(strings.Split(engines, ","), string(b.Engine)) {
			continue
		}
		t.Run(string(b.Engine), func(t *testing.T) {
			db := b.Open(t)
			t0 := time.Now()
			c := loadSimilarCorpus(t, store.New(db), n)
			t.Logf("%s: loaded %d works with codes in %v", b.Engine, n, time.Since(t0).Round(time.Second))
			// On PostgreSQL, VACUUM sets the visibility map that lets the
			// probes scan the index alone, as autovacuum would by itself.
			analyze := "ANALYZE"
			if b.Engine == storage.Postgres {
				analyze = "VACUUM (ANALYZE)"
			}
			if _, err := db.Writer().ExecContext(context.Background(), analyze); err != nil {
				t.Fatal(err)
			}
			for _, d := range []int{3, similarity.DefaultDistance, similarity.MaxDistance} {
				f := c.measure(t, d, 400)
				t.Logf("%s, %d works, %s", b.Engine, n, f)
				if f.recall() < 0.99 {
					t.Errorf("recall %.4f at distance %d; want at least 0.99", f.recall(), d)
				}
			}
		})
	}
}

// BenchmarkSimilarSQLite reports, on a SQLite registry of
// STEMMA_SIMILAR_WORKS works, the p50 of a search at the default distance
// and its ratio to a digest lookup's, and the recall; TestSimilarScale
// measures every distance and engine.
func BenchmarkSimilarSQLite(b *testing.B) {
	c := loadSimilarCorpus(b, store.New(storagetest.OpenSQLite(b, store.Service, store.Migrations())), similarWorks(b))
	b.ResetTimer()
	var f similarFigures
	for range b.N {
		f = c.measure(b, similarity.DefaultDistance, 200)
	}
	b.ReportMetric(float64(f.similarP50.Microseconds()), "similar-p50-µs")
	b.ReportMetric(float64(f.similarP50)/float64(f.digestP50), "similar/digest")
	b.ReportMetric(f.recall(), "recall")
}
