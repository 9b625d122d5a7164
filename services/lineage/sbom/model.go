package sbom

import (
	"fmt"
	"strings"
)

// Format is an SBOM format.
type Format string

// The formats Read understands.
const (
	CycloneDX Format = "CycloneDX"
	SPDX      Format = "SPDX"
)

// Link is how a component uses one of its dependencies, as far as the
// document says. The import turns it into a derivation's relation and use.
type Link int

// The links, from the most to the least specific: when a document states
// an edge twice, the more specific link wins.
const (
	// LinkStatic: linked statically (SPDX STATIC_LINK; a Go or Rust
	// dependency, which the toolchain always links statically).
	LinkStatic Link = iota + 1
	// LinkDynamic: linked dynamically (SPDX DYNAMIC_LINK).
	LinkDynamic
	// LinkContains: the component contains the other (SPDX CONTAINS, a
	// CycloneDX sub-component).
	LinkContains
	// LinkTraining: a model was trained or tested on a dataset (SPDX 3
	// trainedOn and testedOn, a CycloneDX model card's datasets).
	LinkTraining
	// LinkDepends: a dependency of unstated kind (SPDX DEPENDS_ON, a
	// CycloneDX dependsOn of a package type that links at run time).
	LinkDepends
	// LinkTool: needed to develop, build or test the component, not shipped
	// with it (SPDX DEV_DEPENDENCY_OF, BUILD_TOOL_OF…, CycloneDX scope
	// "excluded").
	LinkTool
)

var linkNames = map[Link]string{
	LinkStatic: "static", LinkDynamic: "dynamic", LinkContains: "contains",
	LinkTraining: "training", LinkDepends: "depends", LinkTool: "tool",
}

func (l Link) String() string {
	if s, ok := linkNames[l]; ok {
		return s
	}
	return fmt.Sprintf("Link(%d)", int(l))
}

// Document is an SBOM read into the neutral model.
type Document struct {
	Format  Format
	Version string // "1.6", "2.3", "3.0"; "" for a card
	// Encoding is how the document was written: "JSON", "XML", "YAML",
	// "tag-value", "JSON-LD" or "YAML front matter"; "gzip+" before it
	// when it came compressed.
	Encoding string
	// Root is the Ref of the product, the component the SBOM describes.
	Root string
	// Components lists every component, the product first, each once.
	Components []Component
	// Edges are the dependency edges, each pair once, in document order.
	Edges []Edge
	// Extracted are the licences the document defines itself (SPDX
	// hasExtractedLicensingInfos, SPDX 3 CustomLicense), by LicenseRef id,
	// so that a LicenseRef- in an expression can be resolved by its text.
	Extracted map[string]ExtractedLicence
	// Warnings are things a reader of the import's report should know:
	// fields skipped, licences read from evidence, components attached to
	// the product because the graph did not reach them.
	Warnings []string
}

// Component is one component (CycloneDX) or package (SPDX).
type Component struct {
	// Ref is the component's reference in the document: its bom-ref or
	// SPDXID, or its JSON path when it has none.
	Ref string
	// Path is the component's JSON path, for messages.
	Path    string
	Name    string
	Version string
	// PURL is the package URL as written; empty when the document gives
	// none.
	PURL string
	// Hashes are the content digests the document gives, with algorithms
	// in Stemma's spelling (sha256, sha3-256, blake2b-256…).
	Hashes []Hash
	// Licence is the licence expression as the document states it, built
	// from CycloneDX licence ids and names (a name becomes a LicenseRef-)
	// or taken from SPDX's concluded or declared licence; empty when the
	// document gives none, NOASSERTION or NONE.
	Licence string
	// Declared keeps every licence statement of the component exactly as
	// the document writes it, in document order, for a resolution step
	// that needs more than Licence: names, URLs and texts.
	Declared []LicenceClaim
	// Kind is the work kind the component's type suggests: "software",
	// "dataset" or "model".
	Kind        string
	Description string
	// Creators are the component's authors, supplier or publisher, as
	// written.
	Creators []string
	// URLs are where the component can be found: its website, VCS or
	// download location.
	URLs []string
	// Curation, for the writers, says that Licence is an accepted
	// curation's, not what was declared; nil when none applies.
	Curation *Curation
}

// Curation is an accepted correction of a component's licence.
type Curation struct {
	Name     string // curations/{id}
	Declared string // the licence it replaced; empty when none was declared
}

// LicenceClaim is one licence statement of a component as the document writes it.
type LicenceClaim struct {
	Path       string // JSON path, or "line N" for tag-value/XML, of the statement
	Expression string // an SPDX expression field: CycloneDX `expression`, SPDX licenseConcluded/licenseDeclared, SPDX 3 LicenseExpression
	ID         string // CycloneDX license.id
	Name       string // CycloneDX license.name
	URL        string // CycloneDX license.url
	Text       string // CycloneDX license.text content (base64 decoded when encoded so)
	Concluded  bool   // a concluded (not declared) licence
	// Evidence marks a licence a CycloneDX generator found in the
	// component's files (evidence.licenses) rather than one the document
	// asserts; it counts only when nothing is asserted.
	Evidence bool
}

// ExtractedLicence is a licence the document defines itself, under a
// LicenseRef- id.
type ExtractedLicence struct {
	Name, Text string
	URLs       []string
}

// Hash is one content digest.
type Hash struct {
	Algorithm string // sha256, sha1, sha3-256, blake2b-256, md5…
	Value     string // lower-case hex
}

// Digest returns the hash as Stemma writes a digest, algorithm:hex.
func (h Hash) Digest() string { return h.Algorithm + ":" + h.Value }

// Edge is a dependency: From (the derivative) uses To (the source).
type Edge struct {
	From, To string
	Link     Link
}

// Error is a problem with the document, at a JSON path or a line.
type Error struct {
	// Path is the JSON path of the problem, for example
	// "components[3].hashes[0].content", or for XML and tag-value its line
	// and element ("line 12 <component>.hashes[0].content"); empty for the
	// whole document.
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func errorf(path, format string, args ...any) *Error {
	return &Error{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Limits bound what Read accepts.
type Limits struct {
	// MaxBytes bounds the document's size as sent.
	MaxBytes int
	// MaxDecompressed bounds the size of a gzip-compressed document once
	// decompressed.
	MaxDecompressed int
	// MaxComponents bounds the components, the product included.
	MaxComponents int
	// MaxEdges bounds the dependency edges.
	MaxEdges int
}

// DefaultLimits are the bounds Read applies to a zero Limits field.
var DefaultLimits = Limits{MaxBytes: 4 << 20, MaxDecompressed: 64 << 20, MaxComponents: 1000, MaxEdges: 20_000}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxDecompressed <= 0 {
		l.MaxDecompressed = DefaultLimits.MaxDecompressed
	}
	if l.MaxComponents <= 0 {
		l.MaxComponents = DefaultLimits.MaxComponents
	}
	if l.MaxEdges <= 0 {
		l.MaxEdges = DefaultLimits.MaxEdges
	}
	return l
}

// Component returns the component with the given ref.
func (d *Document) Component(ref string) (Component, bool) {
	for _, c := range d.Components {
		if c.Ref == ref {
			return c, true
		}
	}
	return Component{}, false
}

// Product returns the product, the component the SBOM describes.
func (d *Document) Product() Component {
	c, _ := d.Component(d.Root)
	return c
}

// FormatName returns the format and version as a person reads them, for
// example "CycloneDX 1.6".
// A card has no version: "Hugging Face model card".
func (d *Document) FormatName() string {
	if d.Version == "" {
		return string(d.Format)
	}
	return string(d.Format) + " " + d.Version
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}
