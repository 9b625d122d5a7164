package compat

import (
	"strconv"
	"strings"

	"github.com/stemma-registry/stemma/services/licences/profile"
)

// kind is the engine's class of a licence, derived from its profile.
type kind int

const (
	kUnmodelled kind = iota
	kPD
	kPermissive
	kFile       // copyleft limited to the files (MPL, EPL, CDDL, OFL)
	kLibrary    // copyleft limited to the library (LGPL)
	kStrong     // copyleft over the whole work (GPL, CeCILL, OSL-1.x)
	kNetwork    // strong copyleft that also reaches network use (AGPL, EUPL)
	kShareAlike // share-alike for content and data (CC BY-SA, ODbL, GFDL)
	kNC         // non-commercial only
	kND         // no adaptations
	kRestricted // source-available or field-of-use limited
	kModel      // an AI model licence outside the SPDX list (profile.ModelTerms)
)

// gnuKind names the GNU licence families whose version rules the engine
// models itself (GPL FAQ #AllCompatibility).
type gnuKind int

const (
	notGNU gnuKind = iota
	gnuGPL
	gnuLGPL
	gnuAGPL
)

var gnuNames = [...]string{"", "GPL", "LGPL", "AGPL"}

// ccInfo is a Creative Commons licence's elements.
type ccInfo struct {
	ok         bool
	by, sa, nc bool
	nd         bool
	version    int // 10, 20, 25, 30, 40
	port       string
}

// lic is one licence as the engine sees it.
type lic struct {
	idx  int
	p    *profile.Profile
	kind kind
	gnu  gnuKind
	ver  int    // the version times ten (21 for 2.1), 0 when not versioned
	base string // the id without "-only"/"-or-later": equal bases are the same licence
	cc   ccInfo
	ref  bool // a LicenseRef-/DocumentRef- outbound, judged like an unmodelled licence
}

func newLic(i int, p *profile.Profile) lic {
	l := lic{idx: i, p: p, base: baseID(p.ID), ver: versionNumber(p.Version)}
	if p.Deprecated && p.ReplacedBy != "" {
		// The parser replaces deprecated identifiers; a hand-built term that
		// still names one is judged through its replacement's base.
		l.base = baseID(strings.SplitN(p.ReplacedBy, " WITH ", 2)[0])
	}
	if !p.Modelled {
		return l
	}
	if p.Model != nil {
		// Its versions are separate agreements, not "or later" steps.
		l.kind, l.ver = kModel, 0
		return l
	}
	switch p.Category {
	case profile.PublicDomain:
		l.kind = kPD
	case profile.Permissive:
		l.kind = kPermissive
	case profile.WeakCopyleftFile:
		l.kind = kFile
	case profile.WeakCopyleftLibrary:
		l.kind = kLibrary
	case profile.StrongCopyleft:
		l.kind = kStrong
	case profile.NetworkCopyleft:
		l.kind = kNetwork
	case profile.ShareAlike:
		l.kind = kShareAlike
	case profile.NonCommercial:
		l.kind = kNC
	case profile.NoDerivatives:
		l.kind = kND
	case profile.ProprietaryOrUnknown:
		l.kind = kRestricted
	}
	switch p.Family {
	case "GPL":
		l.gnu = gnuGPL
	case "LGPL":
		l.gnu = gnuLGPL
	case "AGPL":
		l.gnu = gnuAGPL
	}
	if strings.HasPrefix(p.Family, "CC-") && p.Family != "CC-PDM" {
		f := p.Family
		l.cc = ccInfo{
			ok:      true,
			by:      strings.Contains(f, "BY"),
			sa:      strings.HasSuffix(f, "-SA"),
			nc:      strings.Contains(f, "-NC"),
			nd:      strings.HasSuffix(f, "-ND"),
			version: l.ver,
			port:    p.Port,
		}
	}
	return l
}

// wholeWork reports whether the licence, as the outbound licence, asks the
// whole combined work to be under its terms for this use, so that inbound
// terms that must travel with their part cannot sit inside it.
func (l *lic) wholeWork(use Use) bool {
	switch l.kind {
	case kStrong, kNetwork:
		// Copyleft without a same-licence obligation (Sleepycat) asks for
		// source, not for its own terms over the whole work.
		return l.sameLicence()
	case kShareAlike:
		return true
	case kLibrary:
		return use == Incorporate || use == Training || l.gnu != notGNU
	}
	return false
}

// name returns the licence id.
func (l *lic) name() string { return l.p.ID }

// orLater reports whether the licence itself is an "-or-later" identifier.
func (l *lic) orLater() bool { return l.p.OrLater }

// nonCommercial reports whether the licence limits use to non-commercial
// purposes. The rules test this flag, not the kind: a licence carries every
// restriction its profile lists (CC BY-NC-ND is classed no-derivatives, yet
// its non-commercial term binds every use, aggregation and training
// included).
func (l *lic) nonCommercial() bool {
	return l.kind != kUnmodelled && l.p.Restricts.Has(profile.NoncommercialUse)
}

// noDerivatives reports whether the licence forbids sharing adaptations,
// whatever its kind.
func (l *lic) noDerivatives() bool {
	return l.kind != kUnmodelled && l.p.Restricts.Has(profile.NoAdaptations)
}

// sameLicence reports whether the licence's text asks works based on the
// material to carry the licence itself. Strong copyleft is classed by
// category, but a licence such as Sleepycat asks only for source under
// redistributable terms, and a source-available licence such as BUSL-1.1
// does claim derivative works; the obligation, not the class, decides.
func (l *lic) sameLicence() bool {
	return l.kind != kUnmodelled && l.p.Has(profile.SameLicence)
}

func baseID(id string) string {
	for _, s := range []string{"-or-later", "-only", "+"} {
		if strings.HasSuffix(id, s) {
			return strings.TrimSuffix(id, s)
		}
	}
	return id
}

// versionNumber turns "2.1" into 21 and "4.0" into 40; other forms give 0.
func versionNumber(v string) int {
	major, minor, ok := strings.Cut(v, ".")
	if !ok || strings.Contains(minor, ".") {
		return 0
	}
	a, err1 := strconv.Atoi(major)
	b, err2 := strconv.Atoi(minor)
	if err1 != nil || err2 != nil || b > 9 {
		return 0
	}
	return a*10 + b
}

// laterVersions finds, for each modelled licence, the modelled licences of
// the same family and variant with a higher version: what a "+" term may be
// used under. GNU families are left out: their "-or-later" rules are
// modelled in gnu.go. Creative Commons ports are left out: "+" on a ported
// licence is not a later version of it.
func laterVersions(ls []lic) [][]int {
	out := make([][]int, len(ls))
	type variant struct{ family, shape string }
	groups := make(map[variant][]int)
	for i := range ls {
		l := &ls[i]
		if l.kind == kUnmodelled || l.gnu != notGNU || l.ver == 0 || l.p.Deprecated || l.p.Port != "" {
			continue
		}
		v := variant{l.p.Family, strings.Replace(l.base, l.p.Version, "{v}", 1)}
		groups[v] = append(groups[v], i)
	}
	for _, members := range groups {
		for _, i := range members {
			for _, j := range members {
				if ls[j].ver > ls[i].ver {
					out[i] = append(out[i], j)
				}
			}
		}
	}
	return out
}

// defaultLater lists the families whose text lets a recipient use the
// material under a later version of the licence even when the notice does
// not say "or later": MPL-1.1 §6.2, MPL-2.0 §10.2, EPL-1.0 §7, EPL-2.0 §7,
// CDDL-1.0 §4.1, EUPL-1.2 Art. 5, CeCILL-2.x §12.3.
var defaultLater = map[string]bool{"MPL": true, "EPL": true, "CDDL": true, "EUPL": true, "CECILL": true}

// mplUpgrade makes MPL 1.x material reach MPL-2.0 only as "Incompatible
// With Secondary Licenses" (MPL-2.0 §1.5(b)): upgraded MPL 1.1 code does not
// gain the path to the GNU licences.
func (e *Engine) mplUpgrade() {
	target, ok1 := e.byID["MPL-2.0"]
	noSecondary, ok2 := e.byID["MPL-2.0-no-copyleft-exception"]
	if !ok1 || !ok2 {
		return
	}
	for _, id := range []string{"MPL-1.0", "MPL-1.1"} {
		i, ok := e.byID[id]
		if !ok {
			continue
		}
		for k, j := range e.later[i] {
			if j == target {
				e.later[i][k] = noSecondary
			}
		}
	}
}
