package compat

import (
	"fmt"
	"strings"

	"github.com/stemma-registry/stemma/services/licences/profile"
)

// model decides material under an AI model licence (profile.ModelTerms:
// the Llama community licences, the Gemma terms, the OpenRAIL family).
// These licences are not free licences: their use restrictions and
// attribution terms bind everyone downstream, and a derivative model is
// one indivisible work, so unlike other restricted material (which keeps
// its terms inside a larger work, restricted-travels) a derivative cannot
// carry the model's material under another licence alone.
func (e *Engine) model(li, lo *lic, use Use) *outcome {
	m := li.p.Model
	switch use {
	case Aggregate:
		return e.modelOne("model-aggregate", Conditional, li, lo,
			fmt.Sprintf("The %s model may be shared unmodified beside a work under %s; it keeps its own terms, which go with every copy.", li.name(), lo.name()),
			m.ConditionsFor(profile.ScopeDistribute)...)
	case NetworkService:
		return e.modelOne("model-service", Conditional, li, lo,
			fmt.Sprintf("Running the %s model in a service distributes no copy, but its use terms bind every use and, where the text says so, making the model available.", li.name()),
			m.ConditionsFor(profile.ScopeAvailable)...)
	case Training:
		return e.modelTraining(li, lo)
	}
	return e.modelDerivative(li, lo)
}

// modelDerivative decides a derivative model (a fine-tune, an adapter, a
// merge) released under lo.
func (e *Engine) modelDerivative(li, lo *lic) *outcome {
	m := li.p.Model
	clause := passOnClause(m)
	if li.p.ID == lo.p.ID {
		return e.modelOne("model-same-licence", Conditional, li, lo,
			fmt.Sprintf("A derivative of %s material released under %s carries its terms, which bind the derivative and everyone who receives or uses it: the release is allowed as long as its conditions are met.", li.name(), lo.name()),
			m.ConditionsFor(profile.ScopeDerivative)...)
	}
	if lo.kind == kUnmodelled {
		return e.unmodelledOut(li, lo)
	}
	switch m.Derivatives {
	case profile.DerivativesAgreement:
		what := "its acceptable use policy and its user threshold"
		return e.modelOne("model-agreement-travels", Incompatible, li, lo,
			fmt.Sprintf("%s requires whoever shares the model or a derivative of it to pass on a copy of the agreement (%s), whose terms (%s) then bind the recipients; a derivative released under %s alone would not carry them. Release it under %s, alone or beside other terms (%s AND %s).",
				li.name(), clause, what, lo.name(), li.name(), lo.name(), li.name()))
	}
	if lo.kind == kModel {
		conds := append([]string{fmt.Sprintf("the %s terms of the derivative also include %s's use restrictions as an enforceable provision, and a copy of %s goes with it", lo.name(), li.name(), li.name())},
			m.ConditionsFor(profile.ScopeDerivative)...)
		return e.modelOne("model-restrictions-travel", Conditional, li, lo,
			fmt.Sprintf("%s lets a derivative carry other terms if they include its use restrictions as an enforceable provision (%s); %s has use restrictions of its own, but not the same list.", li.name(), clause, lo.name()),
			conds...)
	}
	if lo.wholeWork(Incorporate) || lo.gnu != notGNU {
		return e.modelOne("model-restrictions-travel", Incompatible, li, lo,
			fmt.Sprintf("%s's use restrictions must pass to every derivative (%s), and %s forbids adding restrictions to the work it covers.", li.name(), clause, lo.name()))
	}
	return e.modelOne("model-restrictions-travel", Incompatible, li, lo,
		fmt.Sprintf("%s lets a derivative carry other terms only if they include its use restrictions as an enforceable provision and a copy of the licence goes with it (%s); %s has no such restrictions, so a derivative under %s alone would let recipients do what %s forbids. Release it under %s, or under %s AND %s.",
			li.name(), clause, lo.name(), lo.name(), li.name(), li.name(), lo.name(), li.name()))
}

// modelTraining decides a model trained on the material or its outputs and
// released under lo.
func (e *Engine) modelTraining(li, lo *lic) *outcome {
	m := li.p.Model
	d := e.modelDerivative(li, lo)
	switch m.Training {
	case profile.TrainingDerivative:
		return prepend(d, e.modelReason("model-training-derivative", d.verdict, li, lo,
			fmt.Sprintf("%s counts a model trained on the model's weights or outputs (distillation, synthetic data) as a derivative of it, so the derivative rule decides.", li.name())))
	case profile.TrainingOtherLLMForbidden:
		if d.verdict != Incompatible {
			return prepend(d, e.modelReason("model-training-forbidden", d.verdict, li, lo,
				fmt.Sprintf("%s lets its model and outputs improve only itself and its derivatives (§1.b.v): the trained model is one, under %s.", li.name(), lo.name())))
		}
		return e.modelOne("model-training-forbidden", Incompatible, li, lo,
			fmt.Sprintf("%s forbids using the model or its outputs to improve any other large language model than itself or its derivatives (§1.b.v); a model trained with it and released under %s is not shared as a %s derivative.", li.name(), lo.name(), li.name()))
	}
	if d.verdict != Incompatible {
		return d
	}
	// TrainingNaming: the text names the trained model but does not say it
	// is a derivative work, so the answer depends on that open question.
	conds := []string{fmt.Sprintf("the model released under %s is not a derivative work of the %s material (unsettled in law); if it is, it goes out under %s (next reason)", lo.name(), li.name(), li.name())}
	for _, c := range m.Conditions {
		if c.Scope == profile.ScopeDerivative || c.Scope == profile.ScopeUse {
			conds = append(conds, c.Text)
		}
	}
	o := e.modelOne("model-training-naming", Conditional, li, lo,
		fmt.Sprintf("%s does not say whether a model trained on its outputs is a derivative work; it does ask such a model, when shared or made available, to carry its name (%s), and its use terms bind the training.", li.name(), passOnClause(m)),
		conds...)
	o.reasons = append(o.reasons, d.reasons...)
	return o
}

// passOnClause is the clause by which the licence's terms reach
// derivatives: the one data/refs.tsv cites in the licence's first
// condition.
func passOnClause(m *profile.ModelTerms) string {
	if len(m.Conditions) == 0 {
		return ""
	}
	t := m.Conditions[0].Text
	if !strings.HasSuffix(t, ")") {
		return ""
	}
	// The clause may hold parentheses itself: §1.b.i(A), §4(a).
	depth := 0
	for i := len(t) - 1; i >= 0; i-- {
		switch t[i] {
		case ')':
			depth++
		case '(':
			if depth--; depth == 0 {
				return t[i+1 : len(t)-1]
			}
		}
	}
	return ""
}

// modelReason is a reason citing, besides the rule's own sources, what the
// model licences at hand rest on (their texts and use policies, with
// clauses).
func (e *Engine) modelReason(id string, v Verdict, li, lo *lic, msg string) Reason {
	extra := append([]Source(nil), li.p.Sources...)
	if lo.kind == kModel && lo.p.ID != li.p.ID {
		extra = append(extra, lo.p.Sources...)
	}
	return Reason{Rule: id, Message: msg, Verdict: v, Inbound: li.name(), Outbound: lo.name(),
		Sources: e.relevantSourcesWith(id, li.name(), lo.name(), false, extra)}
}

// modelOne is e.one with the sources of modelReason.
func (e *Engine) modelOne(id string, v Verdict, li, lo *lic, msg string, conditions ...string) *outcome {
	o := &outcome{verdict: v, reasons: []Reason{e.modelReason(id, v, li, lo, msg)}}
	if v == Conditional {
		o.conditions = conditions
	}
	return o
}
