package sbom

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// cdxVersions are the CycloneDX versions Read accepts, in JSON and XML:
// every version with a JSON encoding. 1.2 added the dependency graph the
// reader needs; later versions only added fields it may ignore, and the
// model card (1.5) it reads for training data.
var cdxVersions = []string{"1.2", "1.3", "1.4", "1.5", "1.6"}

// cdxNamespace is the XML namespace of a CycloneDX document, followed by
// its version.
const cdxNamespace = "http://cyclonedx.org/schema/bom/"

// The CycloneDX types serve both encodings: the JSON names and the XML
// elements name the same fields.
type cdxBOM struct {
	XMLName     xml.Name `json:"-"`
	BOMFormat   string   `json:"bomFormat" xml:"-"`
	SpecVersion string   `json:"specVersion" xml:"-"`
	Metadata    *struct {
		Component node[cdxComponent] `json:"component" xml:"component"`
	} `json:"metadata" xml:"metadata"`
	Components   []node[cdxComponent]  `json:"components" xml:"components>component"`
	Dependencies []node[cdxDependency] `json:"dependencies" xml:"dependencies>dependency"`
}

type cdxComponent struct {
	Type        string `json:"type" xml:"type,attr"`
	BOMRef      string `json:"bom-ref" xml:"bom-ref,attr"`
	Group       string `json:"group" xml:"group"`
	Name        string `json:"name" xml:"name"`
	Version     string `json:"version" xml:"version"`
	Description string `json:"description" xml:"description"`
	PURL        string `json:"purl" xml:"purl"`
	Scope       string `json:"scope" xml:"scope"`
	Author      string `json:"author" xml:"author"`
	Publisher   string `json:"publisher" xml:"publisher"`
	Authors     []struct {
		Name string `json:"name" xml:"name"`
	} `json:"authors" xml:"authors>author"`
	Supplier *struct {
		Name string `json:"name" xml:"name"`
	} `json:"supplier" xml:"supplier"`
	Hashes []struct {
		Alg     string `json:"alg" xml:"alg,attr"`
		Content string `json:"content" xml:",chardata"`
	} `json:"hashes" xml:"hashes>hash"`
	Licenses           cdxLicences `json:"licenses" xml:"licenses"`
	ExternalReferences []struct {
		URL  string `json:"url" xml:"url"`
		Type string `json:"type" xml:"type,attr"`
	} `json:"externalReferences" xml:"externalReferences>reference"`
	Evidence *struct {
		Licenses cdxLicences `json:"licenses" xml:"licenses"`
	} `json:"evidence" xml:"evidence"`
	ModelCard *struct {
		ModelParameters *struct {
			Datasets []struct {
				Ref string `json:"ref" xml:"ref"`
			} `json:"datasets" xml:"datasets>dataset"`
		} `json:"modelParameters" xml:"modelParameters"`
	} `json:"modelCard" xml:"modelCard"`
	Components []node[cdxComponent] `json:"components" xml:"components>component"`
}

// cdxLicences is a component's licence list: JSON writes each licence or
// expression as an object of the array, XML as <license> and
// <expression> elements in one <licenses>.
type cdxLicences []cdxLicenceChoice

type cdxLicenceChoice struct {
	License         *cdxLicence `json:"license"`
	Expression      string      `json:"expression"`
	Acknowledgement string      `json:"acknowledgement"`
	line            int         // where XML wrote it
}

type cdxLicence struct {
	ID   string `json:"id" xml:"id"`
	Name string `json:"name" xml:"name"`
	URL  string `json:"url" xml:"url"`
	Text *struct {
		Content  string `json:"content" xml:",chardata"`
		Encoding string `json:"encoding" xml:"encoding,attr"`
	} `json:"text" xml:"text"`
	Acknowledgement string `json:"acknowledgement" xml:"acknowledgement,attr"`
}

// UnmarshalXML reads the <license> and <expression> elements of a
// <licenses>, in order; other elements are skipped.
func (l *cdxLicences) UnmarshalXML(d *xml.Decoder, _ xml.StartElement) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			line, _ := d.InputPos()
			switch t.Name.Local {
			case "license":
				var lic cdxLicence
				if err := d.DecodeElement(&lic, &t); err != nil {
					return err
				}
				*l = append(*l, cdxLicenceChoice{License: &lic, line: line})
			case "expression":
				var e struct {
					Value string `xml:",chardata"`
					Ack   string `xml:"acknowledgement,attr"`
				}
				if err := d.DecodeElement(&e, &t); err != nil {
					return err
				}
				*l = append(*l, cdxLicenceChoice{Expression: e.Value, Acknowledgement: e.Ack, line: line})
			default:
				if err := d.Skip(); err != nil {
					return err
				}
			}
		}
	}
}

type cdxDependency struct {
	Ref       string   `json:"ref" xml:"ref,attr"`
	DependsOn []string `json:"dependsOn" xml:"-"`
	// Nested is how XML writes dependsOn: <dependency ref=""> elements
	// inside the dependent's.
	Nested []struct {
		Ref string `xml:"ref,attr"`
	} `json:"-" xml:"dependency"`
}

// cdxHashes maps CycloneDX hash algorithms to Stemma's spelling; the
// others (BLAKE2b-384) are skipped with a warning.
var cdxHashes = map[string]string{
	"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512",
	"SHA3-256": "sha3-256", "SHA3-384": "sha3-384", "SHA3-512": "sha3-512",
	"BLAKE2b-256": "blake2b-256", "BLAKE2b-512": "blake2b-512", "BLAKE3": "blake3",
}

// cdxKinds maps CycloneDX component types to work kinds; every other type
// is software.
var cdxKinds = map[string]string{"data": "dataset", "machine-learning-model": "model"}

type cdxReader struct {
	*builder
	excluded map[string]bool // refs of components with scope "excluded"
	training []pendingEdge   // a model card's datasets, linked once every component is read
}

type pendingEdge struct{ from, to, path string }

// maxNesting bounds how deep components may nest: real documents nest a
// few levels, and each level decodes its own sub-components again.
const maxNesting = 32

func readCycloneDX(b *builder, data []byte) error {
	var bom cdxBOM
	if err := decode("", data, &bom); err != nil {
		return err
	}
	if bom.BOMFormat != "CycloneDX" {
		return errorf("bomFormat", "%q; want CycloneDX", clip(bom.BOMFormat))
	}
	if !slices.Contains(cdxVersions, bom.SpecVersion) {
		return errorf("specVersion", "%q is not supported; want one of %s", clip(bom.SpecVersion), strings.Join(cdxVersions, ", "))
	}
	b.doc.Encoding = "JSON"
	return readCDX(b, &bom, "metadata.component")
}

// readCycloneDXXML reads a CycloneDX XML document, whose namespace
// carries its version.
func readCycloneDXXML(b *builder, data []byte) error {
	var bom cdxBOM
	if err := decodeXML(data, &bom); err != nil {
		return err
	}
	version, ok := strings.CutPrefix(bom.XMLName.Space, cdxNamespace)
	if bom.XMLName.Local != "bom" || !ok {
		return errorf("line 1", "<%s xmlns=%q> is no CycloneDX document; want <bom xmlns=\"%s1.x\">", clip(bom.XMLName.Local), clip(bom.XMLName.Space), cdxNamespace)
	}
	if !slices.Contains(cdxVersions, version) {
		return errorf("line 1 <bom>", "CycloneDX %q is not supported; want one of %s", clip(version), strings.Join(cdxVersions, ", "))
	}
	bom.SpecVersion = version
	b.doc.Encoding = "XML"
	return readCDX(b, &bom, "<metadata><component>")
}

// decodeXML unmarshals an XML document, naming the line of a syntax error.
// Go's decoder expands only XML's own entities, so a document declaring
// its own (a billion laughs) fails at the first use of one.
func decodeXML(data []byte, v any) error {
	err := xml.Unmarshal(data, v)
	var se *xml.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return errorf(linePath(se.Line, ""), "malformed XML: %s", se.Msg)
	case errors.Is(err, io.EOF):
		return errorf("", "empty or truncated XML")
	}
	return errorf("", "malformed XML: %v", err)
}

func readCDX(b *builder, bom *cdxBOM, rootPath string) error {
	b.doc.Format, b.doc.Version = CycloneDX, bom.SpecVersion
	r := &cdxReader{builder: b, excluded: map[string]bool{}}
	if bom.Metadata == nil || bom.Metadata.Component.missing() {
		return errorf(rootPath, "missing; the SBOM must name its product")
	}
	root, err := r.component("metadata.component", &bom.Metadata.Component, 0)
	if err != nil {
		return err
	}
	b.doc.Root = root
	for i := range bom.Components {
		if _, err := r.component(index("components", i), &bom.Components[i], 0); err != nil {
			return err
		}
	}
	for _, t := range r.training {
		to, ok := b.refs[t.to]
		switch {
		case !ok:
			b.warn("%s: dataset %q is not a component of the document; left out", t.path, clip(t.to))
		case b.doc.Components[to].Kind != "dataset":
			b.warn("%s: %q is not a data component; left out", t.path, clip(t.to))
		default:
			if err := b.edge(t.from, t.to, LinkTraining, t.path); err != nil {
				return err
			}
		}
	}
	for i := range bom.Dependencies {
		dep, path, err := bom.Dependencies[i].get(index("dependencies", i))
		if err != nil {
			return err
		}
		for _, n := range dep.Nested {
			dep.DependsOn = append(dep.DependsOn, n.Ref)
		}
		if dep.Ref == "" {
			return errorf(join(path, "ref"), "missing")
		}
		if _, ok := b.refs[dep.Ref]; !ok {
			return errorf(join(path, "ref"), "%q names no component of the document", clip(dep.Ref))
		}
		for j, to := range dep.DependsOn {
			if _, ok := b.refs[to]; !ok {
				return errorf(index(join(path, "dependsOn"), j), "%q names no component of the document", clip(to))
			}
			link := b.defaultLink(dep.Ref, to)
			if r.excluded[to] {
				link = LinkTool
			}
			if to == dep.Ref {
				b.warn("%s: %s depends on itself; left out", path, clip(dep.Ref))
				continue
			}
			if err := b.edge(dep.Ref, to, link, index(join(path, "dependsOn"), j)); err != nil {
				return err
			}
		}
	}
	return nil
}

// component reads one component and its sub-components, and returns its
// ref.
func (r *cdxReader) component(path string, n *node[cdxComponent], depth int) (string, error) {
	c, path, err := n.get(path)
	if err != nil {
		return "", err
	}
	if depth > maxNesting {
		return "", errorf(path, "components nested more than %d deep", maxNesting)
	}
	if c.Type == "" {
		return "", errorf(join(path, "type"), "missing")
	}
	if err := checkPURL(join(path, "purl"), c.PURL); err != nil {
		return "", err
	}
	name := c.Name
	if c.Group != "" {
		name = c.Group + "/" + c.Name
	}
	ref := c.BOMRef
	if ref == "" && n.val != nil {
		// Several components may start on one line of XML; their order
		// tells them apart.
		ref = fmt.Sprintf("component %d at %s", len(r.doc.Components)+1, path)
	}
	comp := Component{
		Ref: ref, Path: path, Name: name, Version: c.Version, PURL: c.PURL,
		Description: c.Description, Kind: "software",
	}
	if k, ok := cdxKinds[c.Type]; ok {
		comp.Kind = k
	}
	for i, h := range c.Hashes {
		p := index(join(path, "hashes"), i)
		hh, ok, err := hash(join(p, "content"), h.Alg, strings.TrimSpace(h.Content), cdxHashes)
		if err != nil {
			return "", err
		}
		if !ok {
			r.warn("%s.alg: hash algorithm %q is not kept", p, clip(h.Alg))
			continue
		}
		comp.Hashes = append(comp.Hashes, hh)
	}
	lic, claims, err := r.licence(join(path, "licenses"), c.Licenses)
	if err != nil {
		return "", err
	}
	comp.Declared = claims
	if c.Evidence != nil && len(c.Evidence.Licenses) > 0 {
		elic, eclaims, err := r.licence(join(path, "evidence.licenses"), c.Evidence.Licenses)
		if err != nil {
			return "", err
		}
		for i := range eclaims {
			eclaims[i].Evidence = true
		}
		comp.Declared = append(comp.Declared, eclaims...)
		if lic == "" {
			lic = elic
			r.warn("%s: licence %s taken from the generator's evidence, not asserted", name, lic)
		}
	}
	comp.Licence = lic
	for _, a := range c.Authors {
		comp.Creators = appendNonEmpty(comp.Creators, a.Name)
	}
	comp.Creators = appendNonEmpty(comp.Creators, c.Author)
	if len(comp.Creators) == 0 && c.Supplier != nil {
		comp.Creators = appendNonEmpty(comp.Creators, c.Supplier.Name)
	}
	if len(comp.Creators) == 0 {
		comp.Creators = appendNonEmpty(comp.Creators, c.Publisher)
	}
	for _, ref := range c.ExternalReferences {
		if ref.Type == "website" || ref.Type == "vcs" || ref.Type == "distribution" {
			comp.URLs = appendNonEmpty(comp.URLs, strings.TrimSpace(ref.URL))
		}
	}
	if err := r.add(comp, join(path, "bom-ref")); err != nil {
		return "", err
	}
	ref = r.doc.Components[len(r.doc.Components)-1].Ref
	if c.Scope == "excluded" {
		r.excluded[ref] = true
	}
	r.modelCard(ref, path, &c)
	for i := range c.Components {
		subPath := index(join(path, "components"), i)
		subRef, err := r.component(subPath, &c.Components[i], depth+1)
		if err != nil {
			return "", err
		}
		if err := r.edge(ref, subRef, LinkContains, subPath); err != nil {
			return "", err
		}
	}
	return ref, nil
}

// modelCard notes the datasets a machine-learning model's card says it was
// trained on (CycloneDX 1.5 and later); datasets given inline rather than
// by reference are no component of the document and are left out.
func (r *cdxReader) modelCard(ref, path string, c *cdxComponent) {
	if c.Type != "machine-learning-model" || c.ModelCard == nil || c.ModelCard.ModelParameters == nil ||
		slices.Index(cdxVersions, r.doc.Version) < slices.Index(cdxVersions, "1.5") {
		return
	}
	for i, d := range c.ModelCard.ModelParameters.Datasets {
		p := index(join(path, "modelCard.modelParameters.datasets"), i)
		if d.Ref == "" {
			r.warn("%s: a dataset given inline, not by reference; left out", p)
			continue
		}
		r.training = append(r.training, pendingEdge{from: ref, to: strings.TrimSpace(d.Ref), path: p})
	}
}

// licence builds one expression from a CycloneDX licence list: the
// expression if there is one, else the licences joined with AND (the
// specification does not say how several relate; AND is the reading that
// cannot understate an obligation). Concluded licences win over declared
// ones when a list has both. Every statement is returned too, as written.
func (r *cdxReader) licence(path string, choices cdxLicences) (string, []LicenceClaim, error) {
	concluded := slices.ContainsFunc(choices, func(c cdxLicenceChoice) bool { return ack(c) == "concluded" })
	var parts []string
	var claims []LicenceClaim
	for i, c := range choices {
		p := index(path, i)
		if c.line > 0 {
			p = linePath(c.line, "")
		}
		claim, err := cdxClaim(p, c)
		if err != nil {
			return "", nil, err
		}
		claims = append(claims, claim)
		if concluded && !claim.Concluded {
			continue
		}
		switch {
		case claim.Expression != "":
			parts = append(parts, claim.Expression)
		case claim.ID != "":
			parts = append(parts, claim.ID)
		case claim.Name != "":
			// No warning: Licence is the literal reading; the import
			// resolves names (Resolver) and warns about what it cannot.
			parts = append(parts, licenseRef(claim.Name))
		}
	}
	if len(parts) > 1 {
		r.warn("%s: %d licences without an expression; read as all of them binding (AND)", path, len(parts))
		for i, p := range parts {
			if strings.Contains(strings.ToUpper(p), " OR ") {
				parts[i] = "(" + p + ")"
			}
		}
	}
	return strings.Join(parts, " AND "), claims, nil
}

// cdxClaim is one CycloneDX licence statement as written, its text
// decoded when the document encoded it.
func cdxClaim(path string, c cdxLicenceChoice) (LicenceClaim, error) {
	claim := LicenceClaim{Path: path, Concluded: ack(c) == "concluded"}
	switch {
	case c.Expression != "" && c.License != nil:
		return claim, errorf(path, "both license and expression; want one")
	case c.Expression != "":
		claim.Expression = strings.TrimSpace(c.Expression)
		return claim, nil
	case c.License == nil || (strings.TrimSpace(c.License.ID) == "" && strings.TrimSpace(c.License.Name) == ""):
		return claim, errorf(path, "want license.id, license.name or expression")
	}
	l := c.License
	claim.ID, claim.Name, claim.URL = strings.TrimSpace(l.ID), strings.TrimSpace(l.Name), strings.TrimSpace(l.URL)
	if l.Text != nil {
		claim.Text = l.Text.Content
		if l.Text.Encoding == "base64" {
			text, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(l.Text.Content), ""))
			if err != nil || !utf8.Valid(text) {
				return claim, errorf(join(path, "license.text"), "encoded base64 but is not base64 of UTF-8 text")
			}
			claim.Text = string(text)
		}
	}
	return claim, nil
}

func ack(c cdxLicenceChoice) string {
	if c.License != nil && c.License.Acknowledgement != "" {
		return c.License.Acknowledgement
	}
	return c.Acknowledgement
}

var notIDString = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// licenseRef turns a licence's free-text name into an SPDX LicenseRef-,
// which Stemma keeps as a licence it has no terms for.
func licenseRef(name string) string {
	s := strings.Trim(notIDString.ReplaceAllString(name, "-"), "-.")
	if s == "" {
		s = "unnamed"
	}
	return "LicenseRef-" + clipRef(s)
}

// clipRef bounds a LicenseRef's idstring.
func clipRef(s string) string {
	const max = 64
	if len(s) > max {
		return strings.TrimRight(s[:max], "-.")
	}
	return s
}

func appendNonEmpty(list []string, s string) []string {
	if s = strings.TrimSpace(s); s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
