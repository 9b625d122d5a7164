package compat

import (
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/licences/profile"
)

// TestRestrictionFlagsBindEveryUse holds issue 19 item 1 for every licence
// whose profile lists both the non-commercial and the no-derivatives
// restriction, whatever category it is filed under: aggregated, served over
// a network or used for training beside a work under a licence that allows
// commercial use, the answer is CONDITIONAL and says non-commercial.
func TestRestrictionFlagsBindEveryUse(t *testing.T) {
	e := testEngine
	n := 0
	for _, p := range e.cat.Licences() {
		if !p.Modelled || !p.Restricts.Has(profile.NoncommercialUse|profile.NoAdaptations) {
			continue
		}
		n++
		for _, out := range []string{"MIT", "Apache-2.0", "GPL-3.0-only"} {
			for _, u := range []Use{Aggregate, NetworkService, Training} {
				r := e.Check(mustParse(t, p.ID), mustParse(t, out), u)
				if r.Verdict != Conditional {
					t.Errorf("%s → %s %s: %s, want conditional\n%s", p.ID, out, u, r.Verdict, describe(r))
					continue
				}
				if !anyContains(r.Conditions, "commercial") {
					t.Errorf("%s → %s %s: no non-commercial condition\n%s", p.ID, out, u, describe(r))
				}
			}
		}
	}
	if n < 2 {
		t.Fatalf("only %d licences carry both restrictions; the catalogue lost CC BY-NC-ND", n)
	}
}

// TestVerdictWording checks what issue 19 asked the answers to say, beyond
// the verdicts testdata/cases.tsv holds: the rule that decides and the
// clause or condition it names.
func TestVerdictWording(t *testing.T) {
	for _, c := range []struct {
		in, out string
		use     Use
		verdict Verdict
		rule    string // the first reason's rule
		cond    []string
		msg     string // a phrase of the first reason's message
	}{
		{"AGPL-3.0-only", "GPL-3.0-only", Incorporate, Conditional, "gpl3-agpl3-combine", []string{"stays under AGPL-3.0-only", "AGPL-3.0 §13"}, "does not relicense"},
		{"AGPL-3.0-only", "GPL-2.0-or-later", Incorporate, Conditional, "gpl3-agpl3-combine", []string{"AGPL-3.0 §13", "goes out under GPL-3.0-or-later"}, ""},
		{"GPL-3.0-only", "AGPL-3.0-only", Incorporate, Conditional, "gpl3-agpl3-combine", []string{"stays under GPL-3.0-only"}, "version 3 of the GNU GPL"},
		{"GPL-3.0-or-later WITH GCC-exception-3.1", "GPL-2.0-only", Incorporate, Incompatible, "exception-target-code", nil, "not the runtime's source"},
		{"GPL-3.0-or-later WITH GCC-exception-3.1", "MIT", Incorporate, Incompatible, "exception-target-code", nil, "GPL-3.0-or-later decides"},
		{"GPL-3.0-or-later WITH GCC-exception-3.1", "GPL-2.0-only", LinkStatic, Conditional, "exception-target-code", []string{"Eligible Compilation Process"}, ""},
		// The Qt header-material exception frees inlined header material
		// only; static linking keeps LGPL-2.1 §6 (its clause (iii)), so the
		// verdict is LGPL-2.1's, not the static-link waiver's COMPATIBLE.
		{"LGPL-2.1-only WITH Qt-LGPL-exception-1.1", "MIT", LinkStatic, testEngine.Check(mustParse(t, "LGPL-2.1-only"), mustParse(t, "MIT"), LinkStatic).Verdict, "exception-header", nil, "LGPL-2.1-only decides"},
		{"BUSL-1.1", "Apache-2.0", Incorporate, Incompatible, "restricted-derivatives", nil, "derivative works"},
		{"Sleepycat", "MIT", Incorporate, Conditional, "copyleft-source-only", []string{"freely redistributable"}, "does not ask"},
		{"CDLA-Sharing-1.0", "MIT", Training, Conditional, "training-results-free", []string{"de minimis"}, "§3.5"},
	} {
		r := testEngine.Check(mustParse(t, c.in), mustParse(t, c.out), c.use)
		name := c.in + " → " + c.out + " " + c.use.String()
		if r.Verdict != c.verdict || len(r.Reasons) == 0 || r.Reasons[0].Rule != c.rule {
			t.Errorf("%s: %s, want %s by %s\n%s", name, r.Verdict, c.verdict, c.rule, describe(r))
			continue
		}
		for _, want := range c.cond {
			if !anyContains(r.Conditions, want) {
				t.Errorf("%s: no condition says %q\n%s", name, want, describe(r))
			}
		}
		if !strings.Contains(r.Reasons[0].Message, c.msg) {
			t.Errorf("%s: reason does not say %q\n%s", name, c.msg, describe(r))
		}
		if strings.Contains(r.Reasons[0].Message, "nothing explicit") {
			t.Errorf("%s: reason still says the licence is silent\n%s", name, describe(r))
		}
	}
}

func anyContains(xs []string, s string) bool {
	for _, x := range xs {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}
