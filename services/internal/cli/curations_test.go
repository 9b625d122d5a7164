package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// The "done when" from the command line: the example policy on the
// example SBOM exits 1 naming both dependencies; alice proposes a
// curation of the unlicensed one (by purl) to MIT, which she may not
// accept; once the reviewer bob accepts it, only the GPL finding remains,
// and the import report names the curation.
func TestCurationsClearTheReviewFinding(t *testing.T) {
	dir := t.TempDir()
	policyFile, sbomFile := filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "bom.json")
	for f, s := range map[string]string{policyFile: examplePolicy, sbomFile: exampleSBOM} {
		if err := os.WriteFile(f, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	server := servers(t)["grpc"]
	t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
	stemma(t, "policy", "apply", policyFile, "--server", server).want(t, 0)
	check := func() result {
		return stemma(t, "policy", "check", "no-strong-copyleft", sbomFile, "--product-licence", "MIT", "--server", server)
	}
	check().want(t, 1, "gpl-lib@2.1.0", "bare-lib@0.3.0")

	r := stemma(t, "curations", "propose", "--purl", "pkg:npm/bare-lib", "--versions", "vers:npm/<1.0.0", "--licence", "MIT",
		"--evidence", "https://example.com/bare-lib/LICENSE", "--output", "json", "--server", server)
	r.want(t, 0, `"CURATION_STATE_PROPOSED"`)
	name, _ := r.json(t)["name"].(string)
	if name == "" {
		t.Fatalf("no name in %s", r.stdout)
	}
	stemma(t, "curations", "propose", "--licence", "MIT", "--evidence", "https://e.com", "--server", server).want(t, 2, "exactly one of --purl and --work")
	stemma(t, "curations", "accept", name, "--server", server).want(t, 2, "PERMISSION_DENIED")
	stemma(t, "curations", "list", "--filter", "state = PROPOSED", "--server", server).want(t, 0, name, "pkg:npm/bare-lib vers:npm/<1.0.0")

	t.Setenv("STEMMA_API_KEY", apptest.BobKey)
	stemma(t, "curations", "accept", name, "--note", "the LICENSE file", "--server", server).want(t, 0, "accepted by bob", "the LICENSE file")
	r = check()
	r.want(t, 1, "gpl-lib@2.1.0")
	if r2 := stemma(t, "policy", "check", "no-strong-copyleft", sbomFile, "--product-licence", "MIT", "--output", "json", "--server", server); len(r2.json(t)["findings"].([]any)) != 1 {
		t.Errorf("after the curation: %s", r2.stdout)
	}
	stemma(t, "curations", "show", name, "--server", server).want(t, 0, "REVIEWER  bob", "proposed by alice")
	stemma(t, "curations", "reject", name, "--server", server).want(t, 0, "rejected by bob")
	check().want(t, 1, "bare-lib@0.3.0")
}
