package stress

import (
	"testing"
	"time"
)

// A failure is explained by a SIGKILL when it was in flight at the kill
// or sent before its client could know of it, and by PostgreSQL being
// down when it is a 503 in that window; nothing else is.
func TestUnexpectedFailures(t *testing.T) {
	const s = time.Second
	ws := []Window{
		{Start: 10 * s, Back: 13 * s, Kills: []time.Duration{10 * s}},
		{Start: 20 * s, Back: 23 * s, Allows503: true},
	}
	for _, tc := range []struct {
		name       string
		start, end time.Duration
		outcome    Outcome
		explained  bool
	}{
		{"in flight at the kill", 9900 * time.Millisecond, 10100 * time.Millisecond, Unavailable, true},
		{"sent 6 ms after the kill", 10006 * time.Millisecond, 10010 * time.Millisecond, Unavailable, true},
		{"sent a second after the kill", 11 * s, 11100 * time.Millisecond, Unavailable, false},
		{"a server error at the kill", 9900 * time.Millisecond, 10100 * time.Millisecond, ServerError, false},
		{"503 while PostgreSQL is down", 21 * s, 21100 * time.Millisecond, Unavailable, true},
		{"503 in the recovery grace", 26 * s, 26100 * time.Millisecond, Unavailable, true},
		{"503 long after", 40 * s, 40100 * time.Millisecond, Unavailable, false},
		{"a lost race", 40 * s, 40100 * time.Millisecond, LostRace, true},
	} {
		got := len(Unexpected([]Sample{{Start: tc.start, End: tc.end, Outcome: tc.outcome}}, ws)) == 0
		if got != tc.explained {
			t.Errorf("%s: explained %v, want %v", tc.name, got, tc.explained)
		}
	}
}
