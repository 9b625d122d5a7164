package cachedstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/catalog/cachedstore"
	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// BenchmarkGet compares reading a work by id from the store with reading
// it through the versioned cache (a version read, then the cache), with
// the cache in process and in Redis, on both engines. Each iteration reads
// one work each way in turn, so that the three see the same machine, and
// the benchmark reports each way's time and its ratio to the plain read.
// The works are typical of a rich record: a 1 kB description, three
// creators, three identifiers, two digests. Every read is of a work the
// cache holds.
func BenchmarkGet(b *testing.B) {
	for _, be := range storagetest.Backends(store.Service, store.Migrations()) {
		b.Run(string(be.Engine), func(b *testing.B) {
			inner := store.New(be.Open(b))
			ids := seed(b, inner, 500)
			ways := []struct {
				name string
				s    store.Store
				took time.Duration
			}{
				{name: "plain", s: inner},
				{name: "local", s: cachedstore.New(inner, local(b))},
				{name: "redis", s: cachedstore.New(inner, redisCache(b, testenv.RedisURL(b)))},
			}
			for _, w := range ways { // warm the caches
				for _, id := range ids {
					if _, err := w.s.Get(ctx, id); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				id := ids[i%len(ids)]
				for j := range ways {
					start := time.Now()
					if _, err := ways[j].s.Get(ctx, id); err != nil {
						b.Fatal(err)
					}
					ways[j].took += time.Since(start)
				}
			}
			for _, w := range ways {
				b.ReportMetric(float64(w.took.Nanoseconds())/float64(b.N), w.name+"-ns/get")
			}
			for _, w := range ways[1:] {
				b.ReportMetric(float64(w.took)/float64(ways[0].took), w.name+"/plain")
			}
		})
	}
}

func seed(b *testing.B, s store.Store, n int) []string {
	nws := make([]store.NewWork, n)
	for i := range nws {
		nws[i] = store.NewWork{Work: &work.Work{
			Kind:        work.Dataset,
			Title:       fmt.Sprintf("Survey of commons, wave %d", i),
			Description: strings.Repeat("A long description of the data set and how it was gathered. ", 17),
			Creators: []work.Creator{
				{Name: "Ada Lovelace", Role: "author", URI: "https://orcid.org/0000-0002-1825-0097"},
				{Name: "Grace Hopper", Role: "editor"},
				{Name: "Open Data Institute", Role: "publisher"},
			},
			SourceURIs: []string{fmt.Sprintf("https://data.example.org/waves/%d", i)},
			Identifiers: []work.Identifier{
				{Type: work.DOI, Value: fmt.Sprintf("10.5281/zenodo.%d", 1000+i)},
				{Type: work.URL, Value: fmt.Sprintf("https://data.example.org/waves/%d", i)},
				{Type: work.ISCC, Value: "ISCC:AAAZXZ6OU74YAZIM"},
			},
			Digests: []string{fmt.Sprintf("sha256:%064x", i), fmt.Sprintf("md5:%032x", i)},
			Version: "2.1",
			Licence: work.Licence{Expression: "CC-BY-4.0 AND ODbL-1.0", IDs: []string{"CC-BY-4.0", "ODbL-1.0"}, Status: work.LicenceKnown},
		}}
	}
	made, err := s.Create(ctx, "alice", nws)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n)
	for i, w := range made {
		ids[i] = w.ID
	}
	return ids
}
