// Package notice builds the third-party notices a work or a product owes:
// the NOTICE (or THIRD-PARTY-LICENSES) file a release ships. It lists each
// credited work with its creators, identifiers and licence, then the full
// text of every licence used, once, from the SPDX texts the licences'
// identify package embeds. Licences whose text is not held (a
// LicenseRef- the document does not define, an exception) are named with
// where their terms can be read.
//
// The package is pure: its callers (the lineage service, for a work's
// ancestry or an SBOM) decide which works are credited, as attribution
// does, and hand them over.
package notice

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stemma-registry/stemma/services/licences/expression"
	"github.com/stemma-registry/stemma/services/licences/identify"
	"github.com/stemma-registry/stemma/services/licences/spdx"
	"github.com/stemma-registry/stemma/services/lineage/attribution"
)

// Entry is one credited work.
type Entry struct {
	// Work names it: "works/{id}", or a component's reference in an SBOM.
	Work    string
	Title   string
	Version string
	// Creators are its authors, the nearest thing to a copyright holder
	// Stemma records.
	Creators    []attribution.Creator
	Identifiers []attribution.Identifier
	SourceURI   string
	// Licence is the licence expression under which it was used; empty
	// when none is recorded.
	Licence string
	// Curation is the accepted curation whose licence Licence is, and
	// Declared the licence it replaced; both empty when none applies.
	Curation, Declared string
	Depth              int
	Deleted            bool
}

// Licence is one licence (or exception) an entry's expression names.
type Licence struct {
	ID        string
	Name      string // the SPDX full name; the document's for a LicenseRef- it defines
	URL       string // where its terms can be read; "" when unknown
	Exception bool
	// Text is the full text; empty when it is not held, and Note says so.
	Text string
	Note string
	// Works are the entries' Work values whose licence names it.
	Works []string
}

// Notice is the document.
type Notice struct {
	Work      string // what the notice is for
	Title     string
	Entries   []Entry
	Licences  []Licence // in order of first use
	Truncated bool
	Warnings  []string
	Text      string // rendered
}

// Defined is a licence a document defines itself under a LicenseRef- id
// (an SBOM's extracted licensing info), by that id.
type Defined struct {
	Name, Text string
	URLs       []string
}

// Build gathers the licences of entries, with their texts, and renders
// the notice. defined may be nil.
func Build(work, title string, entries []Entry, truncated bool, defined map[string]Defined) *Notice {
	n := &Notice{Work: work, Title: title, Entries: entries, Truncated: truncated}
	index := map[string]int{}
	for _, e := range entries {
		if e.Licence == "" {
			continue
		}
		licences, exceptions, err := ids(e.Licence)
		if err != nil {
			n.Warnings = append(n.Warnings, fmt.Sprintf("%s: licence %q is not an SPDX expression (%v); its text is not included", e.Work, e.Licence, err))
			continue
		}
		for _, l := range append(licences, exceptions...) {
			i, ok := index[l]
			if !ok {
				i = len(n.Licences)
				index[l] = i
				n.Licences = append(n.Licences, describe(l, slices.Contains(exceptions, l) && !slices.Contains(licences, l), defined))
			}
			if !slices.Contains(n.Licences[i].Works, e.Work) {
				n.Licences[i].Works = append(n.Licences[i].Works, e.Work)
			}
		}
	}
	n.Text = render(n)
	return n
}

// ids returns the licence and exception ids an expression names, as the
// SPDX list spells them; ids off the list are kept as written.
func ids(expr string) (licences, exceptions []string, err error) {
	p, err := expression.ParseWith(nil, expr, expression.Options{Unlisted: true})
	if err != nil {
		return nil, nil, err
	}
	licences, exceptions = expression.IDs(p.Expr)
	return licences, exceptions, nil
}

func describe(id string, exception bool, defined map[string]Defined) Licence {
	l := Licence{ID: id, Exception: exception}
	list := spdx.Default()
	switch {
	case exception:
		if x, ok := list.Exception(id); ok {
			l.Name, l.URL = x.Name, x.Reference
		}
		l.Note = "The text of this exception is not held by Stemma; read it at its SPDX page."
	case strings.HasPrefix(id, "LicenseRef-") || strings.HasPrefix(id, "DocumentRef-"):
		d, ok := defined[id]
		if ok && strings.TrimSpace(d.Text) != "" {
			l.Name, l.Text = d.Name, d.Text
			if len(d.URLs) > 0 {
				l.URL = d.URLs[0]
			}
			return l
		}
		l.Note = "A licence outside the SPDX list: its text is not held by Stemma; ask the work's creators for its terms."
	default:
		if x, ok := list.Licence(id); ok {
			l.ID, l.Name, l.URL = x.ID, x.Name, x.Reference
		}
		if t, ok := identify.LicenceText(l.ID); ok {
			l.Text = t
		} else {
			l.Note = "The text of this licence is not held by Stemma; read it at its SPDX page."
		}
	}
	if l.URL == "" && !strings.Contains(id, "Ref-") {
		l.URL = "https://spdx.org/licenses/" + id + ".html"
	}
	return l
}

const rule = "================================================================================\n"

func render(n *Notice) string {
	var b strings.Builder
	fmt.Fprintf(&b, "THIRD-PARTY NOTICES\n\nfor %s (%s)\n\n", oneLine(n.Title), n.Work)
	if len(n.Entries) == 0 {
		b.WriteString("No other work is credited: nothing upstream is recorded.\n")
		return b.String()
	}
	fmt.Fprintf(&b, "%s includes or derives from the works below. Each is listed with its creators,\n"+
		"identifiers and the licence under which it was used; the full text of every licence\nfollows, once.\n\n", oneLine(n.Title))
	for i, e := range n.Entries {
		fmt.Fprintf(&b, "%d. %s", i+1, oneLine(orUntitled(e.Title)))
		if e.Version != "" {
			b.WriteString(" " + oneLine(e.Version))
		}
		fmt.Fprintf(&b, " (%s)\n", e.Work)
		if e.Deleted {
			b.WriteString("   Removed from the catalogue since it was used; only what the derivation recorded is known.\n")
		}
		if len(e.Creators) > 0 {
			names := make([]string, len(e.Creators))
			for j, c := range e.Creators {
				names[j] = oneLine(c.Name)
				if c.Role != "" {
					names[j] += " (" + oneLine(c.Role) + ")"
				}
			}
			fmt.Fprintf(&b, "   Copyright: %s\n", strings.Join(names, ", "))
		}
		for _, id := range e.Identifiers {
			fmt.Fprintf(&b, "   %s: %s\n", oneLine(id.Type), oneLine(id.Value))
		}
		if e.SourceURI != "" {
			fmt.Fprintf(&b, "   Source: %s\n", oneLine(e.SourceURI))
		}
		if e.Licence != "" {
			fmt.Fprintf(&b, "   Licence: %s\n", e.Licence)
			if e.Curation != "" {
				declared := e.Declared
				if declared == "" {
					declared = "none"
				}
				fmt.Fprintf(&b, "   Curated by %s; declared licence: %s\n", e.Curation, declared)
			}
		} else {
			b.WriteString("   Licence: none recorded\n")
		}
		b.WriteString("\n")
	}
	if n.Truncated {
		b.WriteString("(The ancestry holds more works than one notice covers, or goes deeper than asked;\nmore works may be owed credit.)\n\n")
	}
	for _, l := range n.Licences {
		b.WriteString(rule)
		head := l.ID
		if l.Name != "" && l.Name != l.ID {
			head += ": " + oneLine(l.Name)
		}
		b.WriteString(head + "\n")
		if l.URL != "" {
			b.WriteString(l.URL + "\n")
		}
		fmt.Fprintf(&b, "Used by: %s\n", strings.Join(l.Works, ", "))
		b.WriteString(rule + "\n")
		if l.Text != "" {
			b.WriteString(strings.TrimRight(l.Text, "\n") + "\n\n")
		} else {
			b.WriteString(l.Note + "\n\n")
		}
	}
	if slices.ContainsFunc(n.Licences, func(l Licence) bool { return l.Text != "" && !strings.Contains(l.ID, "Ref-") }) {
		b.WriteString(rule + identify.TextsAttribution + "\n")
	}
	return b.String()
}

func orUntitled(t string) string {
	if strings.TrimSpace(t) == "" {
		return "Untitled"
	}
	return t
}

// oneLine keeps what a work's owner wrote from breaking the layout.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
