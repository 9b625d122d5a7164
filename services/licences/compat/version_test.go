package compat

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/spdx"
)

var updateFingerprint = flag.Bool("update-rules-fingerprint", false, "rewrite testdata/rules_fingerprint.txt")

const fingerprintFile = "testdata/rules_fingerprint.txt"

// fingerprint hashes the answers of a sample of questions: every modelled
// licence as inbound against a spread of modelled outbounds (every 25th,
// plus the usual pivots), for every use. The full square takes some
// 20 s; the sample about half a second.
func fingerprint(t *testing.T, e *Engine) string {
	t.Helper()
	var modelled []expression.Expr
	var outs []expression.Expr
	for i, p := range e.cat.Licences() {
		if !p.Modelled {
			continue
		}
		x := mustParse(t, p.ID)
		modelled = append(modelled, x)
		if i%25 == 0 {
			outs = append(outs, x)
		}
	}
	for _, id := range []string{"MIT", "Apache-2.0", "GPL-2.0-only", "GPL-3.0-or-later", "LGPL-2.1-only", "MPL-2.0", "AGPL-3.0-only", "CC-BY-SA-4.0"} {
		outs = append(outs, mustParse(t, id))
	}
	h := sha256.New()
	for _, in := range modelled {
		for _, out := range outs {
			for u := Incorporate; u <= Training; u++ {
				r := e.Check(in, out, u)
				h.Write([]byte(in.String() + "|" + out.String() + "|" + strconv.Itoa(int(u)) + "|" + r.Verdict.String() + "|" + r.InboundChoice))
				for _, rs := range r.Reasons {
					h.Write([]byte("|" + rs.Rule + ":" + rs.Verdict.String()))
				}
				h.Write([]byte("|" + strings.Join(r.Conditions, ";") + "\n"))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// TestRulesVersionCoversBehaviour holds the rules' version to what the
// rules answer: if the sampled answers changed while the version did not
// (a rule changed in code, RulesRevision not bumped), caches keyed by the
// version would serve the old answers. When the data or the revision
// changed, the recorded fingerprint is stale and is rewritten with
// go test ./licences/compat -run TestRulesVersionCoversBehaviour -update-rules-fingerprint
func TestRulesVersionCoversBehaviour(t *testing.T) {
	version, fp := testEngine.RulesVersion(), fingerprint(t, testEngine)
	if *updateFingerprint {
		if err := os.WriteFile(fingerprintFile, []byte(version+" "+fp+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(fingerprintFile)
	if err != nil {
		t.Fatal(err)
	}
	recVersion, recFP, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	switch {
	case recVersion == version && recFP != fp:
		t.Fatalf("the rules answer differently (fingerprint %s, recorded %s) under the same version %s: bump compat.RulesRevision, then rerun with -update-rules-fingerprint", fp, recFP, version)
	case recVersion != version:
		t.Fatalf("rules version %s, recorded %s (fingerprint %s, recorded %s): rerun with -update-rules-fingerprint to record it", version, recVersion, fp, recFP)
	}
}

// The version is the same for every engine over the same data, and moves
// with the SPDX list the engine is built over.
func TestRulesVersion(t *testing.T) {
	other, err := New(spdx.Default())
	if err != nil {
		t.Fatal(err)
	}
	v := testEngine.RulesVersion()
	if v == "" || other.RulesVersion() != v {
		t.Fatalf("two engines over the same data: %q, %q", v, other.RulesVersion())
	}
	if !strings.HasPrefix(v, strconv.Itoa(RulesRevision)+"-") {
		t.Errorf("version %q does not start with the revision %d", v, RulesRevision)
	}
	changed := *spdx.Default()
	changed.Version += "-next"
	if rulesVersion(&changed) == v {
		t.Error("a different SPDX list gives the same rules version")
	}
}
