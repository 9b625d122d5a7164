package stress

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	catalogstore "github.com/stemma-registry/stemma/services/catalog/store"
	lineagestore "github.com/stemma-registry/stemma/services/lineage/store"
)

// Findings is what the checks after a run found.
type Findings struct {
	WorksAcked, WorksFound             int
	DerivationsAcked, DerivationsFound int
	// Duplicates counts stored works that repeat a write of the run (the
	// same title, which carries the request id), and request ids stored
	// twice.
	Duplicates int
	Retried    int // acknowledged writes that took more than one attempt
	Cycles     int
	// CacheChecked counts the answers read through the gateways and
	// compared with the store; CacheMismatches lists the ones that differ.
	CacheChecked    int
	CacheMismatches []string
	Lost            []string
	// Panics lists log lines of the suite that mention a panic.
	Panics []string
}

// maxCacheChecks bounds the works whose answers are compared with the
// store after a run.
const maxCacheChecks = 150

// Check compares the ledger with what the store holds, looks for cycles,
// compares answers through every gateway with the store, and reads every
// log for panics.
func Check(ctx context.Context, c *Cluster, d *Driver) (Findings, error) {
	var f Findings
	if err := c.CaughtUp(ctx); err != nil {
		return f, fmt.Errorf("checks: %w", err)
	}
	conn, err := pgx.Connect(ctx, c.Postgres.URL())
	if err != nil {
		return f, fmt.Errorf("checks: %w", err)
	}
	defer conn.Close(ctx)
	works := map[string]struct{ title, owner string }{}
	titles := map[string]int{}
	rows, err := conn.Query(ctx, "SELECT id, title, owner FROM "+catalogstore.Service+".works")
	if err != nil {
		return f, fmt.Errorf("checks: read works: %w", err)
	}
	for rows.Next() {
		var id, title, owner string
		if err := rows.Scan(&id, &title, &owner); err != nil {
			return f, err
		}
		works["works/"+id] = struct{ title, owner string }{title, owner}
		titles[title]++
	}
	if err := rows.Err(); err != nil {
		return f, err
	}
	type edge struct{ derivative, source string }
	derivations := map[string]edge{}
	rows, err = conn.Query(ctx, "SELECT id, derivative, source FROM "+lineagestore.Service+".derivations")
	if err != nil {
		return f, fmt.Errorf("checks: read derivations: %w", err)
	}
	for rows.Next() {
		var id, derivative, source string
		if err := rows.Scan(&id, &derivative, &source); err != nil {
			return f, err
		}
		derivations["derivations/"+id] = edge{"works/" + derivative, "works/" + source}
	}
	if err := rows.Err(); err != nil {
		return f, err
	}
	for _, table := range []string{catalogstore.Service + ".requests", lineagestore.Service + ".requests"} {
		var twice int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+table+
			" GROUP BY principal, request_id HAVING count(*) > 1) AS d").Scan(&twice); err != nil {
			return f, fmt.Errorf("checks: %s: %w", table, err)
		}
		f.Duplicates += twice
	}

	l := d.Ledger
	l.mu.Lock()
	ledgerWorks := slices.Clone(l.Works)
	ledgerDerivations := slices.Clone(l.Derivations)
	l.mu.Unlock()
	for _, w := range ledgerWorks {
		f.WorksAcked++
		got, ok := works[w.Name]
		switch {
		case !ok:
			f.Lost = append(f.Lost, fmt.Sprintf("%s (request %s) acknowledged but not stored", w.Name, w.RequestID))
		case got.title != w.Title || got.owner != w.Owner:
			f.Lost = append(f.Lost, fmt.Sprintf("%s stored as %q by %s, acknowledged as %q by %s", w.Name, got.title, got.owner, w.Title, w.Owner))
		default:
			f.WorksFound++
		}
		if n := titles[w.Title]; n > 1 {
			f.Duplicates += n - 1
		}
		if w.Attempts > 1 {
			f.Retried++
		}
	}
	for _, dv := range ledgerDerivations {
		f.DerivationsAcked++
		got, ok := derivations[dv.Name]
		if !ok || got.derivative != dv.Derivative || got.source != dv.Source {
			f.Lost = append(f.Lost, fmt.Sprintf("%s (%s from %s) acknowledged but stored as %v", dv.Name, dv.Derivative, dv.Source, got))
			continue
		}
		f.DerivationsFound++
		if dv.Attempts > 1 {
			f.Retried++
		}
	}

	sources := map[string][]string{}
	for _, e := range derivations {
		sources[e.derivative] = append(sources[e.derivative], e.source)
	}
	f.Cycles = countCycles(sources)
	f.CacheChecked, f.CacheMismatches = compareAnswers(ctx, d, ledgerWorks, works, sources)
	for _, p := range c.Processes() {
		for _, line := range strings.Split(p.Log(), "\n") {
			if strings.Contains(line, "panic") {
				f.Panics = append(f.Panics, p.Name()+": "+line)
			}
		}
	}
	return f, nil
}

// countCycles returns the number of works that sit on a cycle of the graph
// (Kahn's algorithm: what cannot be peeled off in topological order is on,
// or downstream of, a cycle; zero means acyclic).
func countCycles(sources map[string][]string) int {
	indegree := map[string]int{}
	for d, ss := range sources {
		if _, ok := indegree[d]; !ok {
			indegree[d] = 0
		}
		for _, s := range ss {
			indegree[s]++
		}
	}
	var queue []string
	for w, n := range indegree {
		if n == 0 {
			queue = append(queue, w)
		}
	}
	seen := 0
	for len(queue) > 0 {
		w := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		seen++
		for _, s := range sources[w] {
			if indegree[s]--; indegree[s] == 0 {
				queue = append(queue, s)
			}
		}
	}
	return len(indegree) - seen
}

// compareAnswers reads works and their ancestors through every gateway and
// compares them with the store: the works' titles and owners, and the set
// of ancestors with the closure of the stored edges. The cached answers
// (works by version, closures by graph epoch) must be what the store says.
func compareAnswers(ctx context.Context, d *Driver, ledger []LedgerWork, stored map[string]struct{ title, owner string }, sources map[string][]string) (int, []string) {
	var checked int
	var bad []string
	step := max(1, len(ledger)/maxCacheChecks)
	for i := 0; i < len(ledger); i += step {
		w := ledger[i]
		want := closure(sources, w.Name)
		for _, v := range d.Vias {
			if v.conns != nil {
				continue
			}
			a := v.call(ctx, d.routes["GetWork"], Call{Params: map[string]string{"name": w.Name}}, "")
			checked++
			var got struct{ Title, Owner string }
			if a.Outcome != OK || json.Unmarshal(a.Body, &got) != nil || got.Title != stored[w.Name].title || got.Owner != stored[w.Name].owner {
				bad = append(bad, fmt.Sprintf("%s via %s: %v %s %s, store has %v", w.Name, v.Name, a.Outcome, a.Detail, short(a.Body), stored[w.Name]))
			}
			ancestors, err := listAncestors(ctx, d, v, w.Name)
			checked++
			if err != nil {
				bad = append(bad, fmt.Sprintf("ancestors of %s via %s: %v", w.Name, v.Name, err))
			} else if !slices.Equal(ancestors, want) {
				bad = append(bad, fmt.Sprintf("ancestors of %s via %s: %d, store has %d", w.Name, v.Name, len(ancestors), len(want)))
			}
		}
	}
	return checked, bad
}

// closure returns every ancestor of w in the stored edges, sorted.
func closure(sources map[string][]string, w string) []string {
	seen := map[string]bool{}
	stack := []string{w}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, s := range sources[x] {
			if !seen[s] {
				seen[s] = true
				stack = append(stack, s)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// listAncestors reads every page of a work's ancestors through v.
func listAncestors(ctx context.Context, d *Driver, v *Via, work string) ([]string, error) {
	var out []string
	token := ""
	for {
		q := url.Values{"pageSize": {"1000"}, "maxDepth": {"100"}}
		if token != "" {
			q.Set("pageToken", token)
		}
		a := v.call(ctx, d.routes["ListAncestors"], Call{Params: map[string]string{"work": work}, Query: q}, "")
		if a.Outcome != OK {
			return nil, fmt.Errorf("%v: %s", a.Outcome, a.Detail)
		}
		var page struct {
			Ancestors []struct {
				Work string `json:"work"`
			} `json:"ancestors"`
			NextPageToken string `json:"nextPageToken"`
		}
		if err := json.Unmarshal(a.Body, &page); err != nil {
			return nil, err
		}
		for _, a := range page.Ancestors {
			out = append(out, a.Work)
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	slices.Sort(out)
	return out, nil
}

// Stats summarises the samples in a span of the run.
type Stats struct {
	Requests, Failed int
	// ByOutcome counts the failed requests by outcome.
	ByOutcome map[Outcome]int
	P50, P99  time.Duration
}

// Rate returns the share of failed requests, in percent.
func (s Stats) Rate() float64 {
	if s.Requests == 0 {
		return 0
	}
	return 100 * float64(s.Failed) / float64(s.Requests)
}

// Summarise returns the stats of the samples keep selects.
func Summarise(samples []Sample, keep func(Sample) bool) Stats {
	s := Stats{ByOutcome: map[Outcome]int{}}
	var lat []time.Duration
	for _, x := range samples {
		if !keep(x) {
			continue
		}
		s.Requests++
		if x.Outcome != OK {
			s.Failed++
			s.ByOutcome[x.Outcome]++
			continue
		}
		lat = append(lat, x.End-x.Start)
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		s.P50, s.P99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return s
}

// recoveryGrace is how long after PostgreSQL is back its 503s are still
// expected: the recovery target.
const recoveryGrace = 5 * time.Second

// Recovery returns how long after the fault's part was back requests
// still failed: the end of the last failed request that ended before the
// next fault, less the time the part was back (zero when failures stopped
// by then). Lost races are contention, not the fault's: they do not count.
func Recovery(samples []Sample, w Window, next time.Duration) time.Duration {
	var last time.Duration
	for _, x := range samples {
		if x.Outcome != OK && x.Outcome != LostRace && x.Start >= w.Start && x.End < next && x.End > last {
			last = x.End
		}
	}
	return max(0, last-w.Back)
}

// killNotice is how long after a SIGKILL a client may still send a call
// down the dead process's connection, before the reset tells it the
// connection is gone: such a call fails as one in flight at the kill does
// (a stress run met one, an UpdateWork sent 6 ms after catalog-1 died).
const killNotice = 250 * time.Millisecond

// Unexpected returns the failed requests no fault explains: any 5xx other
// than 503 UNAVAILABLE while PostgreSQL was down (or in its recovery
// grace) or in flight when a serving process was SIGKILLed (or sent
// within killNotice after), any other
// request the suite did not answer, and any refusal of the load's
// well-formed requests but a lost race (which says to retry).
func Unexpected(samples []Sample, ws []Window) []Sample {
	var out []Sample
	for _, x := range samples {
		if x.Outcome == OK || x.Outcome == LostRace {
			continue
		}
		explained := false
		for _, w := range ws {
			if w.Allows503 && x.Outcome == Unavailable && x.End >= w.Start && x.Start <= w.Back+recoveryGrace {
				explained = true
			}
			for _, k := range w.Kills {
				if x.Outcome == Unavailable && x.Start <= k+killNotice && x.End >= k {
					explained = true
				}
			}
		}
		if !explained {
			out = append(out, x)
		}
	}
	return out
}
