package consistency

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestParseLSN(t *testing.T) {
	for _, s := range []string{"0/0", "16/B374D848", "FFFFFFFF/FFFFFFFF", "0/1"} {
		l, err := ParseLSN(s)
		if err != nil || l.String() != s {
			t.Errorf("ParseLSN(%q) = %v, %v; want it back", s, l, err)
		}
	}
	if l, _ := ParseLSN("16/B374D848"); l != 0x16B374D848 {
		t.Errorf("16/B374D848 = %#x", uint64(l))
	}
	for _, bad := range []string{"", "/", "1/", "/1", "1/2/3", "x/1", "-1/1", "100000000/0", "1/+1", " 1/1"} {
		if _, err := ParseLSN(bad); err == nil {
			t.Errorf("ParseLSN(%q) accepted", bad)
		}
	}
}

// The newest valid token of a request wins; malformed ones are dropped,
// which only sends their reads to the primary.
func TestMiddlewareKeepsTheNewestValidToken(t *testing.T) {
	var got LSN
	h := Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = From(r.Context()).LSN() }))
	r := httptest.NewRequest("GET", "/v1/works", nil)
	r.Header.Add(Header, "0/10")
	r.Header.Add(Header, "garbage")
	r.Header.Add(Header, "1/0")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != 1<<32 {
		t.Fatalf("tracker holds %v, want 1/0", got)
	}
	r = httptest.NewRequest("GET", "/v1/works", nil)
	r.Header.Add(Header, "garbage")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != 0 {
		t.Fatalf("a malformed token gave %v", got)
	}
}

func TestTrackerOnlyRises(t *testing.T) {
	ctx, tr := With(context.Background(), 10)
	tr.Observe(5)
	From(ctx).Observe(20)
	if tr.LSN() != 20 {
		t.Fatalf("LSN = %v, want 20", tr.LSN())
	}
	var none *Tracker
	none.Observe(1)
	none.Pin("x", 1)
	if _, ok := none.Pinned("x"); ok || none.LSN() != 0 {
		t.Fatal("a nil tracker holds something")
	}
}

// A token comes from the caller: whatever it is, ParseLSN answers without
// panicking, and what it accepts prints back as PostgreSQL would parse it.
func FuzzParseLSN(f *testing.F) {
	for _, s := range []string{"0/0", "16/B374D848", "FFFFFFFF/FFFFFFFF", "1/", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLSN(s)
		if err != nil {
			return
		}
		if back, err := ParseLSN(l.String()); err != nil || back != l {
			t.Fatalf("%q read as %v, which reads back as %v, %v", s, l, back, err)
		}
	})
}
