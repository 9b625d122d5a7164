package compat

import (
	"fmt"
	"strings"

	"github.com/stemma-registry/stemma/services/licences/profile"
)

// withExceptions adjusts the verdict for the two licences (base) to the
// exceptions attached with WITH. SPDX exceptions add permissions; they never
// take any away. So an inbound exception can only improve a verdict, and
// one Stemma does not model leaves a COMPATIBLE verdict standing and
// otherwise makes it UNKNOWN. An outbound exception promises recipients
// permissions that copyleft inbound material does not give.
func (e *Engine) withExceptions(base *outcome, li *lic, inExc *profile.Exception, lo *lic, outExc *profile.Exception, use Use) *outcome {
	o := base
	if outExc != nil && outExc != inExc {
		o = e.outboundException(o, li, lo, outExc, use)
	}
	if inExc != nil && inExc != outExc {
		o = e.inboundException(o, li, inExc, lo, use)
	}
	return o
}

func (e *Engine) outboundException(base *outcome, li, lo *lic, x *profile.Exception, use Use) *outcome {
	out := lo.name() + " WITH " + x.ID
	switch {
	case li.kind == kPD || (li.kind == kPermissive && li.p.Restricts == 0):
		return prepend(base, e.reason("exception-adds-permissions", base.verdict, li.name(), out,
			fmt.Sprintf("%s adds permissions to %s; %s material does not stand in their way.", x.ID, lo.name(), li.name())))
	case use == Aggregate || use == NetworkService:
		return base
	case x.Effect == profile.EffectScope:
		return prepend(base, e.reason("exception-adds-permissions", base.verdict, li.name(), out,
			fmt.Sprintf("%s: %s It does not change the terms on which other material may be combined with %s, so %s decides.", x.ID, x.Description, lo.name(), lo.name())))
	case base.verdict == Incompatible && !(x.Effect == profile.EffectNamedLibrary && namedBy(li, x)):
		// An exception only adds permissions for recipients of the work; it
		// removes none of the outbound licence's conditions. Inbound terms
		// that already conflict with those conditions (a restriction, a
		// version or copyleft mismatch) conflict with them still.
		return prepend(base, e.reason("exception-no-cure", Incompatible, li.name(), out,
			fmt.Sprintf("%s only adds permissions to %s; it takes none of %s's conditions away, so %s material that cannot go into a %s work cannot go into this one either.", x.ID, lo.name(), lo.name(), li.name(), lo.name())))
	case x.Effect == profile.EffectNamedLibrary && namedBy(li, x):
		if use.linking() {
			msg := fmt.Sprintf("%s permits linking the %s program with the %s-licensed library and distributing the linked combination; the library keeps its own licence.", x.ID, lo.name(), li.name())
			if x.Condition != "" {
				// The permission is limited (rsync's: dynamic linking only),
				// and Stemma's uses do not always tell which kind is meant.
				return &outcome{verdict: Conditional, reasons: []Reason{e.reason("exception-named-library", Conditional, li.name(), out, msg)}, conditions: []string{x.Condition}}
			}
			return &outcome{verdict: Compatible, reasons: []Reason{e.reason("exception-named-library", Compatible, li.name(), out, msg)}}
		}
		return prepend(base, e.reason("exception-named-library", base.verdict, li.name(), out,
			fmt.Sprintf("%s permits linking with %s, not copying %s code into the program, so %s decides.", x.ID, li.name(), li.name(), lo.name())))
	case li.kind == kFile:
		// File-scoped copyleft claims only its own files, which others may
		// link or combine as they like, so it does not stand in the way of
		// the permissions the exception promises.
		return prepend(base, e.reason("exception-adds-permissions", base.verdict, li.name(), out,
			fmt.Sprintf("%s adds permissions to %s; %s's copyleft stays with its own files and does not stand in their way.", x.ID, lo.name(), li.name())))
	case li.kind == kLibrary || li.kind == kStrong || li.kind == kNetwork:
		r := e.reason("exception-not-grantable", Incompatible, li.name(), out,
			fmt.Sprintf("A work under %s WITH %s promises recipients permissions that %s does not give for its material.", lo.name(), x.ID, li.name()))
		if use == Training {
			o := &outcome{verdict: Conditional, reasons: []Reason{e.reason("training-unsettled", Conditional, li.name(), out,
				fmt.Sprintf("%s says nothing explicit about training, and whether a trained model is an adaptation of its training material is unsettled; if it is, the model cannot carry %s's added permissions (see the next reason).", li.name(), x.ID)), r}}
			o.conditions = []string{fmt.Sprintf("the model released under %s is not an adaptation of the %s material (unsettled in law); otherwise it cannot be released under %s", out, li.name(), out)}
			return o
		}
		return &outcome{verdict: Incompatible, reasons: []Reason{r}}
	}
	return &outcome{verdict: Unknown, reasons: []Reason{e.reason("exception-not-modelled", Unknown, li.name(), out,
		fmt.Sprintf("Stemma does not model whether %s material fits a work that adds %s.", li.name(), x.ID))}}
}

// namedBy reports whether l is the licence of the program a named-library
// exception names (the OpenSSL exceptions name the OpenSSL toolkit, whose
// licences SPDX spells OpenSSL, OpenSSL-standalone and SSLeay-standalone).
func namedBy(l *lic, x *profile.Exception) bool {
	if l.p.Family == x.Named || strings.HasPrefix(l.p.ID, x.Named+"-") {
		return true
	}
	return x.Named == "OpenSSL" && strings.HasPrefix(l.p.ID, "SSLeay")
}

func (e *Engine) inboundException(base *outcome, li *lic, x *profile.Exception, lo *lic, use Use) *outcome {
	in, out := li.name()+" WITH "+x.ID, lo.name()
	decide := func(id string, v Verdict, msg string, conds ...string) *outcome {
		o := &outcome{verdict: v, reasons: []Reason{e.reason(id, v, in, out, msg)}}
		if v == Conditional {
			o.conditions = conds
		}
		return o
	}
	withCondition := func(id, msg string) *outcome {
		if x.Condition != "" {
			return decide(id, Conditional, msg, x.Condition)
		}
		return decide(id, Compatible, msg)
	}
	if base.verdict == Compatible {
		return prepend(base, e.reason("exception-adds-permissions", Compatible, in, out,
			fmt.Sprintf("%s only adds permissions, and %s already allows this use.", x.ID, li.name())))
	}
	switch x.Effect {
	case profile.EffectLinkAny:
		if use.linking() {
			return withCondition("exception-link", fmt.Sprintf("%s: %s", x.ID, x.Description))
		}
	case profile.EffectStaticLink:
		if use.linking() {
			// A waiver that holds only on a condition (polyparse: the
			// original, unmodified library) answers CONDITIONAL on it.
			return withCondition("exception-static-link", fmt.Sprintf("%s: %s", x.ID, x.Description))
		}
	case profile.EffectOutput:
		if use == Incorporate || use.linking() {
			if x.Condition == "" && use == Incorporate {
				return decide("exception-output", Conditional, fmt.Sprintf("%s: %s", x.ID, x.Description),
					fmt.Sprintf("only the runtime or generated material %s covers is included; changes to %s code itself stay under %s", x.ID, li.name(), li.name()))
			}
			return withCondition("exception-output", fmt.Sprintf("%s: %s", x.ID, x.Description))
		}
	case profile.EffectTargetCode:
		if use.linking() {
			return withCondition("exception-target-code", fmt.Sprintf("%s: %s", x.ID, x.Description))
		}
		if use == Incorporate {
			// The exception frees what compiling and linking produce, not
			// the runtime's source: copied into a work, that source is
			// still under the base licence, so the base verdict stands.
			return prepend(base, e.reason("exception-target-code", base.verdict, in, out,
				fmt.Sprintf("%s covers only the compiled output combined with the runtime (Target Code, which excludes source and compiler intermediate forms), not the runtime's source; incorporated as source, the %s code stays under %s, so %s decides.", x.ID, li.name(), li.name(), li.name())))
		}
	case profile.EffectSyscall:
		if use.linking() {
			return decide("exception-syscall", Compatible, fmt.Sprintf("%s: %s", x.ID, x.Description))
		}
		if use == Incorporate {
			return decide("exception-syscall", Conditional, fmt.Sprintf("%s: %s", x.ID, x.Description), x.Condition)
		}
	case profile.EffectLLVM:
		if (use == Incorporate || use.linking()) && lo.gnu != notGNU && lo.ver < 30 && li.p.GPL == profile.GPLv3Only {
			return decide("exception-llvm", Conditional, fmt.Sprintf("%s: %s", x.ID, x.Description), x.Condition)
		}
	case profile.EffectLinkFOSS:
		if use.linking() && lo.kind != kUnmodelled && (lo.p.OSIApproved || lo.p.FSFLibre) {
			return decide("exception-foss", Compatible, fmt.Sprintf("%s: %s %s is OSI- or FSF-approved.", x.ID, x.Description, lo.name()))
		}
	case profile.EffectNamedLibrary:
		if namedBy(lo, x) {
			return prepend(base, e.reason("exception-named-library", base.verdict, in, out,
				fmt.Sprintf("%s permits linking %s with the %s library; it does not let %s material itself go out under %s, so %s decides.", x.ID, li.name(), x.Named, li.name(), lo.name(), li.name())))
		}
		return prepend(base, e.reason("exception-named-library", base.verdict, in, out,
			fmt.Sprintf("%s only permits linking with %s, which is not at issue here.", x.ID, x.Named)))
	case profile.EffectHeader:
		if use.linking() || use == Incorporate {
			// Only header material inlined into object code is freed; the
			// library linked in, or its source copied, keeps the base
			// licence's terms (LGPL-2.1 §6 for the Qt texts).
			return prepend(base, e.reason("exception-header", base.verdict, in, out,
				fmt.Sprintf("%s: %s Linking or copying the library itself stays under %s, so %s decides.", x.ID, x.Description, li.name(), li.name())))
		}
	case profile.EffectNone:
		return decide("exception-not-modelled", Unknown,
			fmt.Sprintf("%s is not modelled; it may permit what %s alone does not, so Stemma does not guess.", x.ID, li.name()))
	}
	return prepend(base, e.reason("exception-adds-permissions", base.verdict, in, out,
		fmt.Sprintf("%s does not change this use, so %s decides.", x.ID, li.name())))
}

func prepend(o *outcome, r Reason) *outcome {
	c := *o
	c.reasons = append([]Reason{r}, o.reasons...)
	return &c
}
