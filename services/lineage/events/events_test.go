package events

import (
	"strings"
	"testing"
	"time"
)

func TestAllowList(t *testing.T) {
	l, err := ParseAllowList(" 127.0.0.1:*, hooks.example.com:443 ,")
	if err != nil {
		t.Fatal(err)
	}
	for url, ok := range map[string]bool{
		"http://127.0.0.1:8080/hook":        true,
		"https://hooks.example.com/x":       true,
		"https://HOOKS.example.com:443/x":   true,
		"http://hooks.example.com/x":        false, // port 80
		"http://10.0.0.1:8080/":             false,
		"ftp://127.0.0.1:21/":               false,
		"http://user:pw@127.0.0.1:1/":       false,
		"http://127.0.0.1.evil.example:80/": false,
		"not a url":                         false,
	} {
		if err := l.Check(url); (err == nil) != ok {
			t.Errorf("Check(%q) = %v; want allowed %v", url, err, ok)
		}
	}
	if err := (AllowList(nil)).Check("http://127.0.0.1:1/"); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("empty list: %v", err)
	}
	for _, bad := range []string{"127.0.0.1", ":80", "h:0", "h:x"} {
		if _, err := ParseAllowList(bad); err == nil {
			t.Errorf("ParseAllowList(%q) accepted", bad)
		}
	}
}

func TestSignature(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"id":"e1"}`)
	h := Sign("s3cret", now, body)
	if !strings.HasPrefix(h, "t=1700000000,v1=") {
		t.Fatalf("header %q", h)
	}
	if err := Verify(h, "s3cret", body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"other body":   Verify(h, "s3cret", []byte(`{"id":"e2"}`), now, time.Minute),
		"other secret": Verify(h, "other", body, now, time.Minute),
		"too old":      Verify(h, "s3cret", body, now.Add(time.Hour), time.Minute),
		"no time":      Verify(strings.Replace(h, "t=", "x=", 1), "s3cret", body, now, time.Minute),
		"garbage":      Verify("v1", "s3cret", body, now, time.Minute),
	} {
		if err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

func TestFilter(t *testing.T) {
	f := Filter{Kinds: MaskOf([]Kind{LicenceChanged}), Works: map[string]bool{"terraform": true}}
	if !f.Match(&Event{Kind: LicenceChanged, Licence: &LicenceChange{Work: "terraform"}}) {
		t.Error("the licence change of a followed work is not matched")
	}
	if f.Match(&Event{Kind: LicenceChanged, Licence: &LicenceChange{Work: "other"}}) {
		t.Error("another work's change matched")
	}
	if f.Match(&Event{Kind: CurationAccepted, Curation: &Curation{Work: "terraform"}}) {
		t.Error("a kind not followed matched")
	}
	if got := MaskOf([]Kind{DerivationCreated, CurationAccepted}).Kinds(); len(got) != 2 || got[0] != DerivationCreated {
		t.Errorf("Kinds = %v", got)
	}
}

func FuzzVerify(f *testing.F) {
	now := time.Unix(1_700_000_000, 0)
	f.Add(Sign("k", now, []byte("b")), []byte("b"))
	f.Add("t=,v1=zz,=,", []byte{})
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := Verify(header, "k", body, now, time.Hour)
		if err == nil && header != Sign("k", now, body) && !strings.Contains(header, "v1=") {
			t.Fatalf("verified %q without a v1 value", header)
		}
	})
}

func FuzzAllowList(f *testing.F) {
	f.Add("127.0.0.1:*", "http://127.0.0.1:80/")
	f.Add("[::1]:8080,h:1", "https://[::1]:8080/x?y#z")
	f.Fuzz(func(t *testing.T, list, url string) {
		l, err := ParseAllowList(list)
		if err != nil {
			return
		}
		if l.Check(url) == nil && !strings.HasPrefix(url, "http") {
			t.Fatalf("%q allowed by %q", url, list)
		}
	})
}
