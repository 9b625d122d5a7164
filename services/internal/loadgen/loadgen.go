// Package loadgen drives a fixed number of concurrent callers against a
// function for a fixed time and reports throughput and latency, so that
// load benchmarks compare a call with a baseline measured the same way, in
// the same run.
package loadgen

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Stats is what one run measured.
type Stats struct {
	Requests  int
	Errors    int
	Elapsed   time.Duration
	PerSecond float64
	P50, P99  time.Duration
	// FirstError is the first error seen, for diagnosis.
	FirstError error
}

// Run calls fn from workers goroutines, each calling again as soon as the
// previous call returns, until d has passed or ctx is done. Calls run to
// completion under ctx itself (not a deadline of d), so that the end of the
// run never turns a call into a spurious error; the elapsed time covers
// them.
func Run(ctx context.Context, workers int, d time.Duration, fn func(context.Context) error) Stats {
	stop := time.Now().Add(d)
	lat := make([][]time.Duration, workers)
	errs := make([]int, workers)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(stop) {
				t0 := time.Now()
				err := fn(ctx)
				if ctx.Err() != nil {
					return // the caller gave up: not a sample
				}
				if err != nil {
					errs[w]++
					once.Do(func() { firstErr = err })
					continue
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	s := Stats{Elapsed: time.Since(start), FirstError: firstErr}
	var all []time.Duration
	for w := range lat {
		all = append(all, lat[w]...)
		s.Errors += errs[w]
	}
	slices.Sort(all)
	s.Requests = len(all) + s.Errors
	if s.Elapsed > 0 {
		s.PerSecond = float64(len(all)) / s.Elapsed.Seconds()
	}
	if len(all) > 0 {
		s.P50 = all[len(all)/2]
		s.P99 = all[len(all)*99/100]
	}
	return s
}

// Median returns the median of xs (the lower middle for an even count).
func Median[T int | float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		var zero T
		return zero
	}
	c := slices.Clone(xs)
	slices.Sort(c)
	return c[(len(c)-1)/2]
}
