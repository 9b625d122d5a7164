package compat

import (
	"fmt"
	"strings"

	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/profile"
)

// termPair decides one inbound term against one outbound term: references,
// exceptions and "+" first, then the licences themselves.
func (e *Engine) termPair(in, out *expression.Term, use Use) *outcome {
	if e.unknownRef(in) || (out.IsRef() && out.Exception != "") {
		ref := in
		if !e.unknownRef(in) {
			ref = out
		}
		return &outcome{verdict: Unknown, reasons: []Reason{e.reason("ref-unknown", Unknown, in.String(), out.String(),
			fmt.Sprintf("%s is a licence outside the SPDX list; Stemma cannot know its terms.", ref))}}
	}
	in = e.resolve(in)
	li := e.licOf(in)
	var lo *lic
	if e.unknownRef(out) {
		// Terms outside the SPDX list are unknown, but where the outbound
		// licence does not reach the inbound material (aggregation, a
		// network service) or the inbound carries no conditions, the
		// inbound's own terms still decide, as for an unmodelled licence.
		lo = &lic{idx: -1, p: &profile.Profile{ID: out.String()}, ref: true}
	} else {
		out = e.resolve(out)
		lo = e.licOf(out)
	}
	if li == nil || lo == nil {
		return &outcome{verdict: Unknown, reasons: []Reason{e.reason("not-modelled", Unknown, in.String(), out.String(),
			"The expression names an identifier that is not on the SPDX licence list.")}}
	}
	li, lo = e.upgrade(li, in.OrLater), e.upgrade(lo, out.OrLater)
	var inExc, outExc *profile.Exception
	if in.Exception != "" {
		x, ok := e.cat.Exception(in.Exception)
		if !ok {
			return e.unknownException(in, out, in.Exception)
		}
		inExc = x
	}
	if out.Exception != "" {
		x, ok := e.cat.Exception(out.Exception)
		if !ok {
			return e.unknownException(in, out, out.Exception)
		}
		outExc = x
	}
	inPlus := (in.OrLater || li.orLater() || defaultLater[li.p.Family]) && li.gnu == notGNU
	outPlus := (out.OrLater || lo.orLater()) && lo.gnu == notGNU && lo.idx >= 0
	base := e.versions(li, inPlus, lo, outPlus, use)
	if inExc == nil && outExc == nil {
		return base
	}
	if inExc == outExc && li.base == lo.base {
		return base
	}
	return e.withExceptions(base, li, inExc, lo, outExc, use)
}

// resolve replaces a deprecated identifier by its SPDX replacement, with the
// exception the replacement names (GPL-2.0-with-classpath-exception is
// GPL-2.0-only WITH Classpath-exception-2.0). The parser already does this;
// hand-built terms may not have.
func (e *Engine) resolve(t *expression.Term) *expression.Term {
	l := e.licOf(t)
	if l == nil || !l.p.Deprecated || l.p.ReplacedBy == "" {
		return t
	}
	id, exc, _ := strings.Cut(l.p.ReplacedBy, " WITH ")
	r := *t
	r.ID = id
	if exc != "" && r.Exception == "" {
		r.Exception = exc
	}
	if strings.HasSuffix(id, "-or-later") {
		r.OrLater = false
	}
	return &r
}

func (e *Engine) unknownException(in, out *expression.Term, id string) *outcome {
	return &outcome{verdict: Unknown, reasons: []Reason{e.reason("exception-not-modelled", Unknown, in.String(), out.String(),
		fmt.Sprintf("%s is not on the SPDX exception list; Stemma cannot know what it permits.", id))}}
}

// upgrade turns a GNU "-only" licence written with "+" into its
// "-or-later" identifier; the parser already does this, hand-built terms
// may not.
func (e *Engine) upgrade(l *lic, plus bool) *lic {
	if !plus || l.gnu == notGNU || l.orLater() {
		return l
	}
	if i, ok := e.byID[l.base+"-or-later"]; ok {
		return &e.lics[i]
	}
	return l
}

// versions applies a non-GNU "+": the inbound may be used under any later
// version of its licence (the best answer wins), and an outbound offered
// under later versions may be narrowed to the one that allows the use.
func (e *Engine) versions(li *lic, inPlus bool, lo *lic, outPlus bool, use Use) *outcome {
	if !inPlus && !outPlus {
		return e.pair(li, lo, use)
	}
	ins := []*lic{li}
	if inPlus {
		for _, j := range e.later[li.idx] {
			ins = append(ins, &e.lics[j])
		}
	}
	outs := []*lic{lo}
	if outPlus {
		for _, j := range e.later[lo.idx] {
			outs = append(outs, &e.lics[j])
		}
	}
	var opts []*outcome
	for _, a := range ins {
		for _, b := range outs {
			o := e.pair(a, b, use)
			if a != li || b != lo {
				c := *o
				var msg string
				switch {
				case a != li && b != lo:
					msg = fmt.Sprintf("Later versions are allowed on both sides: the %s material is used under %s and the work goes out under %s.", li.name(), a.name(), b.name())
				case a != li && a.p.ID == "MPL-2.0-no-copyleft-exception":
					msg = fmt.Sprintf("%s allows later versions: the material may be used under MPL-2.0, but as Incompatible With Secondary Licenses (MPL-2.0 §1.5(b)).", li.name())
				case a != li:
					msg = fmt.Sprintf("%s allows later versions: the material is used under %s.", li.name(), a.name())
				default:
					msg = fmt.Sprintf("%s allows later versions: the work goes out under %s.", lo.name(), b.name())
				}
				c.reasons = append([]Reason{e.reason("later-version", o.verdict, li.name(), lo.name(), msg)}, o.reasons...)
				o = &c
			}
			opts = append(opts, o)
		}
	}
	return best(opts)
}

// pair decides two plain licences for a use.
func (e *Engine) pair(li, lo *lic, use Use) *outcome {
	if li.kind == kUnmodelled {
		return e.one("not-modelled", Unknown, li, lo, fmt.Sprintf("%s is not modelled: Stemma has not reviewed its terms, so it does not guess.", li.name()))
	}
	if li.kind == kModel {
		return e.model(li, lo, use)
	}
	if li.base == lo.base {
		if o := e.same(li, lo, use); o != nil {
			return o
		}
	}
	switch use {
	case Aggregate:
		return e.aggregate(li, lo)
	case NetworkService:
		// Nothing is distributed, so the outbound licence's version is not
		// narrowed by what the service uses.
		o := e.network(li, lo)
		if o.versions != nil {
			c := *o
			c.versions = nil
			o = &c
		}
		return o
	case Training:
		return e.training(li, lo)
	case LinkStatic, LinkDynamic:
		return e.link(li, lo, use)
	}
	return e.incorporate(li, lo)
}

// same answers for a licence into itself (or another "only"/"or later"
// form of the same version): always allowed, except that a no-derivatives
// licence allows only unmodified inclusion. It returns nil to let the use's
// own rule decide (training under a no-derivatives licence).
func (e *Engine) same(li, lo *lic, use Use) *outcome {
	if li.noDerivatives() {
		switch use {
		case Incorporate, LinkStatic, LinkDynamic:
			return e.one("same-licence-verbatim", Conditional, li, lo,
				fmt.Sprintf("%s forbids sharing adaptations, so even a work under the same licence may only include the material unmodified.", li.name()),
				fmt.Sprintf("the %s material is included unmodified, as part of a collection, not adapted", li.name()))
		case Training:
			return nil
		}
	}
	msg := fmt.Sprintf("Material under %s may be used in a work under %s: the same licence, whose conditions the work already carries.", li.name(), lo.name())
	if lo.orLater() && !li.orLater() && li.p.ID != lo.p.ID && use != Aggregate && use != NetworkService {
		o := e.one("narrow-later", Compatible, li, lo,
			fmt.Sprintf("%s offers later versions too; a work that includes %s material goes out under that version only, as the GPL FAQ's compatibility matrix describes.", lo.name(), li.name()))
		o.versions = exactly(li.ver, li.name()+" needs "+tenths(li.ver)+" only")
		return o
	}
	if li.nonCommercial() {
		msg += " The non-commercial condition stays."
	}
	return e.one("same-licence", Compatible, li, lo, msg)
}

// incorporate decides modification, adaptation or inclusion in one work.
func (e *Engine) incorporate(li, lo *lic) *outcome {
	if g, ok := e.grants[pairKey{li.idx, lo.idx}]; ok {
		return e.grantOutcome(g, li, lo)
	}
	if lo.kind == kUnmodelled {
		if li.kind == kPD {
			return e.one("pd-any", Compatible, li, lo, fmt.Sprintf("%s material carries no conditions and may go into a work under any terms.", li.name()))
		}
		return e.unmodelledOut(li, lo)
	}
	if li.p.ID == "ODbL-1.0" {
		return e.one("odbl-produced-work", Conditional, li, lo,
			"ODbL's share-alike reaches Derivative Databases used publicly (§4.4) but not Produced Works or Collective Databases (§4.5), which may carry other terms.",
			"the ODbL database, and any Derivative Database made from it, stays under ODbL-1.0 and is offered as §4.6 requires",
			"works produced from the database carry the §4.3 notice naming the database and ODbL-1.0")
	}
	if li.cc.ok && lo.cc.ok {
		return e.ccPair(li, lo)
	}
	if li.gnu != notGNU && lo.gnu != notGNU {
		return e.gnuPair(li, lo)
	}
	// Restrictions are flags, and a licence may carry several: no-derivatives
	// decides an adaptation first (it cannot be shared under any terms), then
	// non-commercial, whatever class the licence is filed under.
	if li.noDerivatives() {
		return e.one("nd-no-adaptation", Incompatible, li, lo,
			fmt.Sprintf("%s does not allow adaptations of the material to be shared.", li.name()))
	}
	if li.nonCommercial() {
		if lo.nonCommercial() {
			return e.one("nc-into-other-nc", Conditional, li, lo,
				fmt.Sprintf("Both %s and %s limit use to non-commercial purposes, but neither steward has declared them compatible.", li.name(), lo.name()),
				fmt.Sprintf("the %s material keeps its own licence and notices inside the %s work, and the whole is used non-commercially", li.name(), lo.name()))
		}
		return e.one("nc-kept", Incompatible, li, lo,
			fmt.Sprintf("%s forbids commercial use, and that condition must stay with adaptations; %s allows commercial use.", li.name(), lo.name()))
	}
	if lo.gnu != notGNU {
		switch li.kind {
		case kPD, kPermissive, kFile, kStrong, kNetwork, kShareAlike:
			return e.intoGNU(li, lo)
		}
	}
	switch li.kind {
	case kPD:
		return e.one("pd-any", Compatible, li, lo, fmt.Sprintf("%s material carries no conditions and may go into a work under any terms.", li.name()))
	case kPermissive:
		return e.permissive(li, lo)
	case kFile:
		if lo.wholeWork(Incorporate) {
			if lo.p.Family == "EUPL" {
				return e.euplLargerWork(li, lo)
			}
			return e.one("copyleft-conflict", Incompatible, li, lo,
				fmt.Sprintf("%s keeps its files under %s, while %s asks the whole work to be under %s; neither text nor steward names the other.", li.name(), li.name(), lo.name(), lo.name()))
		}
		return e.one("file-larger-work", Conditional, li, lo,
			fmt.Sprintf("%s's copyleft is limited to its files: a larger work may carry %s while those files keep %s.", li.name(), lo.name(), li.name()),
			fmt.Sprintf("the %s-covered files stay under %s, with their notices, and their source is made available as %s requires", li.name(), li.name(), li.name()))
	case kLibrary:
		return e.one("lgpl-whole-library", Incompatible, li, lo,
			fmt.Sprintf("A modified %s library must be released as a whole under %s (or the GPL), not under %s; linking without modification is a different use.", li.name(), li.name(), lo.name()))
	case kStrong, kNetwork:
		if !li.sameLicence() {
			return e.sourceOnly(li, lo)
		}
		return e.one("copyleft-whole-work", Incompatible, li, lo,
			fmt.Sprintf("%s requires works based on its material to be released under %s or a licence its text names; %s is not one of them.", li.name(), li.name(), lo.name()))
	case kShareAlike:
		return e.one("sharealike-adaptation", Incompatible, li, lo,
			fmt.Sprintf("%s requires adaptations to be shared under %s (or a licence it or its steward declares compatible); %s is not one of them.", li.name(), li.name(), lo.name()))
	case kRestricted:
		if li.sameLicence() {
			return e.one("restricted-derivatives", Incompatible, li, lo,
				fmt.Sprintf("%s is not a free licence (%s), and its text makes derivative works of the material subject to it too; a work based on the material cannot go out under %s.", li.name(), li.p.Restricts, lo.name()))
		}
		if lo.wholeWork(Incorporate) || lo.gnu != notGNU {
			return e.one("restriction-into-copyleft", Incompatible, li, lo,
				fmt.Sprintf("%s limits use (%s), and %s forbids adding such limits to the work it covers.", li.name(), li.p.Restricts, lo.name()))
		}
		return e.one("restricted-travels", Conditional, li, lo,
			fmt.Sprintf("%s is not a free licence (%s): its limits stay with its material inside the %s work.", li.name(), li.p.Restricts, lo.name()),
			fmt.Sprintf("the %s material keeps %s and its use limitations; recipients of the %s work are told", li.name(), li.name(), lo.name()))
	}
	return e.one("no-rule", Unknown, li, lo, fmt.Sprintf("No rule covers %s into %s.", li.name(), lo.name()))
}

// sourceOnly decides copyleft whose text asks for the complete source of
// works that use the material, freely redistributable, but not for the
// licence itself over them (Sleepycat clause 3): the work may carry another
// licence as long as its source is offered so. An outbound that limits
// redistribution (non-commercial, source-available, field of use) cannot
// make that source freely redistributable.
func (e *Engine) sourceOnly(li, lo *lic) *outcome {
	if r := lo.p.Restricts & (profile.NoncommercialUse | profile.SourceAvailable | profile.FieldOfUse); r != 0 {
		return e.one("copyleft-source-only", Incompatible, li, lo,
			fmt.Sprintf("%s asks that the complete source of works using its material be freely redistributable; %s limits that (%s).", li.name(), lo.name(), r))
	}
	return e.one("copyleft-source-only", Conditional, li, lo,
		fmt.Sprintf("%s does not ask works using its material to carry %s: it asks that their complete source accompany them or be offered, freely redistributable under reasonable conditions, which a work under %s can do.", li.name(), li.name(), lo.name()),
		fmt.Sprintf("the complete source of the %s material and of the work that uses it is included or offered for no more than the cost of distribution, freely redistributable under reasonable conditions, with the %s notices kept", li.name(), li.name()))
}

// permissive decides a permissive licence into a non-GNU outbound.
func (e *Engine) permissive(li, lo *lic) *outcome {
	if r := li.p.Restricts & (profile.Advertising | profile.FieldOfUse); r != 0 {
		if lo.wholeWork(Incorporate) {
			return e.one("restriction-into-copyleft", Incompatible, li, lo,
				fmt.Sprintf("%s carries a further restriction (%s), and %s forbids adding restrictions to the work it covers.", li.name(), r, lo.name()))
		}
		return e.one("permissive-restriction-travels", Conditional, li, lo,
			fmt.Sprintf("%s allows use under other terms, but its %s clause stays with its material.", li.name(), r),
			fmt.Sprintf("the %s clause of %s is honoured for the material it covers", r, li.name()))
	}
	if t, ok := modifiedVersionTerms[li.p.ID]; ok {
		if t.sourceLicence && lo.p.Category.Copyleft() && lo.p.Has(profile.DiscloseSource) {
			return e.one("modified-version-terms", Compatible, li, lo,
				fmt.Sprintf("%s %s lets a Modified Version go out under a licence that requires its source, and that of works derived from it, to be made freely available, as %s does; its notices are kept.", li.name(), t.sourceClause, lo.name()))
		}
		return e.one("modified-version-terms", Conditional, li, lo,
			fmt.Sprintf("%s allows its material in a work under other terms, but a modified version may be distributed only on the conditions of %s, which %s does not meet by itself.", li.name(), t.clause, lo.name()),
			t.condition)
	}
	if lo.kind == kPD && (li.p.Has(profile.Attribution) || li.p.Has(profile.Notice)) {
		return e.one("permissive-into-pd", Conditional, li, lo,
			fmt.Sprintf("%s asks for its notices to be kept, which a %s dedication cannot waive for someone else's material.", li.name(), lo.name()),
			fmt.Sprintf("the %s notices stay with the %s material; only your own contributions are dedicated under %s", li.name(), li.name(), lo.name()))
	}
	msg := fmt.Sprintf("%s lets its material be used in a work under other terms, %s, as long as its notices are kept", li.name(), lo.name())
	if li.p.Has(profile.StateChanges) {
		msg += " and changes are marked"
	}
	return e.one("permissive-notices", Compatible, li, lo, msg+".")
}

// intoGNU decides a non-GNU licence into a GNU licence from the inbound's
// GPL compatibility (FSF list, or Stemma's reading noted in the profile).
// The reason cites the statement the inbound's GPL property rests on.
func (e *Engine) intoGNU(li, lo *lic) *outcome {
	fsf := citesFSF(li.p.Sources)
	basis := "per the FSF"
	if li.p.Notes != "" {
		basis += "; " + li.p.Notes
	}
	if !fsf {
		basis = "on Stemma's reading of its text, not an FSF statement: " + li.p.Notes
	}
	basis = strings.TrimSpace(basis)
	v3able := lo.ver >= 30 || lo.orLater()
	switch li.p.GPL {
	case profile.GPLv2AndV3:
		return e.gnuOne("gpl-compat", Compatible, li, lo, fmt.Sprintf("%s is compatible with GPLv2 and GPLv3 (%s), so its material may go into a %s work.", li.name(), basis, lo.name()))
	case profile.GPLv3Only:
		switch {
		case lo.ver >= 30:
			return e.gnuOne("gpl-compat", Compatible, li, lo, fmt.Sprintf("%s is compatible with GPLv3 (%s), and %s is a version-3 licence.", li.name(), basis, lo.name()))
		case v3able:
			o := e.gnuOne("gpl-compat-later", Compatible, li, lo, fmt.Sprintf("%s is compatible with GPLv3 only (%s); %s allows later versions, so the combined work goes out under version 3 or later.", li.name(), basis, lo.name()))
			o.versions = atLeast(30, li.name()+" needs 3.0 or later")
			return o
		}
		return e.gnuOne("gpl-incompatible", Incompatible, li, lo, fmt.Sprintf("%s is compatible with GPLv3 only (%s), and %s does not allow version 3.", li.name(), basis, lo.name()))
	case profile.GPLUnknown:
		return e.gnuOne("gpl-compat-unknown", Unknown, li, lo, fmt.Sprintf("Neither the FSF nor Stemma's review has settled whether %s is GPL-compatible (%s).", li.name(), strings.TrimSpace(li.p.Notes)))
	}
	if li.p.GPL == profile.GPLSecondary {
		return e.one("copyleft-conflict", Incompatible, li, lo,
			fmt.Sprintf("%s reaches the GNU licences only through the Secondary Licenses it names (GPL-2.0, LGPL-2.1, AGPL-3.0 or later versions); %s is not one of them.", li.name(), lo.name()))
	}
	if li.p.Category.Copyleft() {
		why := "no licence text or steward statement makes them compatible"
		if fsf {
			why = fmt.Sprintf("the FSF lists %s as incompatible with the GNU GPL", li.name())
		}
		return e.gnuOne("copyleft-conflict", Incompatible, li, lo,
			fmt.Sprintf("%s and %s each require the combined work under their own terms, and %s.", li.name(), lo.name(), why))
	}
	return e.gnuOne("gpl-incompatible", Incompatible, li, lo, fmt.Sprintf("%s is not compatible with the GNU licences (%s): its terms add restrictions that %s forbids.", li.name(), basis, lo.name()))
}

func citesFSF(ss []Source) bool {
	for _, s := range ss {
		if strings.HasPrefix(s.Title, "FSF") {
			return true
		}
	}
	return false
}

// link decides static or dynamic linking of inbound material into the work.
func (e *Engine) link(li, lo *lic, use Use) *outcome {
	if lo.gnu != notGNU || lo.kind == kUnmodelled {
		return e.incorporate(li, lo)
	}
	if li.p.Family == "EUPL" && !lo.wholeWork(use) {
		if inc := e.incorporate(li, lo); inc.verdict == Compatible {
			return inc
		}
		return e.one("eupl-link", Conditional, li, lo,
			fmt.Sprintf("%s's copyleft reaches Derivative Works, whose extent Art. 1 leaves to the applicable copyright law; the European Commission, its steward, reads linking for interoperability as not making the linking work a Derivative Work, so a work under %s may link the %s library. No court has settled this, and the FSF reads linking as making one combined work.", li.name(), lo.name(), li.name()),
			fmt.Sprintf("the %s library, with any change made to it, stays under %s and its source is provided as Art. 5 requires; the linking work under %s relies on the Commission's reading that linking does not make it a Derivative Work (Art. 1), which depends on the applicable copyright law", li.name(), li.name(), lo.name()))
	}
	switch li.kind {
	case kPermissive:
		if t, ok := modifiedVersionTerms[li.p.ID]; ok && t.linkCondition != "" {
			if inc := e.incorporate(li, lo); inc.verdict == Compatible {
				return inc
			}
			return e.one("modified-version-terms", Conditional, li, lo,
				fmt.Sprintf("%s lets other works link or embed the Package and go out under their own terms (%s), on a condition about its interface.", li.name(), t.linkClause),
				t.linkCondition)
		}
	case kLibrary:
		if use == LinkDynamic {
			return e.one("lgpl-dynamic", Compatible, li, lo,
				fmt.Sprintf("A work that uses the %s library through dynamic linking may carry %s; the library itself stays under %s, with its source offered.", li.name(), lo.name(), li.name()))
		}
		return e.one("lgpl-static", Conditional, li, lo,
			fmt.Sprintf("Static linking with the %s library is allowed in a %s work if users can relink the work with a modified library.", li.name(), lo.name()),
			fmt.Sprintf("the work's object files (or source) are provided so users can relink it with a modified version of the %s library, and the library's source is offered", li.name()))
	case kStrong, kNetwork:
		o := e.incorporate(li, lo)
		if li.gnu == notGNU || o.verdict == Compatible {
			return o
		}
		c := *o
		c.reasons = append([]Reason{e.reason("gpl-link-combined", o.verdict, li.name(), lo.name(),
			fmt.Sprintf("Linking, statically or dynamically, makes one combined work with the %s library, so its copyleft reaches the whole.", li.name()))}, o.reasons...)
		return &c
	case kFile:
		if lo.wholeWork(use) {
			return e.incorporate(li, lo)
		}
		return e.one("file-link", Compatible, li, lo,
			fmt.Sprintf("%s's copyleft stays with its own files: a work linking the library may carry %s, while the library's files keep %s and their source is offered.", li.name(), lo.name(), li.name()))
	}
	return e.incorporate(li, lo)
}

// aggregate decides mere aggregation: separate works side by side, each
// under its own licence, so only the inbound's permission to redistribute
// matters.
func (e *Engine) aggregate(li, lo *lic) *outcome {
	// The non-commercial flag binds a verbatim copy as much as an
	// adaptation, so it is tested before the class (CC BY-NC-ND is filed as
	// no-derivatives).
	if li.nonCommercial() {
		if lo.nonCommercial() {
			return e.one("aggregate-nc", Compatible, li, lo,
				fmt.Sprintf("The %s item keeps its licence, and the %s collection is non-commercial too.", li.name(), lo.name()))
		}
		return e.one("aggregate-nc", Conditional, li, lo,
			fmt.Sprintf("%s allows sharing the item unmodified, but only non-commercially.", li.name()),
			fmt.Sprintf("the collection containing the %s item is distributed only for non-commercial purposes", li.name()))
	}
	switch li.kind {
	case kShareAlike, kND:
		return e.one("aggregate-collection", Compatible, li, lo,
			fmt.Sprintf("Including %s material unmodified in a collection is not an adaptation; the item keeps %s.", li.name(), li.name()))
	case kRestricted:
		return e.one("aggregate-restricted", Conditional, li, lo,
			fmt.Sprintf("%s may be redistributed beside other works, but its limits (%s) stay with it.", li.name(), li.p.Restricts),
			fmt.Sprintf("the %s item keeps its own licence and limitations, and recipients are told", li.name()))
	}
	if li.p.Domain == profile.Content || li.p.Domain == profile.Data {
		return e.one("aggregate-collection", Compatible, li, lo,
			fmt.Sprintf("Placing %s material unmodified beside other works in a collection leaves it under %s.", li.name(), li.name()))
	}
	return e.one("aggregate", Compatible, li, lo,
		fmt.Sprintf("Mere aggregation: a separate %s work distributed beside a %s work keeps its own licence, and neither licence reaches the other.", li.name(), lo.name()))
}

// network decides use in a service offered over a network without
// distributing it.
func (e *Engine) network(li, lo *lic) *outcome {
	switch li.p.Domain {
	case profile.Content, profile.Data, profile.Documentation, profile.Font:
		return e.networkContent(li, lo)
	}
	if li.nonCommercial() {
		return e.one("network-nc", Conditional, li, lo, fmt.Sprintf("%s allows running the software only for non-commercial purposes.", li.name()),
			fmt.Sprintf("the service runs the %s software only for non-commercial purposes", li.name()))
	}
	switch li.kind {
	case kRestricted:
		return e.one("network-restricted", Conditional, li, lo, fmt.Sprintf("%s limits how the software may be run: %s", li.name(), li.p.Notes),
			fmt.Sprintf("the service respects %s's limitations", li.name()))
	}
	if li.p.Restricts.Has(profile.FieldOfUse) {
		return e.one("network-restricted", Conditional, li, lo, fmt.Sprintf("%s limits the purposes the software may be used for.", li.name()),
			fmt.Sprintf("the service respects %s's field-of-use limitation", li.name()))
	}
	if li.kind == kNetwork || li.p.Has(profile.NetworkUse) {
		if lo.kind != kUnmodelled && (lo.kind == kNetwork || lo.p.Has(profile.NetworkUse)) && e.incorporate(li, lo).verdict == Compatible {
			return e.one("network-same", Compatible, li, lo,
				fmt.Sprintf("%s reaches network use, and %s already carries a network-use obligation that the combined work meets.", li.name(), lo.name()))
		}
		return e.one("network-copyleft", Conditional, li, lo, fmt.Sprintf("%s's copyleft reaches use over a network even without distribution.", li.name()), networkCondition(li))
	}
	return e.one("network-no-distribution", Compatible, li, lo,
		fmt.Sprintf("Running %s software in a network service distributes nothing, and %s has no network clause, so its conditions are not triggered.", li.name(), li.name()))
}

// networkContent decides content, data and fonts made available by a
// service: showing the material to the public is sharing it, so its
// conditions for sharing apply, but only to what is shared.
func (e *Engine) networkContent(li, lo *lic) *outcome {
	inc := e.incorporate(li, lo)
	if inc.verdict == Compatible || inc.verdict == Unknown || inc.verdict == Conditional {
		return prepend(inc, e.reason("network-content-share", inc.verdict, li.name(), lo.name(),
			fmt.Sprintf("Making %s material available to the public over a network is sharing it under that licence, so its conditions for sharing apply.", li.name())))
	}
	// Each restriction and sharing condition the licence carries gives its
	// own condition: CC BY-NC-ND material is shown unmodified and by a
	// non-commercial service.
	var conds []string
	switch {
	case li.noDerivatives():
		conds = append(conds, fmt.Sprintf("the %s material is made available unmodified, with its notices", li.name()))
	case li.kind == kShareAlike || li.sameLicence():
		conds = append(conds, fmt.Sprintf("the %s material is made available unmodified, with its notices, or any adaptation of it that is made available is licensed under %s", li.name(), li.name()))
	case li.kind == kFile:
		conds = append(conds, fmt.Sprintf("the %s files are served as separate files under %s, with their notices, not merged into the %s-covered work", li.name(), li.name(), lo.name()))
	}
	if li.nonCommercial() && !lo.nonCommercial() {
		conds = append(conds, fmt.Sprintf("the service that makes the %s material available is non-commercial", li.name()))
	}
	if len(conds) == 0 {
		conds = append(conds, fmt.Sprintf("the %s material is made available under its own terms, which the service keeps", li.name()))
	}
	o := e.one("network-content-share", Conditional, li, lo,
		fmt.Sprintf("Making %s material available over a network is sharing it: it keeps its own licence, and only what the service shares is bound by it.", li.name()), conds...)
	o.reasons = append(o.reasons, inc.reasons...)
	return o
}

func networkCondition(li *lic) string {
	switch {
	case li.gnu == gnuAGPL:
		return fmt.Sprintf("if the %s program is modified, all users interacting with it over the network are offered the Corresponding Source of the whole program under %s (§13)", li.name(), li.name())
	case strings.HasPrefix(li.p.ID, "EUPL"):
		return fmt.Sprintf("giving network access to the work's functionality is Communication: its source, with the %s material, is provided to those users under %s or an Appendix licence (Art. 1, Art. 5)", li.name(), li.name())
	case li.p.ID == "SSPL-1.0":
		return "offering the program's functionality as a service requires making the Service Source Code of the whole service available under SSPL-1.0 (§13)"
	case strings.HasPrefix(li.p.ID, "OSL"):
		return fmt.Sprintf("network use is External Deployment: the source of the derivative work is made available under %s (§5)", li.name())
	}
	return fmt.Sprintf("the source of the service's %s-covered part is made available to its network users as %s requires", li.name(), li.name())
}

// training decides using material to train a model released under the
// outbound licence. No licence Stemma models says whether a model is an
// adaptation of its training material, so only explicit statements give a
// plain answer; otherwise the verdict is conditional on that open question.
func (e *Engine) training(li, lo *lic) *outcome {
	switch li.p.ID {
	case "CDLA-Permissive-2.0":
		return e.one("training-results-free", Compatible, li, lo,
			"CDLA-Permissive-2.0 §3.1 imposes no restriction or obligation on Results, which §5.4 defines to include machine learning models.")
	case "CDLA-Sharing-1.0":
		// The text speaks to results, so the answer is its own, not the
		// unsettled question of whether a model adapts its data; but §1.11
		// bounds Results, so a model that holds more than a trace of the
		// data is not one.
		return e.one("training-results-free", Conditional, li, lo,
			"CDLA-Sharing-1.0 §3.5 imposes no obligations or restrictions on the Use or Publication of Results, the outputs of Computational Use of the data (§1.11, §1.2); a model trained on the data is such an output as long as it holds no more than a de minimis portion of the data.",
			"the model holds no more than a de minimis portion of the CDLA-Sharing-1.0 data (§1.11); any of the data published with it stays under CDLA-Sharing-1.0 (§3.1, §3.3)")
	}
	if lo.kind == kUnmodelled && li.kind != kPD {
		return e.unmodelledOut(li, lo)
	}
	inc := e.incorporate(li, lo)
	if li.nonCommercial() || li.p.Restricts.Has(profile.FieldOfUse) {
		if inc.verdict == Compatible && li.nonCommercial() {
			return e.one("training-nc", Compatible, li, lo,
				fmt.Sprintf("%s forbids commercial use; %s keeps that condition for the model.", li.name(), lo.name()))
		}
		conds := []string{fmt.Sprintf("the training, and any use of the model that relies on the %s licence, respects its limitation (%s)", li.name(), li.p.Restricts)}
		switch {
		case inc.verdict == Compatible:
		case li.noDerivatives():
			conds = append(conds, fmt.Sprintf("the model is not an adaptation of the %s material (unsettled in law), since %s allows no adaptation to be shared under any terms", li.name(), li.name()))
		default:
			conds = append(conds, fmt.Sprintf("the model is not an adaptation of the %s material, or is released under terms that keep the limitation", li.name()))
		}
		return e.one("training-nc", Conditional, li, lo, fmt.Sprintf("%s limits use (%s), and that binds training too.", li.name(), li.p.Restricts), conds...)
	}
	switch inc.verdict {
	case Compatible:
		return e.one("training-licence-allows", Compatible, li, lo,
			fmt.Sprintf("%s would allow even an adaptation of the material under %s, so a model trained on it may be released under %s whatever the model is held to be.", li.name(), lo.name(), lo.name()))
	case Unknown:
		return inc
	}
	o := e.one("training-unsettled", Conditional, li, lo,
		fmt.Sprintf("%s says nothing explicit about training, and whether a trained model is an adaptation of its training material is unsettled; if it is, %s's terms decide (see the next reason).", li.name(), li.name()),
		fmt.Sprintf("the model released under %s is not an adaptation of the %s material (unsettled in law); otherwise the incorporation verdict applies", lo.name(), li.name()))
	o.reasons = append(o.reasons, inc.reasons...)
	return o
}
