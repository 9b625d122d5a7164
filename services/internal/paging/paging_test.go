package paging

import (
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

func TestSize(t *testing.T) {
	b := Bounds{Default: 50, Max: 1000}
	for _, tt := range []struct {
		in   int32
		want int
	}{{0, 50}, {1, 1}, {1000, 1000}, {1001, 1000}, {2147483647, 1000}} {
		if got, err := b.Size(tt.in); err != nil || got != tt.want {
			t.Errorf("Size(%d) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	if _, err := b.Size(-1); !apierr.Is(err, apierr.InvalidArgument) {
		t.Errorf("Size(-1): %v; want INVALID_ARGUMENT", err)
	}
}

func TestTokenRoundTrip(t *testing.T) {
	q := NewQuery("ListWorks", "kind = TEXT")
	if Encode(q, "") != "" {
		t.Error("empty cursor gave a token")
	}
	tok := Encode(q, "works/abc|42")
	got, err := Decode(q, tok)
	if err != nil || got != "works/abc|42" {
		t.Fatalf("Decode = %q, %v", got, err)
	}
	if c, err := Decode(q, ""); err != nil || c != "" {
		t.Errorf("Decode(\"\") = %q, %v; want the first page", c, err)
	}
}

func TestTokenBoundToQuery(t *testing.T) {
	tok := Encode(NewQuery("ListWorks", "kind = TEXT"), "x")
	for _, q := range []Query{
		NewQuery("ListWorks", "kind = SOFTWARE"),
		NewQuery("ListDerivations", "kind = TEXT"),
		NewQuery("ListWorks", "kind = TEXT", ""),
	} {
		if _, err := Decode(q, tok); !apierr.Is(err, apierr.InvalidArgument) {
			t.Errorf("token replayed on %q: %v; want INVALID_ARGUMENT", q, err)
		}
	}
}

func TestForgedTokens(t *testing.T) {
	q := NewQuery("ListWorks")
	for _, tok := range []string{"garbage", "e30", "eyJxIjoiIiwiYyI6IiJ9", strings.Repeat("A", 5000), "../../etc/passwd", "' OR 1=1 --"} {
		if _, err := Decode(q, tok); !apierr.Is(err, apierr.InvalidArgument) {
			t.Errorf("Decode(%q): %v; want INVALID_ARGUMENT", tok, err)
		}
	}
}

// FuzzPageToken checks that no token makes Decode panic or fail with
// anything but INVALID_ARGUMENT, and that every cursor up to MaxCursor
// bytes round-trips.
func FuzzPageToken(f *testing.F) {
	q := NewQuery("ListWorks", "kind = TEXT")
	f.Add(Encode(q, "works/a"), "works/a")
	f.Add("not a token", "")
	f.Add("eyJxIjoieCIsImMiOiJ5In0", "\x00")
	f.Fuzz(func(t *testing.T, tok, cursor string) {
		if _, err := Decode(q, tok); err != nil && !apierr.Is(err, apierr.InvalidArgument) {
			t.Fatalf("Decode(%q) = %v", tok, err)
		}
		if cursor == "" || len(cursor) > MaxCursor {
			return
		}
		got, err := Decode(q, Encode(q, cursor))
		if err != nil || got != cursor {
			t.Fatalf("round trip of %q = %q, %v", cursor, got, err)
		}
	})
}

func TestLongestCursorRoundTrips(t *testing.T) {
	q := NewQuery("ListWorks")
	c := strings.Repeat("\xf5", MaxCursor)
	if got, err := Decode(q, Encode(q, c)); err != nil || got != c {
		t.Fatalf("a %d-byte cursor did not round-trip: %v", MaxCursor, err)
	}
}
