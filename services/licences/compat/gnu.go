package compat

import "fmt"

// gnuOpt is one way GNU-licensed material may be used: under its own
// licence and version, or under another GNU licence it converts to.
type gnuOpt struct {
	kind  gnuKind
	ver   int
	later bool
	rule  string // the conversion rule, empty for the licence itself
}

// gnuPair decides GNU material into a GNU work from the licences' own
// version and conversion clauses (GPL FAQ #AllCompatibility): "or later"
// reaches later versions (GPL-2.0 §9, GPL-3.0 §14); LGPL-2.x converts to
// GPL-2.0-or-later (LGPL-2.1 §3); LGPL-3.0 is GPL-3.0 plus permissions that
// may be dropped; GPL-3.0 and AGPL-3.0 combine (§13 of each). A work offered
// under "or later" may go out under the later version a part needs.
func (e *Engine) gnuPair(li, lo *lic) *outcome {
	opts := []gnuOpt{{li.gnu, li.ver, li.orLater(), ""}}
	if li.gnu == gnuLGPL {
		if li.ver < 30 {
			opts = append(opts, gnuOpt{gnuGPL, 20, true, "lgpl-to-gpl"})
		} else {
			opts = append(opts, gnuOpt{gnuGPL, 30, li.orLater(), "lgpl3-to-gpl3"})
		}
	}
	for _, o := range opts {
		if ok, narrowed := fitVersion(o, lo, o.kind); ok && o.kind == lo.gnu {
			return e.gnuCompatible(li, lo, o, narrowed, "")
		}
		if crossAGPL(o, lo) {
			return e.gnuCompatible(li, lo, o, false, "gpl3-agpl3-combine")
		}
	}
	if li.gnu == lo.gnu || (li.gnu == gnuLGPL && lo.gnu == gnuGPL) {
		return e.one("gnu-version-mismatch", Incompatible, li, lo,
			fmt.Sprintf("%s and %s are versions with no path between them: %s does not allow the version %s needs, and %s does not allow %s's version.", li.name(), lo.name(), li.name(), lo.name(), lo.name(), li.name()))
	}
	if (li.gnu == gnuAGPL || lo.gnu == gnuAGPL) && (li.gnu == gnuGPL || lo.gnu == gnuGPL) {
		return e.one("gnu-version-mismatch", Incompatible, li, lo,
			fmt.Sprintf("AGPL-3.0 and the GPL combine only at version 3 (§13 of each); %s and %s cannot both be version 3.", li.name(), lo.name()))
	}
	return e.one("gnu-kind-mismatch", Incompatible, li, lo,
		fmt.Sprintf("%s material makes the combined work subject to %s's own terms, so the work cannot be released under %s.", li.name(), gnuNames[li.gnu], lo.name()))
}

func (e *Engine) gnuCompatible(li, lo *lic, o gnuOpt, narrowed bool, cross string) *outcome {
	id, msg := "gnu-same-or-later", fmt.Sprintf("%s material may be used under %s.", li.name(), lo.name())
	switch {
	case cross != "":
		// §13 of each licence permits combining, not relicensing: each part
		// keeps its own licence and AGPL §13 covers the combination, so the
		// answer is CONDITIONAL with that said, not a plain yes.
		var cond string
		if li.gnu == gnuAGPL {
			msg = fmt.Sprintf("GPL-3.0 §13 permits combining %s material with a work under %s and conveying the combination, but it does not relicense it: the %s part keeps its own terms, and AGPL-3.0 §13's network-interaction requirement applies to the combination as such.", li.name(), lo.name(), li.name())
			cond = fmt.Sprintf("the %s part stays under %s, and the whole combined work meets AGPL-3.0 §13: if it is modified, users interacting with it over a network are offered its Corresponding Source", li.name(), li.name())
		} else {
			msg = fmt.Sprintf("AGPL-3.0 §13 permits combining %s material with a work under %s and conveying the combination, but it does not relicense it: the %s part remains governed by version 3 of the GNU GPL, while AGPL-3.0 §13's network-interaction requirement applies to the combination.", li.name(), lo.name(), li.name())
			cond = fmt.Sprintf("the %s part stays under %s; %s covers the rest of the work, and its §13 network-interaction requirement the combination", li.name(), li.name(), lo.name())
		}
		out := e.one(cross, Conditional, li, lo, msg, cond)
		if lo.orLater() && lo.ver < 30 {
			out.versions = atLeast(30, li.name()+" combines with version 3 or later")
		}
		return out
	case o.rule == "lgpl-to-gpl":
		id, msg = o.rule, fmt.Sprintf("%s §3 lets a copy be converted to the GNU GPL version 2 or later, one way, so it may go into a %s work.", li.name(), lo.name())
	case o.rule == "lgpl3-to-gpl3":
		id, msg = o.rule, fmt.Sprintf("%s is GPL-3.0 with additional permissions, which may be removed; the material may go into a %s work.", li.name(), lo.name())
	case narrowed:
		id, msg = "narrow-later", fmt.Sprintf("%s allows later versions, so a work including %s material goes out under the later version that material needs.", lo.name(), li.name())
		out := e.one(id, Compatible, li, lo, msg)
		if o.later {
			out.versions = atLeast(o.ver, li.name()+" needs "+tenths(o.ver)+" or later")
		} else {
			out.versions = exactly(o.ver, li.name()+" needs "+tenths(o.ver)+" only")
		}
		return out
	case o.later && o.ver < lo.ver:
		msg = fmt.Sprintf("%s allows later versions, so the licensee may take version %s.", li.name(), lo.p.Version)
	}
	return e.one(id, Compatible, li, lo, msg)
}

// fitVersion reports whether an option of kind k fits lo's version: equal
// versions, an inbound "or later" reaching lo's version, or an outbound
// "or later" narrowed up to the inbound's version.
func fitVersion(o gnuOpt, lo *lic, k gnuKind) (ok, narrowed bool) {
	if k != lo.gnu {
		return false, false
	}
	switch {
	case o.ver == lo.ver:
		return true, lo.orLater() && !o.later
	case o.later && lo.ver > o.ver:
		return true, false
	case lo.orLater() && o.ver > lo.ver:
		return true, true
	}
	return false, false
}

// crossAGPL reports whether GPL and AGPL material meet at version 3, which
// §13 of each allows.
func crossAGPL(o gnuOpt, lo *lic) bool {
	if !((o.kind == gnuGPL && lo.gnu == gnuAGPL) || (o.kind == gnuAGPL && lo.gnu == gnuGPL)) {
		return false
	}
	v3 := func(ver int, later bool) bool { return ver == 30 || (later && ver < 30) }
	return v3(o.ver, o.later) && v3(lo.ver, lo.orLater())
}
