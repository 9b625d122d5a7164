package compat

import (
	"fmt"

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
	switch {
	case li.kind == kPD || (li.kind == kPermissive && li.p.Restricts == 0):
		return prepend(base, e.reason("exception-adds-permissions", base.verdict, li.name(), lo.name()+" WITH "+x.ID,
			fmt.Sprintf("%s adds permissions to %s; %s material does not stand in their way.", x.ID, lo.name(), li.name())))
	case use == Aggregate || use == NetworkService:
		return base
	case li.kind == kLibrary || li.kind == kStrong || li.kind == kNetwork:
		return &outcome{verdict: Incompatible, reasons: []Reason{e.reason("exception-not-grantable", Incompatible, li.name(), lo.name()+" WITH "+x.ID,
			fmt.Sprintf("A work under %s WITH %s promises recipients permissions that %s does not give for its material.", lo.name(), x.ID, li.name()))}}
	}
	return &outcome{verdict: Unknown, reasons: []Reason{e.reason("exception-not-modelled", Unknown, li.name(), lo.name()+" WITH "+x.ID,
		fmt.Sprintf("Stemma does not model whether %s material fits a work that adds %s.", li.name(), x.ID))}}
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
			return decide("exception-static-link", Compatible, fmt.Sprintf("%s: %s", x.ID, x.Description))
		}
	case profile.EffectOutput:
		if use == Incorporate || use.linking() {
			if x.Condition == "" && use == Incorporate {
				return decide("exception-output", Conditional, fmt.Sprintf("%s: %s", x.ID, x.Description),
					fmt.Sprintf("only the runtime or generated material %s covers is included; changes to %s code itself stay under %s", x.ID, li.name(), li.name()))
			}
			return withCondition("exception-output", fmt.Sprintf("%s: %s", x.ID, x.Description))
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
		if lo.p.Family == x.Named {
			return decide("exception-not-modelled", Unknown,
				fmt.Sprintf("%s concerns exactly %s; Stemma does not model how far it reaches.", x.ID, lo.name()))
		}
		return prepend(base, e.reason("exception-named-library", base.verdict, in, out,
			fmt.Sprintf("%s only permits linking with %s, which is not at issue here.", x.ID, x.Named)))
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
