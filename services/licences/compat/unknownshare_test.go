package compat

import (
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/profile"
)

// maxUnknownShare is the share of listed licence ids allowed to answer
// UNKNOWN against some modelled outbound for incorporation: issue 13's goal.
// It was 64.1 % before every licence was reviewed from its text and 1.9 %
// after; docs/licences.md lists the residual ids with the reason each stays
// UNKNOWN.
const maxUnknownShare = 0.02

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
	var residual []string
	for _, in := range ins {
		hit := ""
		for _, out := range outs {
			r := testEngine.Check(in, out, Incorporate)
			if r.Verdict == Unknown {
				pairs++
				if hit == "" && len(r.Reasons) > 0 {
					hit = r.Reasons[0].Rule + " against " + out.String()
				}
			}
		}
		if hit != "" {
			ids++
			residual = append(residual, in.String()+" ("+hit+")")
		}
	}
	// The residual list is what docs/licences.md explains id by id.
	t.Logf("answering UNKNOWN: %s", strings.Join(residual, ", "))
	idShare := float64(ids) / float64(len(ins))
	t.Logf("%d of %d listed ids (%.1f %%) answer UNKNOWN against some of %d modelled outbounds; %.1f %% of %d pairs",
		ids, len(ins), 100*idShare, len(outs), 100*float64(pairs)/float64(len(ins)*len(outs)), len(ins)*len(outs))
	if idShare > maxUnknownShare {
		t.Errorf("%.1f %% of listed ids answer UNKNOWN, more than the %.0f %% bound", 100*idShare, 100*maxUnknownShare)
	}
}
