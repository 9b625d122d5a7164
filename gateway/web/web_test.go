package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var scriptSrc = regexp.MustCompile(`<script[^>]*\ssrc="(/assets/[^"]+\.js)"`)

// The index page: HTML, revalidated on every use, with the security
// headers, and no inline script for the CSP to forbid.
func TestIndex(t *testing.T) {
	if !Available() {
		t.Fatal("the explorer's build output (dist/) is not embedded: run make web")
	}
	r := get(t, "/")
	b := body(t, r)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", r.StatusCode)
	}
	for k, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-cache",
		"Content-Security-Policy": CSP,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	for _, directive := range []string{"default-src 'self'", "script-src 'self'", "connect-src 'self'", "object-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(CSP, directive) {
			t.Errorf("CSP lacks %q", directive)
		}
	}
	if strings.Contains(CSP, "unsafe") {
		t.Errorf("CSP allows something unsafe: %s", CSP)
	}
	if !scriptSrc.MatchString(b) {
		t.Fatalf("index has no module script from /assets/:\n%s", b)
	}
	if n, m := strings.Count(b, "<script"), len(scriptSrc.FindAllString(b, -1)); n != m {
		t.Errorf("index has %d scripts of which only %d load from /assets/: no inline scripts allowed", n, m)
	}
	if regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(b) {
		t.Errorf("index loads something from another host:\n%s", b)
	}
	if strings.Contains(b, " style=") {
		t.Errorf("index has an inline style attribute, which the CSP forbids")
	}
}

// Deep links answer with the index so that the application routes them;
// missing files are 404s, not the index.
func TestFallback(t *testing.T) {
	index := body(t, get(t, "/"))
	for _, p := range []string{"/works/abc", "/works/abc/tree", "/check", "/licences/GPL-2.0-only", "/licences/Apache-2.0", "/register"} {
		r := get(t, p+"?x=1")
		if r.StatusCode != http.StatusOK || body(t, r) != index {
			t.Errorf("GET %s: %d, want the index", p, r.StatusCode)
		}
		if r.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: no CSP", p)
		}
	}
	for _, p := range []string{"/assets/nope.js", "/nope.js", "/favicon.ico", "/robots.txt"} {
		if r := get(t, p); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, r.StatusCode)
		}
	}
}

// Hashed assets are cached for good, with the right types; conditional
// requests and gzip work.
func TestAssets(t *testing.T) {
	m := scriptSrc.FindStringSubmatch(body(t, get(t, "/")))
	if m == nil {
		t.Fatal("no script in the index")
	}
	r := get(t, m[1])
	js := body(t, r)
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("GET %s = %d %s", m[1], r.StatusCode, r.Header.Get("Content-Type"))
	}
	if got := r.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q", got)
	}
	etag := r.Header.Get("ETag")
	if nm := get(t, m[1], "If-None-Match", etag); nm.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", nm.StatusCode)
	}
	gz := get(t, m[1], "Accept-Encoding", "br, gzip")
	if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("ETag") == etag {
		t.Fatalf("gzip: encoding %q etag %q", gz.Header.Get("Content-Encoding"), gz.Header.Get("ETag"))
	}
	zr, err := gzip.NewReader(bytes.NewReader([]byte(body(t, gz))))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != js {
		t.Error("gzip body differs from the plain one")
	}
	if r := get(t, m[1], "Accept-Encoding", "gzip;q=0"); r.Header.Get("Content-Encoding") != "" {
		t.Error("gzip sent though refused with q=0")
	}
	css := get(t, "/favicon.svg")
	if css.StatusCode != http.StatusOK || css.Header.Get("Content-Type") != "image/svg+xml" || css.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("favicon: %d %s %s", css.StatusCode, css.Header.Get("Content-Type"), css.Header.Get("Cache-Control"))
	}
}

// Every asset the build produced is served with a known type, and none
// refers to another host for anything it loads.
func TestEveryAsset(t *testing.T) {
	loadOnce.Do(load)
	if len(files) < 3 {
		t.Fatalf("only %d files embedded", len(files))
	}
	importFrom := regexp.MustCompile(`(import\(|from\s*|new URL\()\s*["'](https?:)?//`)
	for name, f := range files {
		if f.ctype == "application/octet-stream" {
			t.Errorf("%s: no content type", name)
		}
		if strings.HasSuffix(name, ".js") && importFrom.Match(f.body) {
			t.Errorf("%s imports from another host", name)
		}
		if strings.HasSuffix(name, ".css") && regexp.MustCompile(`url\(\s*["']?(https?:)?//`).Match(f.body) {
			t.Errorf("%s loads from another host", name)
		}
	}
}

func TestMethods(t *testing.T) {
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		rec := httptest.NewRecorder()
		Handler().ServeHTTP(rec, httptest.NewRequest(m, "/", nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s / = %d, Allow %q", m, rec.Code, rec.Header().Get("Allow"))
		}
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/works/x", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}
