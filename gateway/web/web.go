// Package web serves Stemma's web explorer: the single-page application
// built from the sources beside this file (see package.json) into dist/,
// which is committed and embedded in the binary, so that `stemma serve`
// needs nothing else.
//
// Every response carries a Content-Security-Policy that lets the page load
// scripts, styles, images and workers from the server itself and talk to
// nothing but the server itself. Content-hashed assets under /assets/ are
// cached for good; everything else is revalidated. Paths that are not files
// answer with the application's index, so that deep links (/works/abc,
// /check?inbound=MIT&outbound=GPL-3.0-only) work.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed all:dist
var dist embed.FS

// CSP is the Content-Security-Policy of every explorer response: nothing
// but the server itself, no inline scripts or styles, no plugins, no
// framing.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; " +
	"connect-src 'self'; worker-src 'self'; manifest-src 'self'; media-src 'none'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// staticExt are the extensions of files the explorer could ask for; a
// missing one is a 404, not the application's index.
var staticExt = map[string]bool{
	".js": true, ".mjs": true, ".css": true, ".map": true, ".json": true, ".svg": true, ".png": true,
	".ico": true, ".txt": true, ".woff": true, ".woff2": true, ".webmanifest": true, ".html": true,
}

type file struct {
	body      []byte
	gz        []byte
	ctype     string
	etag      string
	immutable bool
}

var (
	loadOnce sync.Once
	files    map[string]*file
	loadErr  error
)

func load() {
	files = map[string]*file{}
	loadErr = fs.WalkDir(dist, "dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := dist.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "dist")
		sum := sha256.Sum256(body)
		f := &file{
			body:      body,
			ctype:     contentType(name),
			etag:      `"` + hex.EncodeToString(sum[:12]) + `"`,
			immutable: strings.HasPrefix(name, "/assets/"),
		}
		if len(body) > 1024 && compressible(f.ctype) {
			f.gz = gzipped(body)
		}
		files[name] = f
		return nil
	})
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json", ".map":
		return "application/json"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

// Available reports whether the embedded build has an index page.
func Available() bool {
	loadOnce.Do(load)
	return loadErr == nil && files["/index.html"] != nil
}

// Handler returns the explorer's handler. Mount it at "/" after the API's
// routes: it answers every GET or HEAD it is given.
func Handler() http.Handler {
	loadOnce.Do(load)
	return http.HandlerFunc(serve)
}

// SecurityHeaders sets the headers every explorer response carries.
func SecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
}

func serve(w http.ResponseWriter, r *http.Request) {
	SecurityHeaders(w.Header())
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if loadErr != nil || files["/index.html"] == nil {
		http.Error(w, "the explorer is not built into this binary (make web)", http.StatusNotFound)
		return
	}
	name := path.Clean("/" + r.URL.Path)
	if name == "/" {
		name = "/index.html"
	}
	f := files[name]
	if f == nil {
		if strings.HasPrefix(name, "/assets/") || staticExt[path.Ext(name)] {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		// A route of the application: its index decides what to show.
		f = files["/index.html"]
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	if f.immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	body, etag := f.body, f.etag
	if f.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			v, err := strconv.ParseFloat(q, 64)
			return err == nil && v > 0
		}
		return true
	}
	return false
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
