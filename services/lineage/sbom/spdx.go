package sbom

import (
	"encoding/json"
	"slices"
	"strings"
)

const spdxDocumentID = "SPDXRef-DOCUMENT"

type spdxDocument struct {
	SPDXVersion       string            `json:"spdxVersion"`
	SPDXID            string            `json:"SPDXID"`
	Name              string            `json:"name"`
	DocumentDescribes []string          `json:"documentDescribes"`
	Packages          []json.RawMessage `json:"packages"`
	Files             []json.RawMessage `json:"files"`
	Snippets          []json.RawMessage `json:"snippets"`
	Relationships     []json.RawMessage `json:"relationships"`
}

type spdxPackage struct {
	SPDXID           string `json:"SPDXID"`
	Name             string `json:"name"`
	VersionInfo      string `json:"versionInfo"`
	Supplier         string `json:"supplier"`
	Originator       string `json:"originator"`
	DownloadLocation string `json:"downloadLocation"`
	Homepage         string `json:"homepage"`
	Summary          string `json:"summary"`
	Description      string `json:"description"`
	LicenseConcluded string `json:"licenseConcluded"`
	LicenseDeclared  string `json:"licenseDeclared"`
	Checksums        []struct {
		Algorithm     string `json:"algorithm"`
		ChecksumValue string `json:"checksumValue"`
	} `json:"checksums"`
	ExternalRefs []struct {
		ReferenceCategory string `json:"referenceCategory"`
		ReferenceType     string `json:"referenceType"`
		ReferenceLocator  string `json:"referenceLocator"`
	} `json:"externalRefs"`
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

func readSPDX(b *builder, data []byte) error {
	var doc spdxDocument
	if err := decode("", data, &doc); err != nil {
		return err
	}
	if doc.SPDXVersion != "SPDX-2.3" {
		return errorf("spdxVersion", "%q is not supported; want SPDX-2.3", clip(doc.SPDXVersion))
	}
	if doc.SPDXID != spdxDocumentID {
		return errorf("SPDXID", "%q; want %s", clip(doc.SPDXID), spdxDocumentID)
	}
	b.doc.Format, b.doc.Version = SPDX, "2.3"
	for i, raw := range doc.Packages {
		if err := spdxReadPackage(b, index("packages", i), raw); err != nil {
			return err
		}
	}
	// Files and snippets are elements of the document too, but not works
	// Stemma records; relationships to them are left out.
	elsewhere := map[string]bool{}
	for _, list := range []struct {
		name  string
		items []json.RawMessage
	}{{"files", doc.Files}, {"snippets", doc.Snippets}} {
		for i, raw := range list.items {
			var el struct {
				SPDXID string `json:"SPDXID"`
			}
			if err := decode(index(list.name, i), raw, &el); err != nil {
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
	for i, raw := range doc.Relationships {
		path := index("relationships", i)
		var rel spdxRelationship
		if err := decode(path, raw, &rel); err != nil {
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
	return spdxRoot(b, described)
}

// spdxElement reports whether ref could name an element of this document,
// rather than NOASSERTION, NONE or another document's element.
func spdxElement(ref string) bool {
	return strings.HasPrefix(ref, "SPDXRef-") && !strings.Contains(ref, ":")
}

func spdxRoot(b *builder, described []string) error {
	var pkgs []string
	for _, ref := range described {
		if _, ok := b.refs[ref]; ok && !slices.Contains(pkgs, ref) {
			pkgs = append(pkgs, ref)
		}
	}
	if len(pkgs) == 0 {
		return errorf("relationships", "no package is DESCRIBED by %s (nor in documentDescribes); the SBOM must name its product", spdxDocumentID)
	}
	b.doc.Root = pkgs[0]
	if len(pkgs) > 1 {
		b.warn("the document describes %d packages; %s is taken as the product and the others as its dependencies", len(pkgs), pkgs[0])
	}
	return nil
}

func spdxReadPackage(b *builder, path string, raw json.RawMessage) error {
	var p spdxPackage
	if err := decode(path, raw, &p); err != nil {
		return err
	}
	if !strings.HasPrefix(p.SPDXID, "SPDXRef-") {
		return errorf(join(path, "SPDXID"), "%q; want SPDXRef-<id>", clip(p.SPDXID))
	}
	c := Component{
		// SPDX 2.3 has no package purpose for data or models.
		Ref: p.SPDXID, Path: path, Name: p.Name, Version: p.VersionInfo, Kind: "software",
		Description: firstNonEmpty(p.Description, p.Summary),
	}
	for i, ref := range p.ExternalRefs {
		if ref.ReferenceType != "purl" {
			continue
		}
		rp := index(join(path, "externalRefs"), i)
		if err := checkPURL(join(rp, "referenceLocator"), ref.ReferenceLocator); err != nil {
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
		h, ok, err := hash(join(cp, "checksumValue"), cs.Algorithm, cs.ChecksumValue, spdxHashes)
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
	for _, who := range []string{p.Originator, p.Supplier} {
		c.Creators = appendNonEmpty(c.Creators, spdxAgent(who))
	}
	for _, u := range []string{p.Homepage, p.DownloadLocation} {
		if strings.Contains(u, "://") {
			c.URLs = appendNonEmpty(c.URLs, u)
		}
	}
	return b.add(c, join(path, "SPDXID"))
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
