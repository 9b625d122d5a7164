// Command gentexts builds identify/data/texts.json.gz, the licence texts
// identify.Text matches against, from the npm package spdx-license-list
// (its spdx-full.json). It keeps the texts of the identifiers that the
// embedded SPDX list (package spdx) holds as current, so that Text never
// answers a deprecated id and every answer is an id Name also knows.
//
// Usage (scripts/licence-texts.sh runs it after `npm pack`):
//
//	go run ./licences/identify/gentexts -tgz spdx-license-list-6.12.0.tgz -out licences/identify/data/texts.json.gz
//
// The output is deterministic: JSON with sorted keys, gzip without a
// timestamp or name, so regenerating from the same tarball gives the same
// bytes and `git diff` shows only real changes.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"

	"github.com/stemma-registry/stemma/services/licences/spdx"
)

// file is the embedded file's shape; identify reads the same fields.
type file struct {
	Source      string            `json:"source"`      // npm package@version
	ListVersion string            `json:"listVersion"` // SPDX licence list version the package states
	Texts       map[string]string `json:"texts"`       // SPDX id -> licence text
}

func main() {
	tgz := flag.String("tgz", "", "the npm tarball of spdx-license-list")
	out := flag.String("out", "", "where to write texts.json.gz")
	flag.Parse()
	if err := run(*tgz, *out); err != nil {
		slog.Error("gentexts", "err", err)
		os.Exit(1)
	}
}

func run(tgz, out string) error {
	if tgz == "" || out == "" {
		return errors.New("need -tgz and -out")
	}
	files, err := readTarball(tgz, "package/package.json", "package/spdx-full.json", "package/readme.md")
	if err != nil {
		return err
	}
	var pkg struct{ Name, Version string }
	if err := json.Unmarshal(files["package/package.json"], &pkg); err != nil {
		return fmt.Errorf("package.json: %w", err)
	}
	var full map[string]struct {
		LicenseText string `json:"licenseText"`
	}
	if err := json.Unmarshal(files["package/spdx-full.json"], &full); err != nil {
		return fmt.Errorf("spdx-full.json: %w", err)
	}
	// The readme states the list version ("Using SPDX License List version 3.28.0").
	listVersion := ""
	if m := regexp.MustCompile(`SPDX License List version ([0-9.]+)`).FindSubmatch(files["package/readme.md"]); m != nil {
		listVersion = string(m[1])
	}
	f := file{Source: pkg.Name + "@" + pkg.Version, ListVersion: listVersion, Texts: map[string]string{}}
	list := spdx.Default()
	skipped := 0
	for id, e := range full {
		lic, ok := list.Licence(id)
		if !ok || lic.Deprecated || strings.TrimSpace(e.LicenseText) == "" {
			skipped++
			continue
		}
		f.Texts[lic.ID] = strings.ReplaceAll(e.LicenseText, "\r\n", "\n")
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	slog.Info("wrote licence texts", "out", out, "source", f.Source, "list", listVersion, "texts", len(f.Texts), "skipped", skipped, "bytes", buf.Len())
	return nil
}

func readTarball(path string, want ...string) (map[string][]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	got := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		for _, w := range want {
			if h.Name == w {
				b, err := io.ReadAll(io.LimitReader(tr, 64<<20))
				if err != nil {
					return nil, err
				}
				got[w] = b
			}
		}
	}
	for _, w := range want {
		if got[w] == nil {
			return nil, fmt.Errorf("%s: no %s", path, w)
		}
	}
	return got, nil
}
