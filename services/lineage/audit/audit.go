// Package audit finds the licence conflicts in a work's ancestry: every
// derivation whose source licence does not allow its derivative's licence,
// and every pair of sources of one derivative that cannot be combined.
//
// Which licences are compared: the source's licence in force at the
// derivation's source time, as the service reads it from the catalog's
// history into the derivation's SourceLicence (the terms under which the
// material was taken: a later relicensing of the source does not change
// them) against the derivative's licence as it
// stands now (a derivative that relicensed after taking the material must
// still honour its terms, and one that relicensed to resolve a conflict
// has resolved it). A derivative no longer in the catalogue is judged by
// the licence its derivation recorded.
//
// The audit asks the licences service, in batches, each distinct question
// once: at scale thousands of derivations share a few hundred licence
// pairs.
package audit

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// Question is one compatibility question: may material under Inbound be
// used, as Use says, in a work under Outbound?
type Question struct {
	Inbound  string
	Outbound string
	Use      graph.Use
}

// Checker answers licence questions.
type Checker interface {
	// Check answers the questions, in order. A question with an empty
	// licence on either side is answered VERDICT_UNKNOWN.
	Check(ctx context.Context, qs []Question) ([]graph.Check, error)
	// Combinable says whether some licence can carry material under every
	// inbound expression, used as use: Compatible if one can, Incompatible
	// if none can, Unknown if a licence is not modelled.
	Combinable(ctx context.Context, inbound []string, use graph.Use) (graph.Verdict, error)
}

// Kind is the kind of a conflict; the values match
// stemma.lineage.v1.Conflict.Kind.
type Kind int

// The kinds.
const (
	// Derivation: the source's licence does not allow the derivative's.
	Derivation Kind = iota + 1
	// Sources: two sources of one derivative cannot be combined.
	Sources
)

// Conflict is one conflict found.
type Conflict struct {
	Kind       Kind
	Derivation *graph.Derivation
	// Other is, for Sources, the other source's derivation.
	Other *graph.Derivation
	Check graph.Check
	// Node is the index of the derivative in the closure: its depth and
	// path from the audited work.
	Node int
}

// Report is what an audit found.
type Report struct {
	Conflicts []Conflict
	// Checked counts the derivations audited.
	Checked int
	// Unknown lists the derivations whose verdict is VERDICT_UNKNOWN,
	// nearest first.
	Unknown []*graph.Derivation
	// Conditional lists the derivations whose verdict is
	// VERDICT_CONDITIONAL, nearest first, each with its check (Kind
	// Derivation): not conflicts, but terms the derivative must meet.
	Conditional []Conflict
	// Truncated reports that the depth bound cut the ancestry short.
	Truncated bool
}

// Input is what an audit reads.
type Input struct {
	// Closure is the audited work's ancestry.
	Closure *graph.Closure
	// Derivations are those leaving the works of the closure; those that
	// arrive outside it are ignored.
	Derivations []*graph.Derivation
	// Licences holds the current licence of each derivative still in the
	// catalogue.
	Licences map[string]string
}

// combineConcurrency bounds the Combinable calls in flight: one per
// distinct pair of licences, never one per derivation.
const combineConcurrency = 8

// Run audits the ancestry.
func Run(ctx context.Context, checker Checker, in Input) (*Report, error) {
	c := in.Closure
	index := c.Index()
	// Derivations leaving the works at the depth bound for works beyond it
	// are outside the ancestry audited.
	var ds []*graph.Derivation
	for _, d := range in.Derivations {
		_, in := index[d.Derivative]
		_, out := index[d.Source]
		if in && out {
			ds = append(ds, d)
		}
	}
	// Nearest first; for each derivative its sources in order.
	slices.SortFunc(ds, func(a, b *graph.Derivation) int {
		return cmp.Or(cmp.Compare(index[a.Derivative], index[b.Derivative]), cmp.Compare(a.Source, b.Source), cmp.Compare(a.ID, b.ID))
	})
	outbound := func(d *graph.Derivation) string {
		if l, ok := in.Licences[d.Derivative]; ok {
			return l
		}
		return d.DerivativeLicence
	}

	a := asker{index: map[Question]int{}}
	single := make([]int, len(ds))
	for i, d := range ds {
		single[i] = a.ask(Question{Inbound: d.SourceLicence, Outbound: outbound(d), Use: d.Use})
	}
	pairs := sourcePairs(ds)
	for i := range pairs {
		p := &pairs[i]
		p.question = a.ask(Question{Inbound: "(" + p.a.SourceLicence + ") AND (" + p.b.SourceLicence + ")", Outbound: outbound(p.a), Use: p.a.Use})
	}
	answers, err := checker.Check(ctx, a.questions)
	if err != nil {
		return nil, err
	}

	r := &Report{Checked: len(ds), Truncated: c.Truncated}
	for i, d := range ds {
		switch ans := answers[single[i]]; ans.Verdict {
		case graph.Incompatible:
			r.Conflicts = append(r.Conflicts, Conflict{Kind: Derivation, Derivation: d, Check: ans, Node: index[d.Derivative]})
		case graph.Unknown:
			r.Unknown = append(r.Unknown, d)
		case graph.Conditional:
			r.Conditional = append(r.Conditional, Conflict{Kind: Derivation, Derivation: d, Check: ans, Node: index[d.Derivative]})
		}
	}
	alone := map[*graph.Derivation]graph.Verdict{}
	for i, d := range ds {
		alone[d] = answers[single[i]].Verdict
	}
	var undecided []*pair
	for i := range pairs {
		p := &pairs[i]
		if alone[p.a] == graph.Incompatible || alone[p.b] == graph.Incompatible {
			continue // each conflict is reported once, as the derivation's own
		}
		switch ans := answers[p.question]; ans.Verdict {
		case graph.Incompatible:
			r.Conflicts = append(r.Conflicts, Conflict{Kind: Sources, Derivation: p.a, Other: p.b, Check: ans, Node: index[p.a.Derivative]})
		case graph.Unknown:
			// No licence (or one not modelled) on the derivative: can any
			// licence carry the two?
			p.check = ans
			undecided = append(undecided, p)
		}
	}
	undecided, err = carriers(ctx, checker, undecided)
	if err != nil {
		return nil, err
	}
	if err := combine(ctx, checker, undecided); err != nil {
		return nil, err
	}
	for _, p := range undecided {
		if p.combinable == graph.Incompatible {
			ch := p.check
			ch.Verdict = graph.Incompatible
			ch.Reasons = []graph.Reason{{
				Rule: "no-common-licence", Verdict: graph.Incompatible, Inbound: ch.Inbound,
				Message: "no licence Stemma models can carry material under " + p.a.SourceLicence + " together with material under " + p.b.SourceLicence,
			}}
			r.Conflicts = append(r.Conflicts, Conflict{Kind: Sources, Derivation: p.a, Other: p.b, Check: ch, Node: index[p.a.Derivative]})
		}
	}
	slices.SortStableFunc(r.Conflicts, func(x, y Conflict) int {
		return cmp.Or(cmp.Compare(x.Node, y.Node), cmp.Compare(x.Kind, y.Kind))
	})
	return r, nil
}

// asker collects distinct questions.
type asker struct {
	questions []Question
	index     map[Question]int
}

func (a *asker) ask(q Question) int {
	if i, ok := a.index[q]; ok {
		return i
	}
	a.index[q] = len(a.questions)
	a.questions = append(a.questions, q)
	return len(a.questions) - 1
}

// pair is two sources of one derivative to check together.
type pair struct {
	a, b       *graph.Derivation
	question   int
	check      graph.Check
	combinable graph.Verdict
}

// sourcePairs returns, for each derivative (ds sorted by derivative), one
// pair per two distinct source licences used the same way: the first
// derivation with each. Identical licences always combine, and sources
// used differently (one incorporated, one linked) are not one combined
// work in the licences' sense, so neither is checked. ds is sorted by
// derivative, so a derivative's derivations are contiguous.
func sourcePairs(ds []*graph.Derivation) []pair {
	var out []pair
	for start := 0; start < len(ds); {
		end := start
		for end < len(ds) && ds[end].Derivative == ds[start].Derivative {
			end++
		}
		type key struct {
			licence string
			use     graph.Use
		}
		var firsts []*graph.Derivation
		seen := map[key]bool{}
		for _, d := range ds[start:end] {
			k := key{d.SourceLicence, d.Use}
			if d.SourceLicence == "" || seen[k] {
				continue
			}
			seen[k] = true
			firsts = append(firsts, d)
		}
		for i, a := range firsts {
			for _, b := range firsts[i+1:] {
				if a.Use == b.Use {
					out = append(out, pair{a: a, b: b})
				}
			}
		}
		start = end
	}
	return out
}

// carriers settles what it can of the undecided pairs in one batch: if one
// of the two licences can carry material under both, they combine. It
// returns the pairs neither licence can carry, which only a search over
// every licence settles; a pair whose answer is unknown is dropped (an
// audit reports what it knows to conflict).
func carriers(ctx context.Context, checker Checker, undecided []*pair) ([]*pair, error) {
	if len(undecided) == 0 {
		return nil, nil
	}
	a := asker{index: map[Question]int{}}
	asked := make([][2]int, len(undecided))
	for i, p := range undecided {
		both := "(" + p.a.SourceLicence + ") AND (" + p.b.SourceLicence + ")"
		asked[i] = [2]int{
			a.ask(Question{Inbound: both, Outbound: p.a.SourceLicence, Use: p.a.Use}),
			a.ask(Question{Inbound: both, Outbound: p.b.SourceLicence, Use: p.a.Use}),
		}
	}
	answers, err := checker.Check(ctx, a.questions)
	if err != nil {
		return nil, err
	}
	var left []*pair
	for i, p := range undecided {
		x, y := answers[asked[i][0]].Verdict, answers[asked[i][1]].Verdict
		if x == graph.Incompatible && y == graph.Incompatible {
			left = append(left, p)
		}
	}
	return left, nil
}

// combine asks Combinable for each distinct licence pair of the undecided
// pairs, a few at a time.
func combine(ctx context.Context, checker Checker, undecided []*pair) error {
	type key struct {
		a, b string
		use  graph.Use
	}
	groups := map[key][]*pair{}
	for _, p := range undecided {
		k := key{p.a.SourceLicence, p.b.SourceLicence, p.a.Use}
		if k.a > k.b {
			k.a, k.b = k.b, k.a
		}
		groups[k] = append(groups[k], p)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		sem   = make(chan struct{}, combineConcurrency)
	)
	for k, ps := range groups {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			v, err := checker.Combinable(ctx, []string{k.a, k.b}, k.use)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				first = cmp.Or(first, err)
				return
			}
			for _, p := range ps {
				p.combinable = v
			}
		}()
	}
	wg.Wait()
	return first
}
