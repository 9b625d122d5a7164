package compat

import (
	"testing"

	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/profile"
)

// maxUnknownShare is the share of listed licence ids allowed to answer
// UNKNOWN against some modelled outbound for incorporation. Issue 13's goal
// is 0.02; the bound is the figure measured when the test was written, so
// that it can only move down as licences are modelled.
const maxUnknownShare = 0.65

// TestUnknownShare measures, over the full square (every listed licence id
// as inbound against every modelled id as outbound, USE_INCORPORATE), the
// share of inbound ids that answer UNKNOWN at least once, and the share of
// pairs that do. docs/licences.md quotes the figures (go test -run
// TestUnknownShare -v ./licences/compat/).
func TestUnknownShare(t *testing.T) {
	cat := profile.Default()
	var ins, outs []expression.Expr
	for _, p := range cat.Licences() {
		x := mustParse(t, p.ID)
		ins = append(ins, x)
		if p.Modelled {
			outs = append(outs, x)
		}
	}
	ids, pairs := 0, 0
	for _, in := range ins {
		hit := false
		for _, out := range outs {
			if testEngine.Check(in, out, Incorporate).Verdict == Unknown {
				pairs++
				hit = true
			}
		}
		if hit {
			ids++
		}
	}
	idShare := float64(ids) / float64(len(ins))
	t.Logf("%d of %d listed ids (%.1f %%) answer UNKNOWN against some of %d modelled outbounds; %.1f %% of %d pairs",
		ids, len(ins), 100*idShare, len(outs), 100*float64(pairs)/float64(len(ins)*len(outs)), len(ins)*len(outs))
	if idShare > maxUnknownShare {
		t.Errorf("%.1f %% of listed ids answer UNKNOWN, more than the %.0f %% bound", 100*idShare, 100*maxUnknownShare)
	}
}
