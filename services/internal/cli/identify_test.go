package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLicencesIdentify(t *testing.T) {
	for name, server := range servers(t) {
		t.Run(name, func(t *testing.T) {
			s := "--server=" + server
			stemma(t, "licences", "identify", "--name", "GPLv3", s).want(t, 0, "EXPRESSION", "GPL-3.0-only", "alias")
			stemma(t, "licences", "identify", "--name", "BSD", s).want(t, 0, "BSD-3-Clause", "ALTERNATIVE", "BSD-2-Clause", "WARNING")
			r := stemma(t, "licences", "identify", "--url", "https://www.apache.org/licenses/LICENSE-2.0", s, "-o", "json")
			r.want(t, 0)
			if m := r.json(t); m["expression"] != "Apache-2.0" || m["method"] != "IDENTIFY_METHOD_URL" {
				t.Errorf("--url JSON = %v", m)
			}
			// Nothing found is an answer, "no": exit 1.
			stemma(t, "licences", "identify", "--name", "the licence of my cat", s).want(t, 1, "none")
			stemma(t, "licences", "identify", "--name", strings.Repeat("x", 2000), s).want(t, 2, "INVALID_ARGUMENT", "name")
			// The repository's LICENSE is the Apache-2.0 text.
			stemma(t, "licences", "identify", "../../../LICENSE", s).want(t, 0, "Apache-2.0", "text", "CONFIDENCE")
			stemma(t, "licences", "identify", "../../../docs/cli.md", s).want(t, 1, "none")
		})
	}
}

// "-" reads the text from standard input.
func TestLicencesIdentifyStdin(t *testing.T) {
	s := "--server=" + servers(t)["grpc"]
	withStdin(t, "../../../LICENSE")
	r := stemma(t, "licences", "identify", "-", s, "-o", "json")
	r.want(t, 0)
	if m := r.json(t); m["expression"] != "Apache-2.0" || m["method"] != "IDENTIFY_METHOD_TEXT" {
		t.Errorf("identify - < LICENSE = %v", m)
	}
}

// The input is exactly one of a file, --name and --url; a file too long
// to be a licence is refused before anything is sent.
func TestLicencesIdentifyUsage(t *testing.T) {
	big := filepath.Join(t.TempDir(), "BIG")
	if err := os.WriteFile(big, []byte(strings.Repeat("licence ", 40000)), 0o644); err != nil {
		t.Fatal(err)
	}
	// No server is listening here: each case must fail before dialling.
	s := "--server=http://127.0.0.1:1"
	stemma(t, "licences", "identify", s).want(t, 2, "exactly one")
	stemma(t, "licences", "identify", "LICENSE", "--name", "MIT", s).want(t, 2, "exactly one")
	stemma(t, "licences", "identify", "--name", "MIT", "--url", "https://x", s).want(t, 2, "exactly one")
	stemma(t, "licences", "identify", big, s).want(t, 2, "longer than 262144 bytes")
	stemma(t, "licences", "identify", filepath.Join(t.TempDir(), "missing"), s).want(t, 2, "no such file")
	stemma(t, "licences", "identify", "--help").want(t, 0, "stemma licences identify LICENSE", "--url")
}
