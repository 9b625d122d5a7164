package policy_test

import (
	"testing"
	"time"

	"github.com/stemma-registry/stemma/services/lineage/policy"
)

// FuzzPolicy reads policy files: any input is a policy or a *policy.Error,
// never a panic, and a policy read evaluates.
func FuzzPolicy(f *testing.F) {
	f.Add([]byte(example))
	f.Add([]byte(`{"id":"x","deny":{"licences":["GPL-*"]},"exemptions":[{"purls":["pkg:pypi/a"],"versions":"vers:pypi/<2.0|>=3.0a1","reason":"r","expires":"2027-01-01"}]}`))
	f.Add([]byte("id: x\nrules:\n  - id: r\n    action: review\n    kinds: [model]\n    uses: [training]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := policy.Parse(b)
		if err != nil {
			if _, ok := err.(*policy.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		p.Evaluate([]policy.Subject{
			{Purl: "pkg:pypi/a@2.5", Licence: "x", Alternatives: terms("GPL-3.0-only", "MIT&LicenseRef-custom")},
			{Work: "works/a", Verdict: "VERDICT_UNKNOWN"},
		}, facts, time.Now())
	})
}
