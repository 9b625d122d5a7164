package compat

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/profile"
	"github.com/stemma-registry/stemma/services/licences/spdx"
)

// Use is how inbound material is used in the outbound work. The values
// match stemma.licences.v1.Use; the zero value is treated as Incorporate.
type Use int

// The uses.
const (
	// Incorporate: modified, adapted or included in the work (the default).
	Incorporate Use = iota + 1
	// LinkStatic: linked statically into the work.
	LinkStatic
	// LinkDynamic: linked dynamically (a shared library the user may replace).
	LinkDynamic
	// Aggregate: distributed beside the work as a separate item.
	Aggregate
	// NetworkService: run as part of a service offered over a network, not
	// distributed.
	NetworkService
	// Training: used to train a model released under the outbound licence.
	Training
)

var useNames = [...]string{"USE_INCORPORATE", "USE_INCORPORATE", "USE_LINK_STATIC", "USE_LINK_DYNAMIC", "USE_AGGREGATE", "USE_NETWORK_SERVICE", "USE_TRAINING"}

// Uses lists every use, in the order of the proto enum.
var Uses = []Use{Incorporate, LinkStatic, LinkDynamic, Aggregate, NetworkService, Training}

// String returns the use as the proto enum spells it.
func (u Use) String() string {
	if u < 0 || int(u) >= len(useNames) {
		return "USE_UNKNOWN"
	}
	return useNames[u]
}

func (u Use) normal() Use {
	if u < Incorporate || u > Training {
		return Incorporate
	}
	return u
}

func (u Use) linking() bool { return u == LinkStatic || u == LinkDynamic }

// Verdict is the answer to a compatibility question. The values match
// stemma.licences.v1.Verdict, so that the zero value is not a verdict.
type Verdict int

// The verdicts.
const (
	Compatible Verdict = iota + 1
	Incompatible
	Conditional
	Unknown
)

var verdictNames = [...]string{"VERDICT_UNSPECIFIED", "VERDICT_COMPATIBLE", "VERDICT_INCOMPATIBLE", "VERDICT_CONDITIONAL", "VERDICT_UNKNOWN"}

// String returns the verdict as the proto enum spells it.
func (v Verdict) String() string {
	if v < 0 || int(v) >= len(verdictNames) {
		return verdictNames[0]
	}
	return verdictNames[v]
}

// Inbound OR picks the best choice and AND keeps the worst part; these ranks
// order the verdicts for both. An unknown choice ranks above an incompatible
// one because it may still be allowed, and below a conditional one because a
// known condition is an answer.
var (
	bestRank  = [...]int{Compatible: 4, Conditional: 3, Unknown: 2, Incompatible: 1}
	worstRank = [...]int{Incompatible: 4, Unknown: 3, Conditional: 2, Compatible: 1}
)

// Source is a public statement a rule rests on.
type Source = profile.Source

// Reason is one rule that contributed to a verdict.
type Reason struct {
	Rule     string  // the rule's stable identifier, e.g. "gnu-v2only-v3"
	Message  string  // what the rule says about this question
	Verdict  Verdict // the verdict the rule gave on its own
	Inbound  string  // the inbound term the rule looked at
	Outbound string  // the outbound term the rule looked at
	Sources  []Source
}

// Result is the answer to one question.
type Result struct {
	Verdict Verdict
	Reasons []Reason
	// Conditions are what must hold for a CONDITIONAL verdict.
	Conditions []string
	// InboundChoice names the alternative of an inbound OR the verdict rests
	// on; empty when the inbound offered no choice.
	InboundChoice string
}

// Engine answers compatibility questions. It is immutable after New and
// safe for concurrent use.
type Engine struct {
	cat     *profile.Catalogue
	lics    []lic          // parallel to cat.Licences(), then cat.Refs()
	byID    map[string]int // exact id -> index into lics
	byLower map[string]int
	excIdx  map[string]int // lower-case exception id -> index
	later   [][]int        // for each licence, the later versions a "+" reaches
	grants  map[pairKey]*grant
	// grantVersions: for a grant into a GNU "or later" licence, the versions
	// the work may still go out under (see grantVersionRanges).
	grantVersions map[pairKey]*verRange
	gplBasis      [][]Source // for each licence, what its GPL property rests on
	rules         map[string][]Source
	ruleKeys      map[string][]string   // rule id -> source keys, parallel to rules
	ruleScopes    map[string][][]string // rule id -> licence prefixes a general source concerns, parallel to rules
	cache         sync.Map              // cacheKey -> *outcome
	version       string                // RulesVersion
	cacheLen      atomic.Int64
}

// cacheCap bounds the pair cache, so that hostile input cannot grow it
// without limit; past it pairs are computed every time.
const cacheCap = 1 << 17

// New builds an engine for list, precomputing each licence's model, the
// later versions of each family and the grant table.
func New(list *spdx.List) (*Engine, error) {
	cat, err := profile.New(list)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cat:     cat,
		byID:    make(map[string]int),
		byLower: make(map[string]int),
		excIdx:  make(map[string]int),
	}
	for i, x := range cat.Exceptions() {
		e.excIdx[strings.ToLower(x.ID)] = i
	}
	if err := e.loadRules(); err != nil {
		return nil, err
	}
	ps, refs := cat.Licences(), cat.Refs()
	e.lics = make([]lic, 0, len(ps)+len(refs))
	for _, group := range [][]profile.Profile{ps, refs} {
		for i := range group {
			j := len(e.lics)
			e.lics = append(e.lics, newLic(j, &group[i]))
			e.byID[group[i].ID] = j
			e.byLower[strings.ToLower(group[i].ID)] = j
		}
	}
	e.later = laterVersions(e.lics)
	e.gplBasisSources()
	e.mplUpgrade()
	if err := e.loadGrants(); err != nil {
		return nil, err
	}
	e.version = rulesVersion(list)
	return e, nil
}

// Catalogue returns the licence and exception profiles the engine uses.
func (e *Engine) Catalogue() *profile.Catalogue { return e.cat }

// Check answers: may material under inbound be used, in the way use says,
// in a work distributed under outbound?
//
// Expressions combine as follows. An outbound OR offers the work under
// each alternative, so every alternative must allow the use (the worst
// verdict wins). An outbound AND means the work carries all its terms: the
// inbound must suit every conjunct whose terms reach the whole work
// (copyleft for the use asked), and when none does, it may live beside the
// others under whichever suits it best. An inbound OR lets the licensee
// pick (the best verdict wins, and InboundChoice names it); an inbound AND
// binds every part (the worst verdict wins, conditions merged).
func (e *Engine) Check(inbound, outbound expression.Expr, use Use) Result {
	use = use.normal()
	o := e.evalOut(inbound, outbound, use)
	return o.result()
}

// outcome is a Result under construction; cached outcomes are shared and
// never modified.
type outcome struct {
	verdict    Verdict
	reasons    []Reason
	conditions []string
	choice     string
	// versions, for an "or later" outbound licence, are the versions the
	// work may still go out under; nil when the inbound does not narrow it.
	versions *verRange
}

func (o *outcome) result() Result {
	r := Result{Verdict: o.verdict, InboundChoice: o.choice}
	r.Reasons = make([]Reason, len(o.reasons))
	copy(r.Reasons, o.reasons)
	for i := range r.Reasons {
		r.Reasons[i].Sources = append([]Source(nil), r.Reasons[i].Sources...)
	}
	if len(o.conditions) > 0 {
		r.Conditions = append([]string(nil), o.conditions...)
	}
	return r
}

func (e *Engine) evalOut(in, out expression.Expr, use Use) *outcome {
	switch x := out.(type) {
	case *expression.Or:
		return worst(mapExprs(x.Operands, func(o expression.Expr) *outcome { return e.evalOut(in, o, use) }))
	case *expression.And:
		return e.evalOutAnd(in, x, use)
	case *expression.Term:
		return e.narrowCondition(e.evalIn(in, x, use), x)
	}
	return unknownOutcome("no-rule", fmt.Sprintf("unsupported outbound expression %T", out), "", "")
}

// evalOutAnd applies the outbound AND rule described on Check.
func (e *Engine) evalOutAnd(in expression.Expr, out *expression.And, use Use) *outcome {
	var reaching, others []*outcome
	for _, c := range out.Operands {
		o := e.evalOut(in, c, use)
		if e.reachesWholeWork(c, use) {
			reaching = append(reaching, o)
		} else {
			others = append(others, o)
		}
	}
	if len(reaching) > 0 {
		return worst(reaching)
	}
	return best(others)
}

// reachesWholeWork reports whether an outbound conjunct's terms cover the
// whole combined work for this use. A conjunct that is itself an expression
// is treated as reaching, the cautious reading.
func (e *Engine) reachesWholeWork(c expression.Expr, use Use) bool {
	t, ok := c.(*expression.Term)
	if !ok {
		return true
	}
	l := e.licOf(t)
	if l == nil {
		return true
	}
	return use != Aggregate && (l.kind == kUnmodelled || l.wholeWork(use))
}

func (e *Engine) evalIn(in expression.Expr, out *expression.Term, use Use) *outcome {
	switch x := in.(type) {
	case *expression.Or:
		var opts []*outcome
		for _, alt := range x.Operands {
			o := e.evalIn(alt, out, use)
			c := *o
			c.choice = alt.String()
			opts = append(opts, &c)
		}
		return best(opts)
	case *expression.And:
		o := e.all(mapExprs(x.Operands, func(i expression.Expr) *outcome { return e.evalIn(i, out, use) }), out.String())
		if o.verdict == Incompatible && o.reasons[0].Rule == "version-conflict" {
			// Choosing each OR on its own may have picked versions that
			// clash; try every combination of choices before saying no.
			if alt := e.evalChoices(x, out, use); alt != nil {
				return alt
			}
		}
		return o
	case *expression.Term:
		return narrowed(e.term(x, out, use))
	}
	return unknownOutcome("no-rule", fmt.Sprintf("unsupported inbound expression %T", in), "", out.String())
}

// maxChoices bounds how many combinations of an inbound's OR choices are
// tried when choosing each on its own led to a version conflict.
const maxChoices = 64

// evalChoices evaluates an inbound conjunction as its choices (disjunctive
// normal form) and returns the best choice that is not INCOMPATIBLE, or nil.
func (e *Engine) evalChoices(in *expression.And, out *expression.Term, use Use) *outcome {
	choices, ok := expression.Choices(in, maxChoices)
	if !ok {
		return nil
	}
	var opts []*outcome
	for _, terms := range choices {
		parts := make([]*outcome, len(terms))
		names := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = e.term(t, out, use)
			names[i] = t.String()
		}
		o := *e.all(parts, out.String())
		o.choice = strings.Join(names, " AND ")
		opts = append(opts, &o)
	}
	if b := best(opts); b.verdict != Incompatible {
		return b
	}
	return nil
}

func mapExprs(xs []expression.Expr, f func(expression.Expr) *outcome) []*outcome {
	out := make([]*outcome, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// best keeps the outcome with the best verdict (an inbound OR); on a tie the
// first alternative wins, so that the answer follows the order written.
func best(os []*outcome) *outcome {
	if len(os) == 1 {
		return os[0]
	}
	b := os[0]
	for _, o := range os[1:] {
		if bestRank[o.verdict] > bestRank[b.verdict] {
			b = o
		}
	}
	if b.verdict != Incompatible {
		return b
	}
	// Every choice fails: say why for each.
	return merge(os, Incompatible)
}

// worst combines outcomes that all bind: the worst verdict, with the
// reasons and conditions of every part.
func worst(os []*outcome) *outcome {
	if len(os) == 1 {
		return os[0]
	}
	w := Compatible
	for _, o := range os {
		if worstRank[o.verdict] > worstRank[w] {
			w = o.verdict
		}
	}
	return merge(os, w)
}

func merge(os []*outcome, v Verdict) *outcome {
	m := &outcome{verdict: v}
	seenR := make(map[string]bool)
	seenC := make(map[string]bool)
	var choices []string
	for _, o := range os {
		for _, r := range o.reasons {
			k := r.Rule + "\x00" + r.Inbound + "\x00" + r.Outbound
			if !seenR[k] {
				seenR[k] = true
				m.reasons = append(m.reasons, r)
			}
		}
		if v == Conditional || v == Compatible {
			for _, c := range o.conditions {
				if !seenC[c] {
					seenC[c] = true
					m.conditions = append(m.conditions, c)
				}
			}
		}
		if o.choice != "" && !contains(choices, o.choice) {
			choices = append(choices, o.choice)
		}
	}
	if v != Incompatible {
		m.choice = strings.Join(choices, "; ")
	}
	return m
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// cacheKey identifies a pair of terms and a use.
type cacheKey struct {
	in, out termKey
	use     Use
}

type termKey struct {
	lic   int32
	exc   int32
	later bool
}

func (e *Engine) key(t *expression.Term) (termKey, bool) {
	if e.unknownRef(t) {
		return termKey{}, false
	}
	i, ok := e.index(t.ID)
	if !ok {
		return termKey{}, false
	}
	k := termKey{lic: int32(i), exc: -1, later: t.OrLater}
	if t.Exception != "" {
		x, ok := e.excIndex(t.Exception)
		if !ok {
			return termKey{}, false
		}
		k.exc = int32(x)
	}
	return k, true
}

func (e *Engine) term(in, out *expression.Term, use Use) *outcome {
	ki, ok1 := e.key(in)
	ko, ok2 := e.key(out)
	if !ok1 || !ok2 {
		return e.termPair(in, out, use)
	}
	ck := cacheKey{ki, ko, use}
	if v, ok := e.cache.Load(ck); ok {
		return v.(*outcome)
	}
	o := e.termPair(in, out, use)
	if e.cacheLen.Load() < cacheCap {
		if _, loaded := e.cache.LoadOrStore(ck, o); !loaded {
			e.cacheLen.Add(1)
		}
	}
	return o
}

func (e *Engine) index(id string) (int, bool) {
	if i, ok := e.byID[id]; ok {
		return i, true
	}
	i, ok := e.byLower[strings.ToLower(id)]
	return i, ok
}

func (e *Engine) excIndex(id string) (int, bool) {
	i, ok := e.excIdx[strings.ToLower(id)]
	return i, ok
}

func (e *Engine) licOf(t *expression.Term) *lic {
	if e.unknownRef(t) {
		return nil
	}
	i, ok := e.index(t.ID)
	if !ok {
		return nil
	}
	return &e.lics[i]
}

// unknownRef reports whether a term names a licence outside the SPDX list
// that Stemma does not model: any DocumentRef- or unlisted identifier, and
// a LicenseRef- other than those of profile/data/refs.tsv. A modelled
// LicenseRef- with an exception is unknown too: no SPDX exception is
// written for those licences.
func (e *Engine) unknownRef(t *expression.Term) bool {
	if !t.IsRef() {
		return false
	}
	if t.DocumentRef != "" || t.Unlisted || t.Exception != "" || t.OrLater {
		return true
	}
	i, ok := e.byLower[strings.ToLower(t.ID)]
	return !ok || e.lics[i].kind != kModel
}

func unknownOutcome(rule, msg, in, out string) *outcome {
	return &outcome{verdict: Unknown, reasons: []Reason{{Rule: rule, Message: msg, Verdict: Unknown, Inbound: in, Outbound: out}}}
}
