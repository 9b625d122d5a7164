package compat

import (
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/licences/expression"
)

// TestModelLicenceConditions checks that the AI model licences' terms reach
// verdicts as conditions and reasons: the attribution, naming, notice,
// user-threshold and use-policy terms of the Llama agreements, and the use
// restrictions the OpenRAIL licences and Gemma pass downstream.
func TestModelLicenceConditions(t *testing.T) {
	tests := []struct {
		in, out string
		use     Use
		verdict Verdict
		conds   []string // each must be in some condition
		reason  []string // each must be in some reason's message
		cites   string   // a URL some reason cites
	}{
		{in: "LicenseRef-Llama-3.1", out: "LicenseRef-Llama-3.1", verdict: Conditional,
			conds: []string{"copy of the Llama 3.1 Community License Agreement", "“Built with Llama”", "name beginning with “Llama”", "Llama 3.1 is licensed under the Llama 3.1 Community License", "700 million monthly active users", "Acceptable Use Policy"},
			cites: "https://github.com/meta-llama/llama-models/blob/main/models/llama3_1/LICENSE"},
		{in: "LicenseRef-Llama-3.1", out: "Apache-2.0", verdict: Incompatible,
			reason: []string{"copy of the agreement (§1.b.i(A))", "Apache-2.0 alone would not carry them", "Apache-2.0 AND LicenseRef-Llama-3.1"}},
		{in: "LicenseRef-Llama-3.2", out: "LicenseRef-Llama-3.2", verdict: Conditional, conds: []string{"European Union"}},
		{in: "LicenseRef-Llama-3", out: "LicenseRef-Llama-3", verdict: Conditional, conds: []string{"“Built with Meta Llama 3”", "beginning with “Llama 3”", "improve any other large language model"}},
		{in: "LicenseRef-Llama-2", out: "Apache-2.0", use: Training, verdict: Incompatible, reason: []string{"§1.b.v"}},
		{in: "LicenseRef-Llama-3.1", out: "Apache-2.0", use: Training, verdict: Conditional,
			conds: []string{"not a derivative work", "name beginning with “Llama”", "Acceptable Use Policy"}},
		{in: "LicenseRef-Llama-3.1", out: "MIT", use: NetworkService, verdict: Conditional, conds: []string{"Built with Llama", "700 million"}},
		{in: "LicenseRef-Llama-2", out: "MIT", use: NetworkService, verdict: Conditional, conds: []string{"700 million"}},
		{in: "LicenseRef-CreativeML-OpenRAIL-M", out: "Apache-2.0", use: NetworkService, verdict: Conditional, conds: []string{"enforceable provision", "copy of the CreativeML Open RAIL-M License", "Attachment A"}},
		{in: "LicenseRef-Gemma", out: "LicenseRef-Gemma", verdict: Conditional,
			conds: []string{"Gemma Prohibited Use Policy", "Gemma is provided under and subject to the Gemma Terms of Use"}, cites: "https://ai.google.dev/gemma/terms"},
		{in: "LicenseRef-CreativeML-OpenRAIL-M", out: "Apache-2.0", verdict: Incompatible, reason: []string{"use restrictions", "(§4(a))"}},
		{in: "LicenseRef-CreativeML-OpenRAIL-M", out: "LicenseRef-OpenRAILpp-M", verdict: Conditional,
			conds: []string{"LicenseRef-OpenRAILpp-M terms of the derivative also include LicenseRef-CreativeML-OpenRAIL-M's use restrictions", "Attachment A", "latest version"}},
		{in: "LicenseRef-CreativeML-OpenRAIL-M", out: "Apache-2.0 AND LicenseRef-CreativeML-OpenRAIL-M", verdict: Conditional, conds: []string{"enforceable provision"}},
		{in: "LicenseRef-BigCode-OpenRAIL-M-1.0", out: "Apache-2.0", use: Training, verdict: Incompatible, reason: []string{"derivative"}},
	}
	for _, tt := range tests {
		t.Run(tt.in+" → "+tt.out+" "+tt.use.normal().String(), func(t *testing.T) {
			r := testEngine.Check(mustParse(t, tt.in), mustParse(t, tt.out), tt.use)
			if r.Verdict != tt.verdict {
				t.Fatalf("verdict %s, want %s\n%s", r.Verdict, tt.verdict, describe(r))
			}
			checkResult(t, testEngine, r)
			for _, c := range tt.conds {
				if !anyContains(r.Conditions, c) {
					t.Errorf("no condition mentions %q\n%s", c, describe(r))
				}
			}
			var msgs []string
			cited := false
			for _, x := range r.Reasons {
				msgs = append(msgs, x.Message)
				for _, s := range x.Sources {
					cited = cited || s.URL == tt.cites
				}
			}
			for _, m := range tt.reason {
				if !anyContains(msgs, m) {
					t.Errorf("no reason says %q\n%s", m, describe(r))
				}
			}
			if tt.cites != "" && !cited {
				t.Errorf("no reason cites %s\n%s", tt.cites, describe(r))
			}
		})
	}
}

// TestModelLicenceRefsOnly checks that only the LicenseRef- ids of
// profile/data/refs.tsv are modelled: another LicenseRef-, or a modelled
// one with an exception, stays unknown.
func TestModelLicenceRefsOnly(t *testing.T) {
	for _, in := range []string{"LicenseRef-Llama-4", "LicenseRef-llama-3.1 WITH Classpath-exception-2.0", "DocumentRef-x:LicenseRef-Llama-3.1"} {
		r := testEngine.Check(mustParse(t, in), mustParse(t, "MIT"), Incorporate)
		if r.Verdict != Unknown || !strings.Contains(r.Reasons[0].Rule, "ref-unknown") {
			t.Errorf("%s → MIT: %s, want UNKNOWN (ref-unknown)\n%s", in, r.Verdict, describe(r))
		}
	}
	// Identifiers are matched ignoring case, as SPDX ids are.
	if r := testEngine.Check(mustParse(t, "licenseref-LLAMA-3.1"), mustParse(t, "LicenseRef-Llama-3.1"), Incorporate); r.Verdict != Conditional {
		t.Errorf("case-folded Llama id: %s\n%s", r.Verdict, describe(r))
	}
}

// TestModelLicenceSuggest checks that the only outbound licence suggested
// for a work adapting a Llama 3.1 model and CC-BY-4.0 material is the Llama
// 3.1 licence, with its conditions, and that works using no model licence
// are not offered one.
func TestModelLicenceSuggest(t *testing.T) {
	got, blocking := testEngine.Suggest([]expression.Expr{mustParse(t, "LicenseRef-Llama-3.1"), mustParse(t, "CC-BY-4.0")}, Incorporate, nil, 0)
	if len(blocking) != 0 || len(got) != 1 || got[0].Licence != "LicenseRef-Llama-3.1" || got[0].Verdict != Conditional {
		var ids []string
		for _, s := range got {
			ids = append(ids, s.Licence+" "+s.Verdict.String())
		}
		t.Errorf("suggestions for a Llama 3.1 fine-tune with CC-BY-4.0 material: %v, blocking %v", ids, blocking)
	}
	got, _ = testEngine.Suggest([]expression.Expr{mustParse(t, "MIT")}, Incorporate, nil, 0)
	for _, s := range got {
		if strings.HasPrefix(s.Licence, "LicenseRef-") {
			t.Errorf("MIT material offered %s", s.Licence)
		}
	}
}
