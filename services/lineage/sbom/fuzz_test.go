package sbom

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzRead checks that Read never panics, refuses only with an *Error,
// and returns documents that keep the model's invariants. The small
// limits keep each input cheap.
func fuzzRead(f *testing.F, seeds string) {
	files, err := filepath.Glob(seeds)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds %s: %v", seeds, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Read(data, Limits{MaxBytes: 1 << 16, MaxComponents: 200, MaxEdges: 2000})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Read failed with %T %v; want *Error", err, err)
			}
			return
		}
		checkInvariants(t, d)
	})
}

func FuzzCycloneDX(f *testing.F) { fuzzRead(f, "testdata/*/*.cdx.json") }

func FuzzSPDX(f *testing.F) { fuzzRead(f, "testdata/*/*.spdx.json") }
