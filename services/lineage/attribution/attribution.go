// Package attribution computes the credits a work owes to everything
// upstream of it and writes them out, as Markdown and as plain text, in
// the TASL form Creative Commons recommends: Title, Author, Source,
// Licence, with the change that was made.
package attribution

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// Creator is a person or organisation to credit.
type Creator struct {
	Name string
	Role string
	URI  string
}

// Work is what the catalog says of a work.
type Work struct {
	Title     string
	Creators  []Creator
	SourceURI string
	// Deleted: the catalog no longer has the work; only what the
	// derivation recorded is known.
	Deleted bool
	// Curation is the accepted curation of the work's licence, nil when
	// none applies: its licence replaces the recorded one.
	Curation *Curation
}

// Curation is an accepted correction of a work's licence.
type Curation struct {
	Name    string // curations/{id}
	Licence string
}

// Credit is what one upstream work is owed.
type Credit struct {
	Work       string // id
	Title      string
	Creators   []Creator
	SourceURI  string
	Licence    string // when it was used: the derivation's recorded source licence, or the curated one
	LicenceURL string
	// Declared is the recorded licence and Curation the curation whose
	// licence Licence is, when one replaced it; both empty otherwise.
	Declared, Curation string
	// Change is Verb and Note together, "adapted: colours changed".
	Change string
	Verb   string
	Note   string
	// UsedIn is the title of the work that made the change: the next work
	// on the shortest path towards the attributed one.
	UsedIn  string
	Depth   int
	Path    []string // ids, from the attributed work to this one
	Deleted bool
}

// Attribution is the credits owed by a work.
type Attribution struct {
	Work      string
	Credits   []Credit
	Markdown  string
	Text      string
	Truncated bool
	// Capped reports that the closure bound, not only the depth bound,
	// cut the ancestry short.
	Capped bool
}

// Build computes the credits of the closure's root, nearest first. The
// licence credited is the source licence recorded by the derivation on
// the shortest path, the licence under which the material was taken.
// derivations holds at least those on the closure's paths; works holds
// what the catalog returned, a missing work counting as deleted.
func Build(c *graph.Closure, derivations map[string]*graph.Derivation, works map[string]Work) *Attribution {
	root := c.Nodes[0].Work
	a := &Attribution{Work: root, Truncated: c.Truncated, Capped: c.Capped}
	for i := 1; i < len(c.Nodes); i++ {
		n := c.Nodes[i]
		w, ok := works[n.Work]
		if !ok {
			w = Work{Deleted: true}
		}
		path, _, _ := c.Path(i)
		cr := Credit{
			Work: n.Work, Title: w.Title, Creators: w.Creators, SourceURI: w.SourceURI,
			Depth: n.Depth, Path: path, Deleted: w.Deleted, UsedIn: title(works, c.Nodes[n.Parent].Work),
		}
		if d := derivations[n.Derivation]; d != nil {
			cr.Licence, cr.Change, cr.Verb, cr.Note = d.SourceLicence, d.Change(), d.Verb(), d.Note
		}
		if cu := w.Curation; cu != nil && cu.Licence != cr.Licence {
			cr.Declared, cr.Licence, cr.Curation = cr.Licence, cu.Licence, cu.Name
		}
		cr.LicenceURL = LicenceURL(cr.Licence)
		a.Credits = append(a.Credits, cr)
	}
	a.Markdown = render(a, title(works, root), markdown{})
	a.Text = render(a, title(works, root), plain{})
	return a
}

// curated says where a credit's licence comes from when a curation
// replaced the recorded one.
func curated(c Credit) string {
	declared := c.Declared
	if declared == "" {
		declared = "none"
	}
	return "curated by " + c.Curation + "; declared: " + declared
}

func title(works map[string]Work, id string) string {
	if w, ok := works[id]; ok && w.Title != "" {
		return w.Title
	}
	return "works/" + id
}

// LicenceURL returns the SPDX page of a licence expression that names one
// licence, and "" for compound expressions and references SPDX does not
// list.
func LicenceURL(expr string) string {
	if expr == "" || strings.ContainsAny(expr, " ()") || isRef(expr) {
		return ""
	}
	return spdxURL(expr)
}

func isRef(id string) bool {
	return strings.HasPrefix(id, "LicenseRef-") || strings.HasPrefix(id, "DocumentRef-") || strings.HasPrefix(id, "AdditionRef-")
}

func spdxURL(id string) string {
	return "https://spdx.org/licenses/" + strings.TrimSuffix(id, "+") + ".html"
}

// Identifier is a work's identifier in another system.
type Identifier struct {
	Type  string
	Value string
}

// SourceURI returns where a work can be found: its first source URI, else
// the URL its first resolvable identifier gives.
func SourceURI(uris []string, identifiers []Identifier) string {
	if len(uris) > 0 {
		return uris[0]
	}
	for _, id := range identifiers {
		switch id.Type {
		case "url":
			return id.Value
		case "doi":
			return "https://doi.org/" + id.Value
		case "swhid":
			return "https://archive.softwareheritage.org/" + id.Value
		}
	}
	return ""
}

// style writes the parts of a credit in one output format.
type style interface {
	title(title, uri string) string
	creator(c Creator) string
	licence(expr string) string
	text(s string) string
	bullet() string
}

func render(a *Attribution, rootTitle string, s style) string {
	if len(a.Credits) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Credits for %s:\n\n", quote(s.text(rootTitle)))
	for _, c := range a.Credits {
		b.WriteString(s.bullet())
		b.WriteString(s.title(c.Title, c.SourceURI))
		if c.Deleted {
			b.WriteString(" (works/" + c.Work + ", since removed from the catalogue)")
		}
		if names := creators(c.Creators, s); names != "" {
			b.WriteString(" by " + names)
		}
		if c.Licence != "" {
			b.WriteString(", licensed under " + s.licence(c.Licence))
			if c.Curation != "" {
				b.WriteString(" (" + s.text(curated(c)) + ")")
			}
		} else {
			b.WriteString(", with no licence recorded")
		}
		if c.Verb != "" {
			fmt.Fprintf(&b, "; %s in %s", s.text(c.Verb), quote(s.text(c.UsedIn)))
			if c.Note != "" {
				b.WriteString(": " + s.text(c.Note))
			}
		}
		b.WriteString(".\n")
	}
	switch {
	case a.Capped:
		b.WriteString("\n(The ancestry holds more works than one answer covers; more works may be owed credit.)\n")
	case a.Truncated:
		b.WriteString("\n(The ancestry goes deeper than the depth asked for; more works may be owed credit.)\n")
	}
	return b.String()
}

func quote(s string) string { return "“" + s + "”" }

func creators(cs []Creator, s style) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = s.creator(c)
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// plain is the plain-text style: links in parentheses.
type plain struct{}

func (plain) bullet() string { return "- " }

func (plain) title(t, uri string) string {
	if t == "" {
		t = "Untitled"
	}
	if uri != "" {
		return quote(t) + " (" + uri + ")"
	}
	return quote(t)
}

func (plain) creator(c Creator) string { return c.Name }

func (plain) text(s string) string { return oneLine(s) }

func (plain) licence(expr string) string {
	if u := LicenceURL(expr); u != "" {
		return expr + " (" + u + ")"
	}
	return expr
}

// markdown is the Markdown style: links inline, text escaped.
type markdown struct{}

func (markdown) bullet() string { return "- " }

func (markdown) title(t, uri string) string {
	if t == "" {
		t = "Untitled"
	}
	switch {
	case webURL(uri):
		return "[" + escape(t) + "](" + linkTarget(uri) + ")"
	case uri != "":
		return quote(escape(t)) + " (" + escape(oneLine(uri)) + ")"
	}
	return quote(escape(t))
}

func (markdown) text(s string) string { return escape(oneLine(s)) }

func (markdown) creator(c Creator) string {
	switch {
	case webURL(c.URI):
		return "[" + escape(c.Name) + "](" + linkTarget(c.URI) + ")"
	case c.URI != "":
		return escape(c.Name) + " (" + escape(oneLine(c.URI)) + ")"
	}
	return escape(c.Name)
}

// licence links every licence and exception of an expression to its SPDX
// page: "[MIT](…) OR [Apache-2.0](…)".
func (markdown) licence(expr string) string {
	var b strings.Builder
	word := func(w string) {
		switch {
		case w == "AND" || w == "OR" || w == "WITH" || isRef(w):
			b.WriteString(escape(w))
		default:
			b.WriteString("[" + escape(w) + "](" + spdxURL(w) + ")")
		}
	}
	start := -1
	for i, r := range expr + " " {
		if r == ' ' || r == '(' || r == ')' {
			if start >= 0 {
				word(expr[start:i])
				start = -1
			}
			if i < len(expr) {
				b.WriteRune(r)
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return b.String()
}

// oneLine keeps a credit on one line: notes may hold line breaks.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// escape makes text safe inside a Markdown line that starts with a list
// marker: none of its characters starts emphasis, code, a link or HTML.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// webURL reports whether uri is an absolute http or https URL, the only
// URIs a rendering makes links of: works and creators carry URIs their
// owners write, and a javascript: or data: link in a credit would run
// whatever its author chose in the reader's browser.
func webURL(uri string) bool {
	u, err := url.Parse(uri)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// linkTarget keeps a URI from ending a Markdown link early.
func linkTarget(uri string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(uri)
}
