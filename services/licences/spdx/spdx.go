// Package spdx holds the SPDX License List, built into the binary: every
// licence and exception with the facts SPDX publishes about it, looked up
// case-insensitively as the SPDX specification requires.
//
// The data files under data/ are verbatim copies of spdx/license-list-data
// (see data/PROVENANCE.md); `make spdx-refresh` replaces them.
package spdx

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed data/licenses.json data/exceptions.json
var dataFS embed.FS

// Licence is one entry of the SPDX licence list.
type Licence struct {
	ID          string   // the identifier, spelt as SPDX spells it
	Name        string   // the full name
	Reference   string   // the licence's page on spdx.org
	SeeAlso     []string // where the text can be read
	OSIApproved bool
	FSFLibre    bool
	Deprecated  bool
	// ReplacedBy is, for a deprecated identifier, the expression SPDX
	// recommends instead; empty when there is no single replacement.
	ReplacedBy string
}

// Exception is one entry of the SPDX exception list.
type Exception struct {
	ID         string
	Name       string
	Reference  string
	SeeAlso    []string
	Deprecated bool
	ReplacedBy string
}

// List is a loaded SPDX licence list.
type List struct {
	Version     string    // licenseListVersion
	ReleaseDate time.Time // releaseDate

	licences   []Licence
	exceptions []Exception
	licenceIdx map[string]int // lower-case id -> index
	excIdx     map[string]int
}

// replacements maps each deprecated identifier to the expression SPDX's
// deprecation notes name as its replacement. The list JSON does not carry
// them; they come from the "deprecated" notes on spdx.org/licenses and from
// the SPDX specification's annex on license expressions (the -only/-or-later
// split of version 3.0 of the list, and the WITH forms that replaced the
// GPL-with-exception identifiers). Identifiers absent here (Net-SNMP,
// Nokia-Qt-exception-1.1) have no single replacement.
var replacements = map[string]string{
	"AGPL-1.0":                         "AGPL-1.0-only",
	"AGPL-3.0":                         "AGPL-3.0-only",
	"BSD-2-Clause-FreeBSD":             "BSD-2-Clause-Views",
	"BSD-2-Clause-NetBSD":              "BSD-2-Clause",
	"bzip2-1.0.5":                      "bzip2-1.0.6",
	"eCos-2.0":                         "GPL-2.0-or-later WITH eCos-exception-2.0",
	"GFDL-1.1":                         "GFDL-1.1-only",
	"GFDL-1.2":                         "GFDL-1.2-only",
	"GFDL-1.3":                         "GFDL-1.3-only",
	"GPL-1.0":                          "GPL-1.0-only",
	"GPL-1.0+":                         "GPL-1.0-or-later",
	"GPL-2.0":                          "GPL-2.0-only",
	"GPL-2.0+":                         "GPL-2.0-or-later",
	"GPL-2.0-with-autoconf-exception":  "GPL-2.0-only WITH Autoconf-exception-2.0",
	"GPL-2.0-with-bison-exception":     "GPL-2.0-or-later WITH Bison-exception-2.2",
	"GPL-2.0-with-classpath-exception": "GPL-2.0-only WITH Classpath-exception-2.0",
	"GPL-2.0-with-font-exception":      "GPL-2.0-only WITH Font-exception-2.0",
	"GPL-2.0-with-GCC-exception":       "GPL-2.0-only WITH GCC-exception-2.0",
	"GPL-3.0":                          "GPL-3.0-only",
	"GPL-3.0+":                         "GPL-3.0-or-later",
	"GPL-3.0-with-autoconf-exception":  "GPL-3.0-only WITH Autoconf-exception-3.0",
	"GPL-3.0-with-GCC-exception":       "GPL-3.0-only WITH GCC-exception-3.1",
	"LGPL-2.0":                         "LGPL-2.0-only",
	"LGPL-2.0+":                        "LGPL-2.0-or-later",
	"LGPL-2.1":                         "LGPL-2.1-only",
	"LGPL-2.1+":                        "LGPL-2.1-or-later",
	"LGPL-3.0":                         "LGPL-3.0-only",
	"LGPL-3.0+":                        "LGPL-3.0-or-later",
	"Nunit":                            "zlib-acknowledgement",
	"StandardML-NJ":                    "SMLNJ",
	"wxWindows":                        "LGPL-2.0-or-later WITH WxWindows-exception-3.1",
}

var (
	defaultOnce sync.Once
	defaultList *List
)

// Default returns the list built into the binary. The embedded files are
// checked by this package's tests, so a failure to parse them is a build
// defect and panics.
func Default() *List {
	defaultOnce.Do(func() {
		l, err := load()
		if err != nil {
			panic(fmt.Sprintf("spdx: embedded licence list: %v", err))
		}
		defaultList = l
	})
	return defaultList
}

type licencesFile struct {
	LicenseListVersion string    `json:"licenseListVersion"`
	ReleaseDate        time.Time `json:"releaseDate"`
	Licenses           []struct {
		Reference     string   `json:"reference"`
		Deprecated    bool     `json:"isDeprecatedLicenseId"`
		Name          string   `json:"name"`
		LicenseID     string   `json:"licenseId"`
		SeeAlso       []string `json:"seeAlso"`
		IsOsiApproved bool     `json:"isOsiApproved"`
		IsFsfLibre    bool     `json:"isFsfLibre"`
	} `json:"licenses"`
}

type exceptionsFile struct {
	LicenseListVersion string `json:"licenseListVersion"`
	Exceptions         []struct {
		Reference   string   `json:"reference"`
		Deprecated  bool     `json:"isDeprecatedLicenseId"`
		Name        string   `json:"name"`
		ExceptionID string   `json:"licenseExceptionId"`
		SeeAlso     []string `json:"seeAlso"`
	} `json:"exceptions"`
}

func load() (*List, error) {
	var lf licencesFile
	if err := readJSON("data/licenses.json", &lf); err != nil {
		return nil, err
	}
	var ef exceptionsFile
	if err := readJSON("data/exceptions.json", &ef); err != nil {
		return nil, err
	}
	l := &List{
		Version:     lf.LicenseListVersion,
		ReleaseDate: lf.ReleaseDate,
		licenceIdx:  make(map[string]int, len(lf.Licenses)),
		excIdx:      make(map[string]int, len(ef.Exceptions)),
	}
	for _, x := range lf.Licenses {
		l.licences = append(l.licences, Licence{
			ID:          x.LicenseID,
			Name:        x.Name,
			Reference:   x.Reference,
			SeeAlso:     x.SeeAlso,
			OSIApproved: x.IsOsiApproved,
			FSFLibre:    x.IsFsfLibre,
			Deprecated:  x.Deprecated,
			ReplacedBy:  replacements[x.LicenseID],
		})
	}
	for _, x := range ef.Exceptions {
		l.exceptions = append(l.exceptions, Exception{
			ID:         x.ExceptionID,
			Name:       x.Name,
			Reference:  x.Reference,
			SeeAlso:    x.SeeAlso,
			Deprecated: x.Deprecated,
		})
	}
	sort.Slice(l.licences, func(i, j int) bool { return lessFold(l.licences[i].ID, l.licences[j].ID) })
	sort.Slice(l.exceptions, func(i, j int) bool { return lessFold(l.exceptions[i].ID, l.exceptions[j].ID) })
	for i, x := range l.licences {
		key := strings.ToLower(x.ID)
		if _, dup := l.licenceIdx[key]; dup {
			return nil, fmt.Errorf("licence %q appears twice", x.ID)
		}
		l.licenceIdx[key] = i
	}
	for i, x := range l.exceptions {
		key := strings.ToLower(x.ID)
		if _, dup := l.excIdx[key]; dup {
			return nil, fmt.Errorf("exception %q appears twice", x.ID)
		}
		l.excIdx[key] = i
	}
	return l, nil
}

func readJSON(name string, v any) error {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// lessFold orders identifiers case-insensitively, then by their exact
// spelling, so that the order is total and stable.
func lessFold(a, b string) bool {
	la, lb := strings.ToLower(a), strings.ToLower(b)
	if la != lb {
		return la < lb
	}
	return a < b
}

// Licence looks a licence up by identifier, ignoring case.
func (l *List) Licence(id string) (Licence, bool) {
	i, ok := l.licenceIdx[strings.ToLower(id)]
	if !ok {
		return Licence{}, false
	}
	return l.licences[i], true
}

// Exception looks an exception up by identifier, ignoring case.
func (l *List) Exception(id string) (Exception, bool) {
	i, ok := l.excIdx[strings.ToLower(id)]
	if !ok {
		return Exception{}, false
	}
	return l.exceptions[i], true
}

// Licences returns every licence, ordered by identifier ignoring case. The
// slice is shared: callers must not modify it.
func (l *List) Licences() []Licence { return l.licences }

// Exceptions returns every exception, ordered by identifier ignoring case.
// The slice is shared: callers must not modify it.
func (l *List) Exceptions() []Exception { return l.exceptions }
