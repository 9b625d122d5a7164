package policy_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/lineage/policy"
)

// The example policies docs/policy.md ships read as they are.
func TestDocumentedExamples(t *testing.T) {
	b, err := os.ReadFile("../../../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	_, examples, ok := strings.Cut(string(b), "## Three example policies")
	if !ok {
		t.Fatal("docs/policy.md has no example policies")
	}
	n := 0
	for _, block := range strings.Split(examples, "```yaml\n")[1:] {
		doc, _, _ := strings.Cut(block, "```")
		if _, err := policy.Parse([]byte(doc)); err != nil {
			t.Errorf("example %d: %v\n%s", n+1, err, doc)
		}
		n++
	}
	if n != 3 {
		t.Errorf("%d example policies; want 3", n)
	}
}
