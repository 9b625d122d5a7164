package events

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// AllowList says which webhook targets the server may call: host:port
// patterns, the port "*" for any. Empty refuses every webhook, so that a
// subscriber cannot make the server send requests into its network.
type AllowList []string

// ParseAllowList reads a comma-separated list of host:port patterns.
func ParseAllowList(s string) (AllowList, error) {
	var out AllowList
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		host, port, err := net.SplitHostPort(p)
		if err != nil || host == "" {
			return nil, fmt.Errorf("webhook allow-list entry %q: want host:port, the port * for any", p)
		}
		if port != "*" {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				return nil, fmt.Errorf("webhook allow-list entry %q: port %q", p, port)
			}
		}
		out = append(out, strings.ToLower(net.JoinHostPort(host, port)))
	}
	return out, nil
}

// Check returns nil if raw is an http(s) URL whose host and port the list
// allows, or why not.
func (l AllowList) Check(raw string) error {
	if len(l) == 0 {
		return errors.New("webhooks are disabled on this server (no --webhook-allow)")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return errors.New("want an http or https URL without credentials or fragment")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	host := strings.ToLower(u.Hostname())
	for _, p := range l {
		ph, pp, _ := net.SplitHostPort(p)
		if ph == host && (pp == "*" || pp == port) {
			return nil
		}
	}
	return fmt.Errorf("%s is not on the server's webhook allow-list", net.JoinHostPort(host, port))
}

// SignatureHeader is the header that carries a webhook body's signature.
const SignatureHeader = "Stemma-Signature"

// Sign returns the signature header of body sent at t: the time and the
// HMAC-SHA256, under the subscription's secret, of the time, a dot and the
// body. Signing the time lets a receiver refuse replays of old bodies.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a signature header against body: one of its v1 values
// must be the body's HMAC under secret, and its time within tolerance of
// now. Receivers written in Go may use it; docs/events.md gives the
// recipe for others.
func Verify(header, secret string, body []byte, now time.Time, tolerance time.Duration) error {
	var (
		ts   string
		sigs [][]byte
	)
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("signature: malformed part %q", part)
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil {
				return fmt.Errorf("signature: v1 is not hex")
			}
			sigs = append(sigs, sig)
		}
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("signature: no time")
	}
	if d := now.Sub(time.Unix(secs, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("signature: time %s is outside the tolerance", time.Unix(secs, 0).UTC())
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return errors.New("signature: no v1 value matches the body")
}
