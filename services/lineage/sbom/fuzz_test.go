package sbom

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzRead checks that Read never panics, refuses only with an *Error,
// and returns documents that keep the model's invariants. The small
// limits keep each input cheap. Each seed is added as it is and, when
// compressed is set, gzip-compressed.
func fuzzRead(f *testing.F, compressed bool, globs ...string) {
	var files []string
	for _, g := range globs {
		m, err := filepath.Glob(g)
		if err != nil {
			f.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		f.Fatalf("no seeds %v", globs)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if compressed {
			b = gz(f, b)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Read(data, Limits{MaxBytes: 1 << 16, MaxDecompressed: 1 << 17, MaxComponents: 200, MaxEdges: 2000})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Read failed with %T %v; want *Error", err, err)
			}
			return
		}
		checkInvariants(t, d)
		r := NewResolver(d)
		for _, c := range d.Components {
			checkResolution(t, c, r.Resolve(c))
		}
		_ = r.Warnings()
	})
}

func FuzzCycloneDX(f *testing.F) { fuzzRead(f, false, "testdata/*/*.cdx.json") }

func FuzzCycloneDXXML(f *testing.F) { fuzzRead(f, false, "testdata/*/*.cdx.xml") }

func FuzzSPDX(f *testing.F) { fuzzRead(f, false, "testdata/*/*.spdx.json") }

func FuzzSPDXTagValue(f *testing.F) { fuzzRead(f, false, "testdata/*/*.spdx") }

func FuzzSPDXYAML(f *testing.F) { fuzzRead(f, false, "testdata/*/*.spdx.yaml") }

func FuzzSPDX3(f *testing.F) { fuzzRead(f, false, "testdata/*/*.spdx3.json") }

func FuzzGzip(f *testing.F) { fuzzRead(f, true, "testdata/handwritten/*") }

func FuzzCard(f *testing.F) { fuzzRead(f, false, "testdata/*/*.card.*") }
