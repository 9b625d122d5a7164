package stress

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// Run is everything one run of the harness measured and found.
type Run struct {
	Command  string
	Workers  int
	Budget   int64
	Plan     Plan
	Elapsed  time.Duration
	Samples  []Sample
	Windows  []Window
	Race     RaceResult
	Findings Findings
	Events   EventFindings
	// Probes and ProbeFailures are the ledger's read-your-writes probes.
	Probes        int
	ProbeFailures []string
	// Reads is how the services routed their reads over the whole run.
	Reads ReadRouting
}

// Targets are the targets, each with what the run measured and
// whether it met it.
func (r *Run) Targets() []Target {
	var redisFailed int
	var pgRecovery time.Duration
	for i, w := range r.Windows {
		if strings.HasPrefix(w.Name, "Redis") {
			st := Summarise(r.Samples, in(w))
			redisFailed += st.Failed - st.ByOutcome[LostRace]
		}
		if w.Allows503 {
			pgRecovery = Recovery(r.Samples, w, r.next(i))
		}
	}
	f := r.Findings
	lost := f.WorksAcked + f.DerivationsAcked - f.WorksFound - f.DerivationsFound
	unexpected := len(Unexpected(r.Samples, r.Windows))
	return []Target{
		{"failed requests while a Redis master fails over or every node is down (lost races aside)", "0", fmt.Sprint(redisFailed), redisFailed == 0},
		{"recovery after PostgreSQL comes back", "≤ 5 s", seconds(pgRecovery), pgRecovery <= recoveryGrace},
		{"acknowledged writes lost", "0", fmt.Sprint(lost), lost == 0 && len(f.Lost) == 0},
		{"duplicates", "0", fmt.Sprint(f.Duplicates), f.Duplicates == 0},
		{"cycles", "0", fmt.Sprint(f.Cycles), f.Cycles == 0},
		{fmt.Sprintf("5xx other than 503 while PostgreSQL was down or in flight at a SIGKILL (or sent within %s after it), unanswered requests, refusals other than lost races", killNotice), "0", fmt.Sprint(unexpected), unexpected == 0},
		{"cache answers that differ from the store", "0", fmt.Sprint(len(f.CacheMismatches) + len(r.ProbeFailures)), len(f.CacheMismatches)+len(r.ProbeFailures) == 0},
		{"reads served by the read replica", "> 0", fmt.Sprintf("%.0f", r.Reads.Replica), r.Reads.Replica > 0},
		{"panics in the logs", "0", fmt.Sprint(len(f.Panics)), len(f.Panics) == 0},
		{"cycle race: answers other than accepted, cycle or duplicate", "0", fmt.Sprint(len(r.Race.Others)), len(r.Race.Others) == 0},
		{"licence changes and derivations of the followed scope lost by a subscriber (webhook or watch stream)", "0", fmt.Sprint(r.Events.Lost()), r.Events.Lost() == 0},
		{"acknowledged licence changes and derivations without their event in the log", "0", fmt.Sprint(len(r.Events.Unlogged)), len(r.Events.Unlogged) == 0},
		{"duplicates other than by id: a change under two ids, an id the log lacks, a badly signed webhook", "0", fmt.Sprint(r.Events.strangers()), r.Events.strangers() == 0},
	}
}

// Target is one of the targets.
type Target struct {
	What, Want, Got string
	Met             bool
}

func (r *Run) next(i int) time.Duration {
	if i+1 < len(r.Windows) {
		return r.Windows[i+1].Start
	}
	return r.Elapsed
}

func in(w Window) func(Sample) bool {
	return func(s Sample) bool { return s.Start >= w.Start && s.Start < w.Back }
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// Markdown returns the run's figures as docs/reliability.md has them.
func (r *Run) Markdown() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p("# Reliability under stress")
	p("")
	p("Written by the stress harness (`services/internal/stress`), not by hand. Command:")
	p("")
	p("```sh\n%s\n```", r.Command)
	p("")
	p("Run on %s with %d CPUs, Go %s, for %s. The suite ran as separate processes, as an operator runs it: one licences",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.Version(), seconds(r.Elapsed))
	p("process, two catalog and two lineage replicas (found through address lists: gRPC round robin, reads retried by the")
	p("retry policy, writes retried only with their request_id), two gateways, a PostgreSQL with a streaming read replica")
	p("(the services' --database-read-url, replica lag bound %s) and a Redis Cluster (three masters, three replicas,", seconds(MaxReplicaLag))
	p("cluster-node-timeout %s) of the harness's own.", seconds(testenv.NodeTimeout))
	p("The load came from %d workers (request budget %d) through both gateways over REST and straight to the replicas over", r.Workers, r.Budget)
	p("gRPC: reads of works, ancestors and audits, compatibility checks, creates of works and derivations, each create")
	p("with a request_id and retried until acknowledged, and licence changes (see Events). Every acknowledged write went into a ledger, then was read back")
	p("through another way in (read-your-writes), carrying the write's consistency token as a client does.")
	p("")
	p("## Targets")
	p("")
	p("| target | want | measured | met |")
	p("|---|---|---|---|")
	for _, t := range r.Targets() {
		p("| %s | %s | %s | %s |", t.What, t.Want, t.Got, yes(t.Met))
	}
	p("")
	p("## Load")
	p("")
	all := Summarise(r.Samples, func(Sample) bool { return true })
	p("%d requests sent, %d failed (%.2f%%); latency of the successful ones p50 %s, p99 %s. Of the failures, %d were",
		all.Requests, all.Failed, all.Rate(), ms(all.P50), ms(all.P99), all.ByOutcome[LostRace])
	p("writes that lost every retry to concurrent transactions (409 ABORTED, CONCURRENT_UPDATE: nothing written, sent again")
	p("by the driver); the lineage service's edge writes all update one row, the graph epoch, and so contend.")
	p("")
	p("| request | sent | failed | p50 | p99 |")
	p("|---|---|---|---|---|")
	for op := range numOps {
		s := Summarise(r.Samples, func(x Sample) bool { return x.Op == op })
		p("| %s | %d | %d | %s | %s |", op, s.Requests, s.Failed, ms(s.P50), ms(s.P99))
	}
	vias := map[string]bool{}
	for _, x := range r.Samples {
		vias[x.Via] = true
	}
	names := make([]string, 0, len(vias))
	for v := range vias {
		names = append(names, v)
	}
	sort.Strings(names)
	for _, v := range names {
		s := Summarise(r.Samples, func(x Sample) bool { return x.Via == v })
		p("| through %s | %d | %d | %s | %s |", v, s.Requests, s.Failed, ms(s.P50), ms(s.P99))
	}
	p("")
	p("## Faults")
	p("")
	p("Each fault was injected while the load ran, one after another with %s between them. A window runs from the", seconds(r.Plan.Gap))
	p("fault to its part being back (restarted and healthy); time to recover is how long after that requests still failed.")
	p("")
	p("| fault | window | sent | failed | error rate | failures by kind | p99 | time to recover |")
	p("|---|---|---|---|---|---|---|---|")
	outside := func(x Sample) bool {
		for _, w := range r.Windows {
			if in(w)(x) {
				return false
			}
		}
		return true
	}
	for i, w := range r.Windows {
		s := Summarise(r.Samples, in(w))
		p("| %s %s | %s to %s | %d | %d | %.2f%% | %s | %s | %s |", w.Name, w.Note, seconds(w.Start), seconds(w.Back),
			s.Requests, s.Failed, s.Rate(), kinds(s), ms(s.P99), seconds(Recovery(r.Samples, w, r.next(i))))
	}
	s := Summarise(r.Samples, outside)
	p("| outside every fault | | %d | %d | %.2f%% | %s | %s | |", s.Requests, s.Failed, s.Rate(), kinds(s), ms(s.P99))
	p("")
	for _, w := range r.Windows {
		if w.Failover {
			p("Redis master failover: %s", r.failover(w))
			p("")
		}
	}
	p("Read replica over the whole run: %s.", r.Reads)
	p("")
	f := r.Findings
	p("## Writes")
	p("")
	p("| | acknowledged | found in the store |")
	p("|---|---|---|")
	p("| works | %d | %d |", f.WorksAcked, f.WorksFound)
	p("| derivations | %d | %d |", f.DerivationsAcked, f.DerivationsFound)
	p("")
	p("%d acknowledged writes took more than one attempt (retried with their request_id); %d duplicates in the store.",
		f.Retried, f.Duplicates)
	p("%d read-your-writes probes through another way in, %d of which did not see the write; %d answers read through",
		r.Probes, len(r.ProbeFailures), f.CacheChecked)
	p("the gateways after the run (works, and ancestor closures against the stored edges), %d of which differed from the store.",
		len(f.CacheMismatches))
	p("The graph in the store has %d works on a cycle. Cycle race: %s.", f.Cycles, strings.Trim(r.Race.String(), "()"))
	p("")
	r.eventsMarkdown(p)
	return b.String()
}

// eventsMarkdown writes the events section: what each subscriber got of
// the changes in its scope.
func (r *Run) eventsMarkdown(p func(string, ...any)) {
	e := r.Events
	p("## Events")
	p("")
	p("The seeds were a family: a root work and %d works deriving from it, of both writers. About a quarter of the", e.Family-1)
	p("load's derivations took a family work as their source, and its licence changes (UpdateWork, a note unique to each")
	p("change) were made to family works. Each lineage replica was asked, through its own API, for a subscription to the")
	p("root's descendants (licence changes and derivations created) with a webhook to a receiver on loopback, which checked")
	p("every body's `Stemma-Signature`; beside it, a watch stream per replica followed the same scope and, after any error")
	p("(its replica killed, PostgreSQL stopped), asked again from the last sequence it had. After the load, the check waited")
	p("until the log had every acknowledged change and every subscriber every event of its scope (%s, bounded by %s),", seconds(e.Drain), seconds(drainTimeout))
	p("then compared what each got with the log. An event is in scope if the root's family, replayed from the log's own")
	p("derivation events up to it, holds one of its works: the load deletes nothing, so a subscriber matching against the")
	p("graph as it reads must match at least those.")
	p("")
	p("%d licence changes and %d derivations were acknowledged; %d of them have no event in the log, and %d changes are",
		e.Licences, e.Derivations, len(e.Unlogged), len(e.Twice))
	p("announced under more than one id. %d events of the log were in scope after the first subscription; %d webhook", e.InScope, len(e.Refused))
	p("requests were refused by the receiver. Delay is from the change's record time to its first delivery.")
	p("")
	p("| subscriber | expected | received | duplicates (same id) | lost | ids not in the log | reconnects | delay p50 | delay max |")
	p("|---|---|---|---|---|---|---|---|---|")
	for _, s := range e.Subscribers {
		p("| %s | %d | %d | %d | %d | %d | %d | %s | %s |", s.Name, s.Expected, s.Received, s.Duplicates, len(s.Lost), len(s.Unknown),
			s.Reconnects, ms(s.P50), ms(s.Max))
	}
}

// failover describes the failed requests of a Redis master's failover:
// how many, and the window from the first failed request to the last.
func (r *Run) failover(w Window) string {
	var first, last time.Duration
	failed := 0
	for _, x := range r.Samples {
		if !in(w)(x) || x.Outcome == OK || x.Outcome == LostRace {
			continue
		}
		if failed == 0 || x.Start < first {
			first = x.Start
		}
		last = max(last, x.End)
		failed++
	}
	st := Summarise(r.Samples, in(w))
	if failed == 0 {
		return fmt.Sprintf("%d requests sent from the kill until the old master was back as a replica, none failed (failure window 0 s); the cache's reads on the dead master's slots were misses served by the store.", st.Requests)
	}
	return fmt.Sprintf("%d requests sent from the kill until the old master was back as a replica, %d failed, from %s to %s (failure window %s).",
		st.Requests, failed, seconds(first), seconds(last), seconds(last-first))
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func kinds(s Stats) string {
	if s.Failed == 0 {
		return "none"
	}
	var parts []string
	for o := OK; o <= LostRace; o++ {
		if n := s.ByOutcome[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	return strings.Join(parts, ", ")
}
