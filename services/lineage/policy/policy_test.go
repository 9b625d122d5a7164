package policy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/lineage/policy"
)

const example = `id: no-strong-copyleft
deny:
  categories: [strong-copyleft, network-copyleft]
review:
  unknown: true
`

var facts = map[string]policy.Facts{
	"MIT":               {Known: true, Category: "PERMISSIVE", Obligations: []string{"OBLIGATION_NOTICE"}},
	"GPL-3.0-only":      {Known: true, Category: "STRONG_COPYLEFT", Obligations: []string{"OBLIGATION_DISCLOSE_SOURCE"}},
	"AGPL-3.0-only":     {Known: true, Category: "NETWORK_COPYLEFT", Obligations: []string{"OBLIGATION_NETWORK_USE"}},
	"LGPL-2.1-only":     {Known: true, Category: "WEAK_COPYLEFT_LIBRARY"},
	"Apache-2.0":        {Known: true, Category: "PERMISSIVE"},
	"LicenseRef-custom": {},
}

func terms(alts ...string) [][]policy.Term {
	var out [][]policy.Term
	for _, a := range alts {
		var ts []policy.Term
		for _, id := range strings.Split(a, "&") {
			ts = append(ts, policy.Term{ID: id})
		}
		out = append(out, ts)
	}
	return out
}

func mustParse(t *testing.T, s string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

// The example: a product under MIT with a GPL-3.0-only dependency
// and one with no licence is denied, naming both.
func TestExampleDeniesGPLAndReviewsUnlicensed(t *testing.T) {
	p := mustParse(t, example)
	subjects := []policy.Subject{
		{Ref: "a", Licence: "MIT", Alternatives: terms("MIT"), Verdict: "VERDICT_COMPATIBLE"},
		{Ref: "gpl", Licence: "GPL-3.0-only", Alternatives: terms("GPL-3.0-only"), Verdict: "VERDICT_INCOMPATIBLE"},
		{Ref: "none", Verdict: "VERDICT_UNKNOWN"},
	}
	res := p.Evaluate(subjects, facts, time.Now())
	if res.Outcome != policy.Deny || len(res.Findings) != 2 {
		t.Fatalf("outcome %v, findings %+v; want deny with two", res.Outcome, res.Findings)
	}
	if f := res.Findings[0]; f.Subject != 1 || f.Rule != "deny" || f.Licence != "GPL-3.0-only" || !strings.Contains(f.Reason, "strong-copyleft") {
		t.Errorf("first finding %+v", f)
	}
	if f := res.Findings[1]; f.Subject != 2 || f.Rule != "review" || f.Action != policy.Review {
		t.Errorf("second finding %+v", f)
	}
}

func TestChoicesAndConjunctions(t *testing.T) {
	p := mustParse(t, example)
	for _, c := range []struct {
		alts []string
		want policy.Action
	}{
		{[]string{"MIT", "GPL-3.0-only"}, policy.Allow},                // MIT OR GPL: MIT may be chosen
		{[]string{"MIT&GPL-3.0-only"}, policy.Deny},                    // MIT AND GPL: both bind
		{[]string{"GPL-3.0-only", "LicenseRef-custom"}, policy.Review}, // the better choice needs review
		{[]string{"AGPL-3.0-only"}, policy.Deny},
	} {
		res := p.Evaluate([]policy.Subject{{Licence: "x", Alternatives: terms(c.alts...)}}, facts, time.Now())
		if res.Outcome != c.want {
			t.Errorf("%v: outcome %v, want %v (%+v)", c.alts, res.Outcome, c.want, res.Findings)
		}
	}
}

func TestRulesNarrowByUseKindAndAllow(t *testing.T) {
	p := mustParse(t, `id: weak-copyleft-dynamic
rules:
  - id: lgpl-dynamic-ok
    action: allow
    licences: ["LGPL-*"]
    uses: [link-dynamic]
  - id: no-copyleft
    action: deny
    categories: [copyleft]
  - id: gpl-data
    action: review
    licences: [GPL-*]
    kinds: [dataset]
  - id: network
    action: deny
    obligations: [network-use]
    uses: [network-service]
`)
	cases := []struct {
		s    policy.Subject
		want policy.Action
		rule string
	}{
		{policy.Subject{Licence: "x", Alternatives: terms("LGPL-2.1-only"), Use: "USE_LINK_DYNAMIC"}, policy.Allow, ""},
		{policy.Subject{Licence: "x", Alternatives: terms("LGPL-2.1-only"), Use: "USE_LINK_STATIC"}, policy.Deny, "no-copyleft"},
		{policy.Subject{Licence: "x", Alternatives: terms("MIT"), Kind: "WORK_KIND_DATASET"}, policy.Allow, ""},
		{policy.Subject{Licence: "x", Alternatives: terms("AGPL-3.0-only"), Use: "USE_NETWORK_SERVICE"}, policy.Deny, "no-copyleft"},
	}
	for i, c := range cases {
		res := p.Evaluate([]policy.Subject{c.s}, facts, time.Now())
		if res.Outcome != c.want || c.rule != "" && res.Findings[0].Rule != c.rule {
			t.Errorf("case %d: %v %+v; want %v by %q", i, res.Outcome, res.Findings, c.want, c.rule)
		}
	}
}

func TestExemptions(t *testing.T) {
	p := mustParse(t, example+`exemptions:
  - purls: [pkg:npm/left-pad]
    versions: "vers:npm/>=1.0.0|<2.0.0"
    reason: vendored and rewritten
    expires: 2027-01-31
  - works: [works/legacy]
    rules: [deny]
    reason: being replaced
    expires: "2026-06-01T00:00:00Z"
`)
	gpl := func(purl, version, work string) []policy.Subject {
		return []policy.Subject{{Purl: purl, Version: version, Work: work, Licence: "GPL-3.0-only", Alternatives: terms("GPL-3.0-only")}}
	}
	before := time.Date(2027, 1, 31, 23, 0, 0, 0, time.UTC)
	after := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	for i, c := range []struct {
		s    []policy.Subject
		at   time.Time
		want policy.Action
	}{
		{gpl("pkg:npm/left-pad@1.3.0", "", ""), before, policy.Allow},
		{gpl("pkg:npm/left-pad", "1.3.0", ""), before, policy.Allow},
		{gpl("pkg:npm/left-pad@2.0.0", "", ""), before, policy.Deny},
		{gpl("pkg:npm/left-pad@1.3.0", "", ""), after, policy.Deny}, // expired
		{gpl("pkg:npm/right-pad@1.3.0", "", ""), before, policy.Deny},
		{gpl("", "", "works/legacy"), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), policy.Allow},
		{gpl("", "", "works/legacy"), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), policy.Deny},
	} {
		res := p.Evaluate(c.s, facts, c.at)
		if res.Outcome != c.want {
			t.Errorf("case %d: %v (%+v), want %v", i, res.Outcome, res.Findings, c.want)
		}
		if c.want == policy.Allow && (len(res.Findings) == 0 || res.Findings[0].Exemption == "") {
			t.Errorf("case %d: the exempted finding is not reported with its reason: %+v", i, res.Findings)
		}
	}
}

func TestParseJSON(t *testing.T) {
	p := mustParse(t, `{"id": "no-strong-copyleft", "deny": {"categories": ["STRONG_COPYLEFT", "CATEGORY_NETWORK_COPYLEFT"]}, "review": {"unknown": true}}`)
	if len(p.Rules) != 2 || p.Rules[1].ID != "deny" || len(p.Rules[1].Categories) != 2 {
		t.Fatalf("rules %+v", p.Rules)
	}
}

// Hostile and malformed files are errors naming what is wrong, never a
// panic or a policy that says less than the file meant.
func TestParseRefuses(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'j'; i++ {
		bomb += string(i) + ": &" + string(i) + " [*" + string(i-1) + ", *" + string(i-1) + ", *" + string(i-1) + ", *" + string(i-1) + ", *" + string(i-1) + ", *" + string(i-1) + ", *" + string(i-1) + ", *" + string(i-1) + ", *" + string(i-1) + "]\n"
	}
	for name, c := range map[string]struct{ doc, field string }{
		"misspelt section":   {"id: x\ndenny:\n  categories: [permissive]\n", ""},
		"unknown rule field": {"id: x\ndeny:\n  category: [permissive]\n", ""},
		"no id":              {"deny:\n  categories: [permissive]\n", "id"},
		"bad id":             {"id: ../etc\n", "id"},
		"unknown category":   {"id: x\ndeny:\n  categories: [free-ish]\n", "deny.categories[0]"},
		"unknown use":        {"id: x\ndeny:\n  uses: [borrow]\n", "deny.uses[0]"},
		"bad pattern":        {"id: x\ndeny:\n  licences: [\"MIT; DROP\"]\n", "deny.licences[0]"},
		"bad action":         {"id: x\nrules:\n  - id: r\n    action: maybe\n", "rules[0].action"},
		"duplicate rule":     {"id: x\ndeny: {}\nrules:\n  - id: deny\n    action: deny\n", "rules[0].id"},
		"allow unknown":      {"id: x\nallow:\n  unknown: true\n", "allow"},
		"no reason":          {"id: x\nexemptions:\n  - works: [works/a]\n    expires: 2027-01-01\n", "exemptions[0].reason"},
		"no expiry":          {"id: x\nexemptions:\n  - works: [works/a]\n    reason: r\n", "exemptions[0].expires"},
		"bad expiry":         {"id: x\nexemptions:\n  - works: [works/a]\n    reason: r\n    expires: soon\n", "exemptions[0].expires"},
		"bad range":          {"id: x\nexemptions:\n  - purls: [pkg:npm/a]\n    versions: \"vers:npm/>=one\"\n    reason: r\n    expires: 2027-01-01\n", "exemptions[0].versions"},
		"unknown rule":       {"id: x\nexemptions:\n  - purls: [pkg:npm/a]\n    rules: [nope]\n    reason: r\n    expires: 2027-01-01\n", "exemptions[0].rules[0]"},
		"bad work":           {"id: x\nexemptions:\n  - works: [\"works/../a\"]\n    reason: r\n    expires: 2027-01-01\n", "exemptions[0].works[0]"},
		"two documents":      {"id: x\n---\nid: y\n", ""},
		"wrong type":         {"id: [x]\n", ""},
		"empty":              {"  \n", ""},
		"not UTF-8":          {"id: \xff\n", ""},
		"control character":  {"id: x\ntitle: \"a\\u0000b\"\n", "title"},
		"too large":          {"id: x\ndescription: " + strings.Repeat("a", policy.MaxSize) + "\n", ""},
		"alias bomb":         {bomb, ""},
		"deep nesting":       {strings.Repeat("[", 10000), ""},
	} {
		_, err := policy.Parse([]byte(c.doc))
		var pe *policy.Error
		if !errors.As(err, &pe) {
			t.Errorf("%s: err = %v; want a *policy.Error", name, err)
			continue
		}
		if pe.Field != c.field {
			t.Errorf("%s: field %q (%v); want %q", name, pe.Field, err, c.field)
		}
	}
}
