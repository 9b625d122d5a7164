package sbom

import (
	"slices"
	"strings"
)

const spdxDocumentID = "SPDXRef-DOCUMENT"

// spdxVersions are the SPDX 2 versions Read accepts; 2.2 and 2.3 differ
// only in fields the reader does not use.
var spdxVersions = []string{"SPDX-2.2", "SPDX-2.3"}

type spdxDocument struct {
	SPDXVersion       string                   `json:"spdxVersion"`
	SPDXID            string                   `json:"SPDXID"`
	Name              string                   `json:"name"`
	DocumentDescribes []string                 `json:"documentDescribes"`
	Packages          []node[spdxPackage]      `json:"packages"`
	Files             []node[spdxOther]        `json:"files"`
	Snippets          []node[spdxOther]        `json:"snippets"`
	Relationships     []node[spdxRelationship] `json:"relationships"`
	Extracted         []node[spdxExtracted]    `json:"hasExtractedLicensingInfos"`
	// lines are the lines of tag-value's document tags, by tag; nil for
	// JSON.
	lines map[string]int
}

// at is the path of a document field: its JSON name, or its tag-value
// tag's line.
func (d *spdxDocument) at(field, tag string) string {
	if d.lines == nil {
		return field
	}
	if n, ok := d.lines[tag]; ok {
		return linePath(n, tag)
	}
	return tag
}

type spdxOther struct {
	SPDXID string `json:"SPDXID"`
}

type spdxExtracted struct {
	LicenseID     string   `json:"licenseId"`
	ExtractedText string   `json:"extractedText"`
	Name          string   `json:"name"`
	SeeAlsos      []string `json:"seeAlsos"`
}

type spdxPackage struct {
	SPDXID           string            `json:"SPDXID"`
	Name             string            `json:"name"`
	VersionInfo      string            `json:"versionInfo"`
	Supplier         string            `json:"supplier"`
	Originator       string            `json:"originator"`
	DownloadLocation string            `json:"downloadLocation"`
	Homepage         string            `json:"homepage"`
	Summary          string            `json:"summary"`
	Description      string            `json:"description"`
	LicenseConcluded string            `json:"licenseConcluded"`
	LicenseDeclared  string            `json:"licenseDeclared"`
	Checksums        []spdxChecksum    `json:"checksums"`
	ExternalRefs     []spdxExternalRef `json:"externalRefs"`
	// lines are the lines of tag-value's package tags, by tag; nil for
	// JSON.
	lines map[string]int
}

type spdxExternalRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

// at is the path of a package field: its tag-value tag's line, else its
// path below the package's.
func (p *spdxPackage) at(path, field, tag string) string {
	if n, ok := p.lines[tag]; ok {
		return linePath(n, tag)
	}
	return join(path, field)
}

type spdxChecksum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// spdxHashes maps SPDX checksum algorithms to Stemma's spelling; the
// others (MD2, MD4, MD6, ADLER32, BLAKE2b-384) are skipped with a warning.
var spdxHashes = map[string]string{
	"MD5": "md5", "SHA1": "sha1", "SHA224": "sha224", "SHA256": "sha256", "SHA384": "sha384", "SHA512": "sha512",
	"SHA3-256": "sha3-256", "SHA3-384": "sha3-384", "SHA3-512": "sha3-512",
	"BLAKE2b-256": "blake2b-256", "BLAKE2b-512": "blake2b-512", "BLAKE3": "blake3",
}

// spdxLinks maps the SPDX 2.3 relationship types that are dependencies to
// a link, and says whether the edge runs from the element to the related
// element (A DEPENDS_ON B: A uses B) or the other way (A DEPENDENCY_OF B:
// B uses A).
var spdxLinks = map[string]struct {
	link    Link
	forward bool
}{
	"STATIC_LINK":            {LinkStatic, true},
	"DYNAMIC_LINK":           {LinkDynamic, true},
	"CONTAINS":               {LinkContains, true},
	"CONTAINED_BY":           {LinkContains, false},
	"DEPENDS_ON":             {LinkDepends, true},
	"DEPENDENCY_OF":          {LinkDepends, false},
	"RUNTIME_DEPENDENCY_OF":  {LinkDepends, false},
	"OPTIONAL_DEPENDENCY_OF": {LinkDepends, false},
	"PROVIDED_DEPENDENCY_OF": {LinkDepends, false},
	"DEV_DEPENDENCY_OF":      {LinkTool, false},
	"BUILD_DEPENDENCY_OF":    {LinkTool, false},
	"TEST_DEPENDENCY_OF":     {LinkTool, false},
	"DEV_TOOL_OF":            {LinkTool, false},
	"BUILD_TOOL_OF":          {LinkTool, false},
	"TEST_TOOL_OF":           {LinkTool, false},
}

func readSPDXJSON(b *builder, data []byte) error {
	var doc spdxDocument
	if err := decode("", data, &doc); err != nil {
		return err
	}
	return readSPDX(b, &doc)
}

func readSPDX(b *builder, doc *spdxDocument) error {
	if !slices.Contains(spdxVersions, doc.SPDXVersion) {
		return errorf(doc.at("spdxVersion", "SPDXVersion"), "%q is not supported; want one of %s", clip(doc.SPDXVersion), strings.Join(spdxVersions, ", "))
	}
	if doc.SPDXID != spdxDocumentID {
		return errorf(doc.at("SPDXID", "SPDXID"), "%q; want %s", clip(doc.SPDXID), spdxDocumentID)
	}
	b.doc.Format, b.doc.Version = SPDX, strings.TrimPrefix(doc.SPDXVersion, "SPDX-")
	for i := range doc.Packages {
		if err := spdxReadPackage(b, index("packages", i), &doc.Packages[i]); err != nil {
			return err
		}
	}
	for i := range doc.Extracted {
		x, path, err := doc.Extracted[i].get(index("hasExtractedLicensingInfos", i))
		if err != nil {
			return err
		}
		if !strings.HasPrefix(x.LicenseID, "LicenseRef-") {
			return errorf(join(path, "licenseId"), "%q; want LicenseRef-<id>", clip(x.LicenseID))
		}
		b.extracted(x.LicenseID, ExtractedLicence{Name: x.Name, Text: x.ExtractedText, URLs: x.SeeAlsos})
	}
	// Files and snippets are elements of the document too, but not works
	// Stemma records; relationships to them are left out.
	elsewhere := map[string]bool{}
	for _, list := range []struct {
		name  string
		items []node[spdxOther]
	}{{"files", doc.Files}, {"snippets", doc.Snippets}} {
		for i := range list.items {
			el, _, err := list.items[i].get(index(list.name, i))
			if err != nil {
				return err
			}
			elsewhere[el.SPDXID] = true
		}
	}
	if len(elsewhere) > 0 {
		b.warn("%d files and %d snippets are not imported: Stemma records packages", len(doc.Files), len(doc.Snippets))
	}
	described := doc.DocumentDescribes
	ignored := map[string]int{}
	for i := range doc.Relationships {
		rel, path, err := doc.Relationships[i].get(index("relationships", i))
		if err != nil {
			return err
		}
		if rel.Element == "" || rel.Type == "" || rel.Related == "" {
			return errorf(path, "want spdxElementId, relationshipType and relatedSpdxElement")
		}
		switch {
		case rel.Type == "DESCRIBES" && rel.Element == spdxDocumentID:
			described = append(described, rel.Related)
			continue
		case rel.Type == "DESCRIBED_BY" && rel.Related == spdxDocumentID:
			described = append(described, rel.Element)
			continue
		}
		kind, isDep := spdxLinks[rel.Type]
		_, elemKnown := b.refs[rel.Element]
		_, relKnown := b.refs[rel.Related]
		switch {
		case !isDep:
			ignored[rel.Type]++
			continue
		case !elemKnown || !relKnown:
			// Files, NOASSERTION, NONE and other documents' elements are not
			// packages of this document.
			if elsewhere[rel.Element] || elsewhere[rel.Related] || !spdxElement(rel.Element) || !spdxElement(rel.Related) {
				ignored[rel.Type+" outside this document's packages"]++
				continue
			}
			missing := rel.Element
			if elemKnown {
				missing = rel.Related
			}
			return errorf(path, "%q names no package of the document", clip(missing))
		}
		from, to := rel.Element, rel.Related
		if !kind.forward {
			from, to = to, from
		}
		if from == to {
			b.warn("%s: %s %s itself; left out", path, clip(from), rel.Type)
			continue
		}
		if err := b.edge(from, to, kind.link, path); err != nil {
			return err
		}
	}
	for t, n := range ignored {
		b.warn("%d %s relationships are not dependencies and are not imported", n, t)
	}
	return spdxRoot(b, doc, described)
}

// spdxElement reports whether ref could name an element of this document,
// rather than NOASSERTION, NONE or another document's element.
func spdxElement(ref string) bool {
	return strings.HasPrefix(ref, "SPDXRef-") && !strings.Contains(ref, ":")
}

func spdxRoot(b *builder, doc *spdxDocument, described []string) error {
	var pkgs []string
	for _, ref := range described {
		if _, ok := b.refs[ref]; ok && !slices.Contains(pkgs, ref) {
			pkgs = append(pkgs, ref)
		}
	}
	if len(pkgs) == 0 {
		return errorf(doc.at("relationships", "Relationship"), "no package is DESCRIBED by %s (nor in documentDescribes); the SBOM must name its product", spdxDocumentID)
	}
	b.doc.Root = pkgs[0]
	if len(pkgs) > 1 {
		b.warn("the document describes %d packages; %s is taken as the product and the others as its dependencies", len(pkgs), pkgs[0])
	}
	return nil
}

func spdxReadPackage(b *builder, path string, n *node[spdxPackage]) error {
	p, path, err := n.get(path)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(p.SPDXID, "SPDXRef-") {
		return errorf(p.at(path, "SPDXID", "SPDXID"), "%q; want SPDXRef-<id>", clip(p.SPDXID))
	}
	c := Component{
		// SPDX 2 has no package purpose for data or models.
		Ref: p.SPDXID, Path: path, Name: p.Name, Version: p.VersionInfo, Kind: "software",
		Description: firstNonEmpty(p.Description, p.Summary),
	}
	for i, ref := range p.ExternalRefs {
		if ref.ReferenceType != "purl" {
			continue
		}
		rp := index(join(path, "externalRefs"), i)
		if err := checkPURL(p.at(rp, "referenceLocator", "ExternalRef"), ref.ReferenceLocator); err != nil {
			return err
		}
		if c.PURL == "" {
			c.PURL = ref.ReferenceLocator
		} else {
			b.warn("%s: a package with several purls; the first, %s, is kept", rp, clip(c.PURL))
		}
	}
	for i, cs := range p.Checksums {
		cp := index(join(path, "checksums"), i)
		h, ok, err := hash(p.at(cp, "checksumValue", "PackageChecksum"), cs.Algorithm, cs.ChecksumValue, spdxHashes)
		if err != nil {
			return err
		}
		if !ok {
			b.warn("%s.algorithm: checksum algorithm %q is not kept", cp, clip(cs.Algorithm))
			continue
		}
		c.Hashes = append(c.Hashes, h)
	}
	c.Licence = spdxLicence(b, path, p.LicenseConcluded, p.LicenseDeclared)
	for _, l := range []struct {
		field, tag, expr string
		concluded        bool
	}{
		{"licenseConcluded", "PackageLicenseConcluded", p.LicenseConcluded, true},
		{"licenseDeclared", "PackageLicenseDeclared", p.LicenseDeclared, false},
	} {
		if e := strings.TrimSpace(l.expr); e != "" && e != "NOASSERTION" {
			c.Declared = append(c.Declared, LicenceClaim{Path: p.at(path, l.field, l.tag), Expression: e, Concluded: l.concluded})
		}
	}
	for _, who := range []string{p.Originator, p.Supplier} {
		c.Creators = appendNonEmpty(c.Creators, spdxAgent(who))
	}
	for _, u := range []string{p.Homepage, p.DownloadLocation} {
		if strings.Contains(u, "://") {
			c.URLs = appendNonEmpty(c.URLs, u)
		}
	}
	return b.add(c, p.at(path, "SPDXID", "SPDXID"))
}

// spdxLicence is the concluded licence when the document asserts one, else
// the declared licence; NOASSERTION and NONE are no licence Stemma can use.
func spdxLicence(b *builder, path, concluded, declared string) string {
	for _, l := range []string{concluded, declared} {
		switch strings.TrimSpace(l) {
		case "", "NOASSERTION":
			continue
		case "NONE":
			b.warn("%s: the licence is NONE (no licence: no rights granted); recorded as unknown", path)
			return ""
		}
		return strings.TrimSpace(l)
	}
	return ""
}

// spdxAgent returns the name of "Person: Ada (ada@example.org)" or
// "Organization: ACME"; "" for NOASSERTION.
func spdxAgent(s string) string {
	_, name, ok := strings.Cut(s, ":")
	if !ok {
		return ""
	}
	name = strings.TrimSpace(name)
	if i := strings.LastIndex(name, " ("); i > 0 && strings.HasSuffix(name, ")") {
		name = name[:i]
	}
	return name
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}
