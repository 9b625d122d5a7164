package filter

import (
	"testing"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// FuzzFilter checks that no input makes Parse panic, run long, or fail with
// anything but INVALID_ARGUMENT on the filter field; and that what parses
// can be evaluated.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		"kind = SOFTWARE", `title : "x" AND NOT osi_approved = true`, "(kind = TEXT OR kind = SOFTWARE)",
		"-title = a", `title = "unterminated`, "kind = 'a\\'b'", "((((", "title = x; DROP TABLE works",
		"osi_approved != false AND title != '' OR kind = WORK_KIND_TEXT",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s, schema)
		if err != nil {
			if ae, ok := apierr.As(err); !ok || ae.Kind != apierr.InvalidArgument || ae.Field != "filter" {
				t.Fatalf("Parse(%q) = %v; want INVALID_ARGUMENT on filter", s, err)
			}
			return
		}
		Match(e, func(string) []string { return []string{"TEXT", "x"} })
	})
}
