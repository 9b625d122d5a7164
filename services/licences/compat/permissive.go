package compat

import "fmt"

// modTerms are the conditions a permissive licence sets on distributing a
// modified version, beyond keeping notices: the Artistic licences and Vim's
// licence let their material go into a work under other terms, but a
// modified version must meet conditions the outbound licence does not meet
// by itself.
type modTerms struct {
	clause    string // the clause that sets the conditions
	condition string // what must hold, stated for the reason's condition
	// sourceLicence: the licence is satisfied by an outbound licence that
	// requires the source of the modified version to be made freely
	// available (Artistic-2.0 §4(c)(ii)).
	sourceLicence bool
	sourceClause  string
	// linkClause and linkCondition, when set, state what linking or
	// embedding the material (not modifying it) requires.
	linkClause, linkCondition string
}

const artistic1Condition = "each changed file carries a prominent notice of how and when it was changed, and the modifications are made Freely Available or given to the Copyright Holder (§3(a)), or used only inside your organisation (§3(b)), or non-standard executables are renamed and documented (§3(c)), or other arrangements are made with the Copyright Holder (§3(d)); the notices are kept"

var modifiedVersionTerms = map[string]modTerms{
	"Artistic-2.0": {
		clause:        "§4",
		condition:     "the differences from the Standard Version are documented, and the Modified Version is made available to the Copyright Holder under Artistic-2.0 (§4(a)), or bears a different name and does not prevent installing and running the Standard Version (§4(b)); the notices are kept",
		sourceLicence: true,
		sourceClause:  "§4(c)(ii)",
		linkClause:    "§8, §9",
		linkCondition: "the result does not expose a direct interface to the Package (§8), and any modification of the Package itself meets §4; the Package keeps Artistic-2.0 and its notices",
	},
	"Artistic-1.0":      {clause: "§3", condition: artistic1Condition, linkClause: "§5, §8", linkCondition: artistic1LinkCondition},
	"Artistic-1.0-cl8":  {clause: "§3", condition: artistic1Condition, linkClause: "§5, §8", linkCondition: artistic1LinkCondition},
	"Artistic-1.0-Perl": {clause: "§3", condition: artistic1Condition, linkClause: "§5, §8", linkCondition: artistic1LinkCondition},
	"ClArtistic":        {clause: "§3", condition: artistic1Condition, linkClause: "§5, §8", linkCondition: artistic1LinkCondition},
	"Vim": {
		clause:    "part II of the Vim licence",
		condition: "the modified Vim keeps the Vim licence text unmodified, says that it was modified (in :version and the intro screen), and its changes, with source, are provided with every copy or given to the Vim maintainer on request, with contact details kept (Vim licence II)",
	},
}

const artistic1LinkCondition = "the Package is embedded so that its interfaces are not made visible to end users (§8), or the complete Standard Version of its interpreter is embedded (§5); any modification of the Package itself meets §3"

// unmodelledOut answers for an outbound licence Stemma has not reviewed,
// or one outside the SPDX list, when its terms would decide.
func (e *Engine) unmodelledOut(li, lo *lic) *outcome {
	if lo.ref {
		return e.one("ref-unknown", Unknown, li, lo, fmt.Sprintf("%s is a licence outside the SPDX list; Stemma cannot know whether its terms allow the %s material.", lo.name(), li.name()))
	}
	return e.one("not-modelled", Unknown, li, lo, fmt.Sprintf("%s is not modelled: Stemma has not reviewed its terms, so it does not guess.", lo.name()))
}

// euplLargerWork decides file-scoped copyleft material (MPL, EPL, CDDL, ...)
// in a work under the EUPL. The inbound licence lets its files sit in a
// larger work under other terms while they keep their own licence. The EUPL's
// copyleft reaches Derivative Works of the EUPL-covered work, whose extent
// Art. 1 leaves to copyright law, and the European Commission's matrix of
// EUPL-compatible licences accepts such components in an application
// distributed under the EUPL. That reading is the steward's and untested in
// court, so the verdict is CONDITIONAL, not COMPATIBLE.
func (e *Engine) euplLargerWork(li, lo *lic) *outcome {
	return e.one("eupl-larger-work", Conditional, li, lo,
		fmt.Sprintf("%s's copyleft stays with its own files, which may sit in a larger work under other terms; %s's copyleft reaches Derivative Works of the %s-covered work, whose extent Art. 1 leaves to the applicable copyright law, and the European Commission's EUPL compatibility matrix accepts such components in an application distributed under the EUPL. No court has tested this reading.", li.name(), lo.name(), lo.name()),
		fmt.Sprintf("the %s-covered files stay separate files under %s, with their notices and their source made available as %s requires; they are not relicensed under %s, and changes to them stay under %s", li.name(), li.name(), li.name(), lo.name(), li.name()))
}

// gnuBasisSources returns the sources of a reason that rests on a licence's
// GPL compatibility: the GNU licence clauses the rule cites for the outbound
// licence, and the statements the inbound's GPL property rests on (its
// profile's basis, see gplBasis), so that a licence Stemma judged from its
// text does not cite the FSF list, and one the FSF lists cites that entry.
func (e *Engine) gnuBasisSources(id string, li, lo *lic) []Source {
	return e.relevantSourcesWith(id, li.name(), lo.name(), id != "gpl-compat-unknown", e.gplBasis[li.idx])
}

// gplBasisSources lists, for each licence, the statements its GPL property
// rests on, as a reason cites them: the FSF entry or tags for the licence,
// its text when the property is Stemma's reading, other statements named by
// the licence; not the sources of its category (ScanCode, the family name).
func (e *Engine) gplBasisSources() {
	e.gplBasis = make([][]Source, len(e.lics))
	for i := range e.lics {
		li := &e.lics[i]
		var out []Source
		for _, s := range li.p.Sources {
			k, _ := e.cat.SourceKey(s)
			switch k {
			case "scancode", "stemma-pattern", "spdx":
				continue
			case "text":
				out = append(out, e.licenceText(li.name(), "its conditions, as Stemma reads them"))
				continue
			case "fsf-list":
				s.Clause = "entry for " + li.name()
			case "fsf-api":
				s.Clause = "tags for " + li.name()
			default:
				if s.Clause == "" {
					s.Clause = li.name()
				}
			}
			out = append(out, s)
		}
		e.gplBasis[i] = out
	}
}

// gnuOne is e.one with the sources of gnuBasisSources.
func (e *Engine) gnuOne(id string, v Verdict, li, lo *lic, msg string) *outcome {
	return &outcome{verdict: v, reasons: []Reason{{Rule: id, Message: msg, Verdict: v, Inbound: li.name(), Outbound: lo.name(), Sources: e.gnuBasisSources(id, li, lo)}}}
}
