// Command spdxconvert rewrites a real SPDX 2.3 JSON document, with
// spdx/tools-golang, as SPDX 2.3 YAML and tag-value and as SPDX 2.2 JSON,
// YAML and tag-value, so that the SBOM reader's corpus has those encodings
// as a maintained SPDX library writes them (scripts/sbom-fixtures.sh).
//
// Usage: spdxconvert IN.spdx.json OUTPREFIX; it writes OUTPREFIX.spdx.yaml,
// OUTPREFIX.spdx, OUTPREFIX-2.2.spdx.json, OUTPREFIX-2.2.spdx.yaml and
// OUTPREFIX-2.2.spdx.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spdx/tools-golang/convert"
	"github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_2"
	"github.com/spdx/tools-golang/tagvalue"
	"github.com/spdx/tools-golang/yaml"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: spdxconvert IN.spdx.json OUTPREFIX")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "spdxconvert:", err)
		os.Exit(1)
	}
}

func run(in, prefix string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	doc, err := json.Read(f)
	if err != nil {
		return err
	}
	var old v2_2.Document
	if err := convert.Document(doc, &old); err != nil {
		return err
	}
	writeJSON := func(d common.AnyDocument, w io.Writer) error { return json.Write(d, w, json.Indent("  ")) }
	for _, out := range []struct {
		name  string
		doc   common.AnyDocument
		write func(common.AnyDocument, io.Writer) error
	}{
		{prefix + ".spdx.yaml", doc, yaml.Write},
		{prefix + ".spdx", doc, tagvalue.Write},
		{prefix + "-2.2.spdx.json", &old, writeJSON},
		{prefix + "-2.2.spdx.yaml", &old, yaml.Write},
		{prefix + "-2.2.spdx", &old, tagvalue.Write},
	} {
		if err := write(out.name, out.doc, out.write); err != nil {
			return err
		}
	}
	return nil
}

func write(name string, doc common.AnyDocument, w func(common.AnyDocument, io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := w(doc, f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", name, err)
	}
	return f.Close()
}
