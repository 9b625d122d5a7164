package compat

import "fmt"

// ccPair decides Creative Commons material into a Creative Commons work
// from the adapter's licence chart and the ShareAlike clauses: BY may be
// adapted under any CC licence; BY-NC only under an NC licence; BY-SA and
// BY-NC-SA only under the same elements at the same or a later version (or
// a port of the same version), except 1.0, which names only itself; ND
// material may not be adapted at all.
func (e *Engine) ccPair(li, lo *lic) *outcome {
	a, b := li.cc, lo.cc
	switch {
	case a.nd:
		return e.one("cc-nd-no-adaptation", Incompatible, li, lo, fmt.Sprintf("%s does not allow adaptations to be shared.", li.name()))
	case a.sa:
		if !b.sa || a.nc != b.nc || a.by != b.by {
			return e.one("cc-sharealike-same", Incompatible, li, lo,
				fmt.Sprintf("%s requires adaptations under a licence with the same elements; %s has different ones.", li.name(), lo.name()))
		}
		switch {
		case a.version == 10:
			return e.one("cc-sharealike-version", Incompatible, li, lo,
				fmt.Sprintf("%s (version 1.0) allows adaptations only under itself, not later versions or ports.", li.name()))
		case b.version > a.version:
			return e.one("cc-sharealike-version", Compatible, li, lo,
				fmt.Sprintf("%s allows adaptations under a later version with the same elements, such as %s.", li.name(), lo.name()))
		case b.version == a.version:
			return e.one("cc-sharealike-version", Compatible, li, lo,
				fmt.Sprintf("%s allows adaptations under a jurisdiction port of the same version with the same elements, such as %s.", li.name(), lo.name()))
		}
		return e.one("cc-sharealike-version", Incompatible, li, lo,
			fmt.Sprintf("%s cannot go back to the earlier version %s.", li.name(), lo.name()))
	case a.nc:
		if b.nc {
			return e.one("cc-adapter-licence", Compatible, li, lo,
				fmt.Sprintf("Creative Commons' adapter's licence chart lets %s material be adapted under %s, which keeps NonCommercial.", li.name(), lo.name()))
		}
		return e.one("cc-nc-kept", Incompatible, li, lo,
			fmt.Sprintf("%s material may be adapted only under a NonCommercial licence; %s is not one.", li.name(), lo.name()))
	}
	return e.one("cc-adapter-licence", Compatible, li, lo,
		fmt.Sprintf("Creative Commons' adapter's licence chart lets %s material be adapted under any CC licence, here %s, with attribution kept.", li.name(), lo.name()))
}
