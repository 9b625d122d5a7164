package input

import (
	"errors"
	"strings"
	"testing"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// invalid reports whether err is an INVALID_ARGUMENT.
func invalid(err error) bool {
	var e *apierr.Error
	return errors.As(err, &e) && e.Kind == apierr.InvalidArgument
}

func TestText(t *testing.T) {
	for _, c := range []struct {
		in        string
		max       int
		multiline bool
		want      string // "" with bad set: refused
		bad       string // part of the error
	}{
		{in: "  a title  ", max: 10, want: "a title"},
		{in: "line one\nline two", max: 40, multiline: true, want: "line one\nline two"},
		{in: "line one\nline two", max: 40, bad: "control character U+000A"},
		{in: "bell\a", max: 40, multiline: true, bad: "control character U+0007"},
		{in: "del\x7f", max: 40, bad: "control character U+007F"},
		{in: "\xff\xfe", max: 40, bad: "not valid UTF-8"},
		{in: "ééé", max: 3, want: "ééé"}, // characters, not bytes
		{in: "éééé", max: 3, bad: "4 characters; at most 3"},
	} {
		got, err := Text("work.title", c.in, c.max, c.multiline)
		switch {
		case c.bad != "":
			if !invalid(err) || !strings.Contains(err.Error(), c.bad) || !strings.Contains(err.Error(), "work.title") {
				t.Errorf("Text(%q) = %q, %v; want INVALID_ARGUMENT on work.title saying %q", c.in, got, err, c.bad)
			}
		case err != nil || got != c.want:
			t.Errorf("Text(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestRequestID(t *testing.T) {
	for _, ok := range []string{"", "8c0d3a3e-4b8e-4f47-9e8e-2f1c0d2b7a11", strings.Repeat("x", MaxRequestID)} {
		if err := RequestID("request_id", ok); err != nil {
			t.Errorf("RequestID(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"has space", "tab\t", "ünïcode", strings.Repeat("x", MaxRequestID+1)} {
		if err := RequestID("request_id", bad); !invalid(err) {
			t.Errorf("RequestID(%q) = %v; want INVALID_ARGUMENT", bad, err)
		}
	}
}

// A retry has the fingerprint of the first request whatever its request
// id; any other difference changes it.
func TestFingerprint(t *testing.T) {
	req := func(id, title string) *catalogv1.CreateWorkRequest {
		return &catalogv1.CreateWorkRequest{RequestId: id, Work: &catalogv1.Work{Title: title}}
	}
	a, err := Fingerprint(req("r1", "Dune"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Fingerprint(req("r2", "Dune"))
	c, _ := Fingerprint(req("r1", "Dune Messiah"))
	if a != b {
		t.Errorf("the request id changed the fingerprint: %s, %s", a, b)
	}
	if a == c {
		t.Errorf("another title kept the fingerprint %s", a)
	}
	orig := req("r1", "Dune")
	if _, err := Fingerprint(orig); err != nil || orig.GetRequestId() != "r1" {
		t.Errorf("Fingerprint changed its argument: %v, %v", orig, err)
	}
}
