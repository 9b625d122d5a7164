package identify

import (
	"log/slog"
	"sync"
)

// TextsAttribution says where the licence texts come from and under which
// terms they are reproduced (data/PROVENANCE.md has the detail); a
// document that prints them, a NOTICE, prints this with them.
const TextsAttribution = "Licence texts: the SPDX License List's (version 3.28.0, as packaged by " +
	"spdx-license-list 6.12.0), Copyright © Linux Foundation and its Contributors, under CC-BY-3.0; " +
	"each text is that of the licence it names, reproduced under that licence's terms for verbatim copies."

var (
	fullOnce  sync.Once
	fullTexts map[string]string
)

// LicenceText returns the full text of a listed licence, by its SPDX id as
// SPDX spells it, from the same embedded texts Text compares with; false
// for a deprecated id, an exception or a LicenseRef-, whose texts are not
// held. The texts are decompressed on the first call and kept (about
// 4 MiB), since a process that prints one NOTICE usually prints more.
func LicenceText(id string) (string, bool) {
	fullOnce.Do(func() {
		var f struct {
			Texts map[string]string `json:"texts"`
		}
		if err := readTexts(&f); err != nil {
			// Embedded and checked by the tests: a build defect.
			slog.Error("identify: licence texts unreadable", "err", err)
		}
		fullTexts = f.Texts
	})
	t, ok := fullTexts[id]
	return t, ok
}
