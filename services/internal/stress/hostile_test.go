package stress

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestHostile runs the hostile callers against one `stemma serve`: the
// access test, the bad-input corpus, and then reads the process's log,
// written at debug level throughout, for keys and panics.
func TestHostile(t *testing.T) {
	// The access test presents a wrong key on every write route, far
	// more than the failed-authentication limit allows one address;
	// TestAuthFailureLimit checks that limit.
	s := startSuite(t, "--rate-limit=0", "--anonymous-rate-limit=0", "--auth-failure-limit=0")
	t.Run("access", func(t *testing.T) { testAccess(t, &suite{t: t, p: s.p, base: s.base}) })
	t.Run("corpus", func(t *testing.T) { testCorpus(t, &suite{t: t, p: s.p, base: s.base}) })
	t.Run("log", func(t *testing.T) {
		log := s.p.Log()
		lines := strings.Count(log, "\n")
		for _, key := range []string{AliceKey, BobKey, RootKey, InternalKey, WrongKey} {
			if strings.Contains(log, key) {
				t.Errorf("a bearer key (%.10s...) appears in the log", key)
			}
		}
		if strings.Contains(log, "panic") {
			t.Errorf("the log mentions a panic:\n%s", grepLines(log, "panic"))
		}
		if lines < 100 {
			t.Errorf("the log has %d lines; the test expects the debug log of every call", lines)
		}
		t.Logf("log: %d lines, no key of %d principals and no panic in them", lines, 5)
	})
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %.200s: %v", b, err)
	}
}

// grepLines returns the lines of text that contain word.
func grepLines(text, word string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
