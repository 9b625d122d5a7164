package compat

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/stemma-registry/stemma/services/licences/profile"
	"github.com/stemma-registry/stemma/services/licences/spdx"
)

// RulesRevision numbers the rules written in this package's code. Bump it
// with any change to the code that changes an answer:
// TestRulesVersionCoversBehaviour fails until it is bumped (or the data
// changed), because answers cached under the old version would otherwise
// be served by a deployment running the new rules.
const RulesRevision = 3

// rulesVersion is the version of the rules an engine answers with: the
// code's revision and a digest of every table the answers come from (the
// grants, the profiles, and the SPDX list the engine was built over).
func rulesVersion(list *spdx.List) string {
	h := sha256.New()
	var n [8]byte
	str := func(s string) {
		h.Write(binary.BigEndian.AppendUint64(n[:0], uint64(len(s))))
		h.Write([]byte(s))
	}
	str("stemma compat rules")
	str(strconv.Itoa(RulesRevision))
	if b, err := grantsFS.ReadFile("data/grants.tsv"); err == nil {
		str(string(b))
	}
	d := profile.DataDigest()
	h.Write(d[:])
	str(list.Version)
	for _, l := range list.Licences() {
		str(l.ID)
		str(strconv.FormatBool(l.Deprecated))
		str(l.ReplacedBy)
	}
	for _, x := range list.Exceptions() {
		str(x.ID)
		str(strconv.FormatBool(x.Deprecated))
		str(x.ReplacedBy)
	}
	return strconv.Itoa(RulesRevision) + "-" + hex.EncodeToString(h.Sum(nil)[:8])
}

// RulesVersion returns the version of the rules the engine answers with.
// Two engines with the same version give the same answers; caches of
// answers (verdicts, audits) carry it in their keys, so that a deployment
// rolling out new rules never reads answers the old ones gave.
func (e *Engine) RulesVersion() string { return e.version }
