package names

import (
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

func TestParse(t *testing.T) {
	if id, err := Parse("name", "works/abc-1", "works"); err != nil || id != "abc-1" {
		t.Fatalf("Parse(works/abc-1) = %q, %v", id, err)
	}
	for _, bad := range []string{
		"", "works/", "works", "derivations/abc", "works/ABC", "works/-a", "works/a/b", "works/../etc",
		"works/a.b", "works/a'b", "works/" + strings.Repeat("a", 64), "works/a b", "works/é",
	} {
		if _, err := Parse("name", bad, "works"); !apierr.Is(err, apierr.InvalidArgument) {
			t.Errorf("Parse(%q): %v; want INVALID_ARGUMENT", bad, err)
		}
	}
}
