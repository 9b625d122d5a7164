package policy

import (
	"slices"
	"strings"
	"time"
)

// Term is one licence of an expression, with its exception.
type Term struct {
	ID        string
	OrLater   bool // "+" or an -or-later id
	Exception string
}

func (t Term) String() string {
	s := t.ID
	if t.OrLater && !strings.HasSuffix(s, "-or-later") {
		s += "+"
	}
	if t.Exception != "" {
		s += " WITH " + t.Exception
	}
	return s
}

// Facts are what the licences service says of a licence.
type Facts struct {
	// Known: on the SPDX list and modelled by Stemma's rules.
	Known       bool
	Category    string // "STRONG_COPYLEFT"
	Obligations []string
}

// Subject is one thing a policy is evaluated on: a component of an SBOM,
// a work of an ancestry, the inbound side of a licence check.
type Subject struct {
	Ref, Name, Version, Purl string
	Work                     string // works/{id}, if it is one
	Kind                     string // "WORK_KIND_SOFTWARE"; "" when not known
	Use                      string // "USE_LINK_DYNAMIC": how the product uses it
	// Path runs from the product or audited work to the subject, both
	// included.
	Path    []string
	Licence string
	// Alternatives are the licence's choices: the expression as an OR of
	// ANDs. None when there is no licence.
	Alternatives [][]Term
	// Verdict is the verdict ("VERDICT_INCOMPATIBLE"…) of its licence
	// checked against the product's, "" when none could be asked.
	Verdict string
}

// Finding is one rule that fired on one subject.
type Finding struct {
	Subject int // index in the subjects evaluated
	Rule    string
	Action  Action
	// Licence is the licence term the rule matched, "" when it matched the
	// subject as a whole (no licence, the verdict).
	Licence string
	// Reason says what matched, for a reader.
	Reason string
	// Exemption is the reason of the exemption that lifts the finding;
	// "" when none does.
	Exemption string
}

// Result is an evaluation's outcome: Allow (pass) when no finding stands,
// else the worst action among those that stand.
type Result struct {
	Outcome  Action
	Findings []Finding
}

// Evaluate applies the policy to subjects at time now (for exemptions),
// with facts by licence id.
//
// An expression offers choices (OR): the subject's findings are those of
// the choice that fares best, a choice faring as badly as the worst of its
// licences (AND binds them all). A licence an allow rule matches raises no
// finding; another raises one per review or deny rule that matches it.
func (p *Policy) Evaluate(subjects []Subject, facts map[string]Facts, now time.Time) Result {
	res := Result{Outcome: Allow}
	for i := range subjects {
		s := &subjects[i]
		var best []Finding
		bestWorst := Action(-1)
		for _, alt := range s.Alternatives {
			var fs []Finding
			worst := Allow
			for _, t := range alt {
				for _, f := range p.term(i, s, t, facts[t.ID]) {
					fs = append(fs, f)
					worst = max(worst, f.Action)
				}
			}
			if bestWorst < 0 || worst < bestWorst {
				best, bestWorst = fs, worst
			}
		}
		best = append(best, p.whole(i, s, best)...)
		for j := range best {
			f := &best[j]
			for _, e := range p.Exemptions {
				if e.applies(s, f.Rule, now) {
					f.Exemption = e.Reason
					break
				}
			}
			if f.Exemption == "" {
				res.Outcome = max(res.Outcome, f.Action)
			}
		}
		slices.SortStableFunc(best, func(a, b Finding) int { return int(b.Action) - int(a.Action) })
		res.Findings = append(res.Findings, best...)
	}
	return res
}

// term returns the findings on one licence of a subject: none if an allow
// rule matches it.
func (p *Policy) term(i int, s *Subject, t Term, f Facts) []Finding {
	var out []Finding
	for k := range p.Rules {
		r := &p.Rules[k]
		if !r.narrows(s) {
			continue
		}
		reason, ok := r.matchTerm(t, f)
		if !ok {
			continue
		}
		if r.Action == Allow {
			return nil
		}
		out = append(out, Finding{Subject: i, Rule: r.ID, Action: r.Action, Licence: t.String(), Reason: reason})
	}
	return out
}

// whole returns the findings on a subject as a whole: no licence, or a
// verdict the rules name, unless a rule fired already on one of its
// licences.
func (p *Policy) whole(i int, s *Subject, fired []Finding) []Finding {
	var out []Finding
	for k := range p.Rules {
		r := &p.Rules[k]
		if r.Action == Allow || !r.narrows(s) || slices.ContainsFunc(fired, func(f Finding) bool { return f.Rule == r.ID }) {
			continue
		}
		var reason string
		switch {
		case r.Unknown && s.Licence == "":
			reason = "no licence is known for it"
		case r.Unknown && s.Verdict == "VERDICT_UNKNOWN":
			reason = "its licence check against the product's licence gave no verdict"
		case r.Incompatible && s.Verdict == "VERDICT_INCOMPATIBLE":
			reason = "its licence does not allow the product's licence"
		default:
			continue
		}
		out = append(out, Finding{Subject: i, Rule: r.ID, Action: r.Action, Reason: reason})
	}
	return out
}

// narrows reports whether a subject's use and kind are among those the
// rule names.
func (r *Rule) narrows(s *Subject) bool {
	return (len(r.Uses) == 0 || slices.Contains(r.Uses, s.Use)) && (len(r.Kinds) == 0 || slices.Contains(r.Kinds, s.Kind))
}

// matchTerm reports whether the rule's subject conditions hold for a
// licence, and says which.
func (r *Rule) matchTerm(t Term, f Facts) (string, bool) {
	for _, pat := range r.Licences {
		if matchLicence(pat, t) {
			return "licence " + t.String() + " matches " + pat, true
		}
	}
	if slices.Contains(r.Categories, f.Category) {
		return t.ID + " is " + strings.ToLower(strings.ReplaceAll(f.Category, "_", "-")), true
	}
	for _, o := range f.Obligations {
		if slices.Contains(r.Obligations, o) {
			return t.ID + " obliges " + strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(o, "OBLIGATION_"), "_", "-")), true
		}
	}
	if r.Unknown && !f.Known {
		return t.ID + " is not a licence Stemma's rules model", true
	}
	if !r.subject() {
		return "any licence", true
	}
	return "", false
}
