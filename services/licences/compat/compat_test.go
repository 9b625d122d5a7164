package compat

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/profile"
)

func TestInboundChoice(t *testing.T) {
	tests := []struct {
		in, out string
		choice  string
	}{
		{"MIT OR GPL-3.0-only", "Apache-2.0", "MIT"},
		{"GPL-3.0-only OR MIT", "Apache-2.0", "MIT"},
		{"EPL-2.0 OR GPL-2.0-or-later", "GPL-2.0-only", "GPL-2.0-or-later"},
		{"Apache-2.0 OR MIT", "GPL-2.0-only", "MIT"},
		{"MIT", "Apache-2.0", ""},
	}
	for _, tt := range tests {
		r := testEngine.Check(mustParse(t, tt.in), mustParse(t, tt.out), Incorporate)
		if r.InboundChoice != tt.choice {
			t.Errorf("%s → %s: choice %q, want %q", tt.in, tt.out, r.InboundChoice, tt.choice)
		}
	}
}

func TestAllChoicesFailExplainsEach(t *testing.T) {
	r := testEngine.Check(mustParse(t, "GPL-2.0-only OR AGPL-3.0-only"), mustParse(t, "MIT"), Incorporate)
	if r.Verdict != Incompatible || len(r.Reasons) < 2 || r.InboundChoice != "" {
		t.Fatalf("got %s with %d reasons, choice %q", r.Verdict, len(r.Reasons), r.InboundChoice)
	}
}

func TestZeroUseIsIncorporate(t *testing.T) {
	a := testEngine.Check(mustParse(t, "LGPL-2.1-only"), mustParse(t, "MIT"), 0)
	b := testEngine.Check(mustParse(t, "LGPL-2.1-only"), mustParse(t, "MIT"), Incorporate)
	if a.Verdict != b.Verdict || a.Verdict != Incompatible {
		t.Fatalf("zero use gave %s, incorporate %s", a.Verdict, b.Verdict)
	}
}

func TestHandBuiltTerms(t *testing.T) {
	tests := []struct {
		in   *expression.Term
		out  string
		want Verdict
	}{
		{&expression.Term{ID: "GPL-2.0-only", OrLater: true}, "GPL-3.0-only", Compatible},
		{&expression.Term{ID: "gpl-2.0-only"}, "GPL-2.0-only", Compatible},
		{&expression.Term{ID: "GPL-2.0"}, "GPL-2.0-only", Compatible},
		{&expression.Term{ID: "GPL-2.0+"}, "GPL-3.0-only", Compatible},
		{&expression.Term{ID: "GPL-2.0-with-classpath-exception"}, "MIT", Incompatible},
		{&expression.Term{ID: "MIT", DocumentRef: "DocumentRef-x"}, "MIT", Unknown},
		{&expression.Term{ID: "NotALicence"}, "MIT", Unknown},
		{&expression.Term{ID: "GPL-2.0-only", Exception: "No-Such-exception"}, "MIT", Unknown},
	}
	for _, tt := range tests {
		r := testEngine.Check(tt.in, mustParse(t, tt.out), Incorporate)
		if r.Verdict != tt.want {
			t.Errorf("%s → %s: %s, want %s\n%s", tt.in, tt.out, r.Verdict, tt.want, describe(r))
		}
		checkResult(t, testEngine, r)
	}
}

func TestDeprecatedWithException(t *testing.T) {
	r := testEngine.Check(&expression.Term{ID: "GPL-2.0-with-classpath-exception"}, mustParse(t, "MIT"), LinkDynamic)
	if r.Verdict != Compatible {
		t.Fatalf("got %s\n%s", r.Verdict, describe(r))
	}
}

func TestResultsAreCopies(t *testing.T) {
	in, out := mustParse(t, "MPL-2.0"), mustParse(t, "MIT")
	r := testEngine.Check(in, out, Incorporate)
	r.Reasons[0].Message = "changed"
	r.Conditions[0] = "changed"
	r.Reasons[0].Sources[0].URL = "changed"
	again := testEngine.Check(in, out, Incorporate)
	if again.Reasons[0].Message == "changed" || again.Conditions[0] == "changed" || again.Reasons[0].Sources[0].URL == "changed" {
		t.Fatal("a caller's change reached the cache")
	}
}

func TestConcurrentChecks(t *testing.T) {
	e, err := New(testEngine.cat.List())
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"MIT", "GPL-2.0-only", "Apache-2.0", "MPL-2.0", "CC-BY-SA-4.0", "AGPL-3.0-only"}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, a := range ids {
				for _, b := range ids {
					for _, u := range Uses {
						want := testEngine.Check(&expression.Term{ID: a}, &expression.Term{ID: b}, u).Verdict
						if got := e.Check(&expression.Term{ID: a}, &expression.Term{ID: b}, u).Verdict; got != want {
							t.Errorf("%s → %s %s: %s, want %s", a, b, u, got, want)
						}
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestSuggest(t *testing.T) {
	e := testEngine
	in := []expression.Expr{mustParse(t, "MIT"), mustParse(t, "GPL-2.0-or-later"), mustParse(t, "Apache-2.0")}
	s, blocking := e.Suggest(in, Incorporate, nil, 0)
	if len(blocking) != 0 {
		t.Fatalf("blocking %v", blocking)
	}
	got := map[string]Verdict{}
	for i, x := range s {
		got[x.Licence] = x.Verdict
		if x.Verdict != Compatible && x.Verdict != Conditional {
			t.Errorf("%s suggested with %s", x.Licence, x.Verdict)
		}
		if len(x.Reasons) == 0 {
			t.Errorf("%s suggested without reasons", x.Licence)
		}
		if i > 0 && s[i-1].Category > x.Category {
			t.Errorf("%s (%s) ranked after %s (%s)", x.Licence, x.Category, s[i-1].Licence, x.Category)
		}
	}
	for _, want := range []string{"GPL-3.0-only", "GPL-3.0-or-later"} {
		if got[want] != Compatible {
			t.Errorf("%s: %s, want compatible", want, got[want])
		}
	}
	// AGPL-3.0 §13 lets the GPL part be combined, not relicensed: it is
	// suggested, with the condition that the GPL part keeps its licence.
	if got["AGPL-3.0-only"] != Conditional {
		t.Errorf("AGPL-3.0-only: %s, want conditional", got["AGPL-3.0-only"])
	}
	for _, not := range []string{"MIT", "GPL-2.0-only", "Apache-2.0", "LGPL-2.1-only"} {
		if _, ok := got[not]; ok {
			t.Errorf("%s suggested, but GPL-2.0-or-later and Apache-2.0 material cannot go out under it", not)
		}
	}
}

func TestSuggestRanksMostPermissiveFirst(t *testing.T) {
	cands := []expression.Expr{mustParse(t, "GPL-3.0-only"), mustParse(t, "MIT"), mustParse(t, "MPL-2.0"), mustParse(t, "CC0-1.0")}
	s, _ := testEngine.Suggest([]expression.Expr{mustParse(t, "BSD-2-Clause")}, Incorporate, cands, 0)
	var order []string
	for _, x := range s {
		order = append(order, x.Licence)
	}
	want := []string{"CC0-1.0", "MIT", "MPL-2.0", "GPL-3.0-only"}
	if len(order) != len(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	if s[0].Verdict != Conditional || s[0].Category != profile.PublicDomain {
		t.Errorf("CC0-1.0: %s %s", s[0].Verdict, s[0].Category)
	}
	if lim, _ := testEngine.Suggest([]expression.Expr{mustParse(t, "BSD-2-Clause")}, Incorporate, cands, 2); len(lim) != 2 {
		t.Errorf("limit 2 gave %d", len(lim))
	}
}

func TestSuggestBlocking(t *testing.T) {
	in := []expression.Expr{mustParse(t, "GPL-2.0-only"), mustParse(t, "CDDL-1.0"), mustParse(t, "LicenseRef-Mine")}
	cands := []expression.Expr{mustParse(t, "GPL-2.0-only"), mustParse(t, "CDDL-1.0")}
	s, blocking := testEngine.Suggest(in, Incorporate, cands, 0)
	if len(s) != 0 {
		t.Errorf("suggestions %v for GPL-2.0-only with CDDL-1.0", s)
	}
	if len(blocking) != 1 || blocking[0] != "LicenseRef-Mine" {
		t.Errorf("blocking %v", blocking)
	}
	_, blocking = testEngine.Suggest([]expression.Expr{mustParse(t, "CC-BY-ND-4.0")}, Incorporate, []expression.Expr{mustParse(t, "MIT")}, 0)
	if len(blocking) != 1 {
		t.Errorf("ND material blocks an MIT release: blocking %v", blocking)
	}
}

func TestEveryRuleHasSources(t *testing.T) {
	for _, r := range ruleTable {
		if len(testEngine.rules[r.id]) == 0 {
			t.Errorf("rule %s cites no source", r.id)
		}
	}
	seen := map[string]bool{}
	for _, r := range ruleTable {
		if seen[r.id] {
			t.Errorf("rule %s listed twice", r.id)
		}
		seen[r.id] = true
	}
}

func TestNames(t *testing.T) {
	if Compatible.String() != "VERDICT_COMPATIBLE" || Unknown.String() != "VERDICT_UNKNOWN" || Verdict(0).String() != "VERDICT_UNSPECIFIED" {
		t.Error("verdict names")
	}
	if Training.String() != "USE_TRAINING" || Use(0).String() != "USE_INCORPORATE" || Use(42).String() != "USE_UNKNOWN" {
		t.Error("use names")
	}
}

// TestReasonsCiteTheLicencesAtHand keeps reasons specific: a rule written
// for a family of cases cites only the statements that concern the licences
// in question, and a GPL-compatibility reason cites what the inbound's
// property rests on.
func TestReasonsCiteTheLicencesAtHand(t *testing.T) {
	tests := []struct {
		in, out string
		use     Use
		absent  []string // substrings no source may contain
		present []string // substrings some source must contain
	}{
		{"GPL-2.0-only", "MIT", Incorporate, []string{"European Union", "Creative Commons", "v3.0"}, []string{"v2.0"}},
		{"EUPL-1.2", "MIT", NetworkService, []string{"#AGPLv3.0", "The MIT licence text"}, []string{"European Union Public Licence v1.2"}},
		{"OSL-3.0", "MIT", Incorporate, []string{"GNU", "European Union", "Creative Commons"}, []string{"The OSL-3.0 licence text"}},
		{"CC-BY-4.0", "MIT", Incorporate, []string{"#Expat"}, []string{"The CC-BY-4.0 licence text"}},
		{"Python-2.0", "GPL-2.0-only", Incorporate, []string{"fsf-api"}, []string{"entry for Python-2.0"}},
		{"PostgreSQL", "GPL-3.0-only", Incorporate, []string{"FSF"}, []string{"The PostgreSQL licence text"}},
		{"OFL-1.1", "GPL-3.0-only", NetworkService, []string{"Open Database", "Creative Commons licence legal code"}, nil},
		{"Apache-2.0 WITH LLVM-exception", "GPL-2.0-only", LinkStatic, nil, []string{"The LLVM-exception text"}},
	}
	for _, tt := range tests {
		r := testEngine.Check(mustParse(t, tt.in), mustParse(t, tt.out), tt.use)
		var all []string
		for _, x := range r.Reasons {
			for _, s := range x.Sources {
				all = append(all, s.Title+" "+s.URL+" "+s.Clause)
			}
		}
		joined := strings.Join(all, "\n")
		for _, a := range tt.absent {
			if strings.Contains(joined, a) {
				t.Errorf("%s → %s %s cites %q:\n%s", tt.in, tt.out, tt.use, a, joined)
			}
		}
		for _, p := range tt.present {
			if !strings.Contains(joined, p) {
				t.Errorf("%s → %s %s does not cite %q:\n%s", tt.in, tt.out, tt.use, p, joined)
			}
		}
	}
}

// TestGrantsNarrowVersions checks that a grant naming exact GNU versions
// narrows an "or later" outbound like any other part.
func TestGrantsNarrowVersions(t *testing.T) {
	tests := []struct {
		in, out string
		want    Verdict
	}{
		{"CC-BY-SA-4.0 AND GPL-2.0-only", "GPL-2.0-or-later", Incompatible},
		{"CC-BY-SA-4.0 AND Apache-2.0", "GPL-2.0-or-later", Conditional},
		{"EUPL-1.2 AND GPL-2.0-only", "GPL-2.0-or-later", Conditional},
		{"EUPL-1.2 AND GPL-2.0-only", "GPL-3.0-or-later", Incompatible},
		{"MPL-2.0 AND GPL-1.0-only", "GPL-1.0-or-later", Incompatible},
		{"MPL-2.0 AND GPL-2.0-only", "GPL-1.0-or-later", Conditional},
	}
	for _, tt := range tests {
		r := testEngine.Check(mustParse(t, tt.in), mustParse(t, tt.out), Incorporate)
		if r.Verdict != tt.want {
			t.Errorf("%s → %s: %s, want %s\n%s", tt.in, tt.out, r.Verdict, tt.want, describe(r))
		}
		checkResult(t, testEngine, r)
	}
}

// TestNarrowingIsACondition checks that an "or later" outbound honoured
// only by narrowing answers CONDITIONAL and states the version the combined
// work goes out under, rather than a bare COMPATIBLE (issue 13).
func TestNarrowingIsACondition(t *testing.T) {
	tests := []struct{ in, out, cond string }{
		{"Apache-2.0", "GPL-2.0-or-later", "the combined work goes out under GPL-3.0-or-later"},
		{"GPL-3.0-only", "GPL-2.0-or-later", "the combined work goes out under GPL-3.0-only"},
		{"MPL-2.0", "GPL-1.0-or-later", "the combined work goes out under GPL-2.0-or-later"},
		{"EUPL-1.2 AND Apache-2.0", "GPL-2.0-or-later", "the combined work goes out under GPL-3.0-only"},
	}
	for _, tt := range tests {
		r := testEngine.Check(mustParse(t, tt.in), mustParse(t, tt.out), Incorporate)
		if r.Verdict != Conditional || !slices.Contains(r.Conditions, tt.cond) {
			t.Errorf("%s → %s: %s %q, want CONDITIONAL with %q\n%s", tt.in, tt.out, r.Verdict, r.Conditions, tt.cond, describe(r))
		}
	}
}
