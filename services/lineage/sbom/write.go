package sbom

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/stemma-registry/stemma/services/licences/expression"
)

// The media types of the documents the writers produce.
const (
	CycloneDXMediaType = "application/vnd.cyclonedx+json"
	SPDXMediaType      = "application/spdx+json"
)

// WriteOptions says what the writers cannot take from the document.
type WriteOptions struct {
	// Created is the document's creation time, written to the second.
	Created time.Time
	// Tool names the tool that wrote it, "stemma" when empty.
	Tool string
}

func (o WriteOptions) tool() string {
	if o.Tool == "" {
		return "stemma"
	}
	return o.Tool
}

// NotHeld is the text an SPDX document gives a LicenseRef- whose text is
// not known: SPDX wants every LicenseRef- of an expression defined with a
// text, and a made-up text would be worse than saying so.
const NotHeld = "The text of this licence is not held by the tool that wrote this document; only its identifier was recorded."

// The writers take a Document whose components' Licence is a valid SPDX
// expression (or empty), Kind "software", "dataset", "model" or another
// work kind in lower case, and whose edges name its components; the
// product is the component named by Root. What Read would take from the
// written document is what was given, within what each format says:
// CycloneDX's dependency graph does not say how a component is used
// (every edge is read back as a dependency, or as training where a model
// card names a dataset, or as a tool where every edge to a component is
// one), SPDX 2.3 has a relationship type for each link but training
// (written as DEPENDS_ON).

type cdxOut struct {
	BOMFormat    string       `json:"bomFormat"`
	SpecVersion  string       `json:"specVersion"`
	SerialNumber string       `json:"serialNumber,omitempty"`
	Version      int          `json:"version"`
	Metadata     cdxOutMeta   `json:"metadata"`
	Components   []cdxOutComp `json:"components"`
	Dependencies []cdxOutDep  `json:"dependencies"`
}

type cdxOutMeta struct {
	Timestamp string `json:"timestamp"`
	Tools     struct {
		Components []cdxOutTool `json:"components"`
	} `json:"tools"`
	Component cdxOutComp `json:"component"`
}

type cdxOutTool struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

type cdxOutComp struct {
	Type        string         `json:"type"`
	BOMRef      string         `json:"bom-ref"`
	Authors     []cdxOutName   `json:"authors,omitempty"`
	Name        string         `json:"name"`
	Version     string         `json:"version,omitempty"`
	Description string         `json:"description,omitempty"`
	Scope       string         `json:"scope,omitempty"`
	Hashes      []cdxOutHash   `json:"hashes,omitempty"`
	Licenses    []cdxOutLic    `json:"licenses,omitempty"`
	PURL        string         `json:"purl,omitempty"`
	ExtRefs     []cdxOutExtRef `json:"externalReferences,omitempty"`
	ModelCard   *cdxOutCard    `json:"modelCard,omitempty"`
	Properties  []cdxOutProp   `json:"properties,omitempty"`
}

type cdxOutProp struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cdxOutName struct {
	Name string `json:"name"`
}

type cdxOutHash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

type cdxOutLic struct {
	Expression      string `json:"expression"`
	Acknowledgement string `json:"acknowledgement"`
}

type cdxOutExtRef struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type cdxOutCard struct {
	ModelParameters struct {
		Datasets []struct {
			Ref string `json:"ref"`
		} `json:"datasets"`
	} `json:"modelParameters"`
}

type cdxOutDep struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

// cdxTypes maps work kinds to CycloneDX component types; other kinds
// (text, image, audio, video) are files, software a library.
var cdxTypes = map[string]string{"software": "library", "dataset": "data", "model": "machine-learning-model"}

// WriteCycloneDX writes d as CycloneDX 1.6 JSON, each licence as an
// expression acknowledged "concluded"; a curated one names its curation
// and the declared licence in the component's properties.
func WriteCycloneDX(d *Document, o WriteOptions) ([]byte, error) {
	bom := cdxOut{BOMFormat: "CycloneDX", SpecVersion: "1.6", Version: 1}
	bom.Metadata.Timestamp = o.Created.UTC().Format(time.RFC3339)
	bom.Metadata.Tools.Components = []cdxOutTool{{Type: "application", Name: o.tool()}}
	out := d.outgoing()
	tools := toolOnly(d)
	for _, c := range d.Components {
		oc := cdxOutComp{
			Type: "file", BOMRef: c.Ref, Name: c.Name, Version: c.Version, Description: c.Description, PURL: c.PURL,
		}
		if t, ok := cdxTypes[c.Kind]; ok {
			oc.Type = t
		}
		if c.Ref == d.Root && c.Kind == "software" {
			oc.Type = "application"
		}
		if tools[c.Ref] {
			oc.Scope = "excluded"
		}
		for _, a := range c.Creators {
			oc.Authors = append(oc.Authors, cdxOutName{Name: a})
		}
		for _, h := range c.Hashes {
			if alg, ok := reverse(cdxHashes)[h.Algorithm]; ok {
				oc.Hashes = append(oc.Hashes, cdxOutHash{Alg: alg, Content: h.Value})
			}
		}
		if c.Licence != "" {
			oc.Licenses = []cdxOutLic{{Expression: c.Licence, Acknowledgement: "concluded"}}
		}
		if cu := c.Curation; cu != nil {
			// CycloneDX allows one licence expression per component: the
			// declared one, replaced, is told in properties.
			oc.Properties = []cdxOutProp{{Name: "stemma:curation", Value: cu.Name}, {Name: "stemma:declaredLicence", Value: cu.Declared}}
		}
		for _, u := range c.URLs {
			oc.ExtRefs = append(oc.ExtRefs, cdxOutExtRef{Type: "website", URL: u})
		}
		dep := cdxOutDep{Ref: c.Ref, DependsOn: []string{}}
		for _, e := range out[c.Ref] {
			dep.DependsOn = append(dep.DependsOn, e.To)
			if e.Link == LinkTraining && c.Kind == "model" {
				if oc.ModelCard == nil {
					oc.ModelCard = &cdxOutCard{}
				}
				oc.ModelCard.ModelParameters.Datasets = append(oc.ModelCard.ModelParameters.Datasets, struct {
					Ref string `json:"ref"`
				}{e.To})
			}
		}
		bom.Dependencies = append(bom.Dependencies, dep)
		if c.Ref == d.Root {
			bom.Metadata.Component = oc
		} else {
			bom.Components = append(bom.Components, oc)
		}
	}
	if bom.Components == nil {
		bom.Components = []cdxOutComp{}
	}
	b, err := json.Marshal(bom)
	if err != nil {
		return nil, err
	}
	// The serial number is derived from the content, so the same ancestry
	// at the same time writes the same document.
	bom.SerialNumber = "urn:uuid:" + contentUUID(b)
	return json.MarshalIndent(bom, "", "  ")
}

// toolOnly returns the components every edge to which is a tool's:
// CycloneDX marks a tool by the component's scope, not by the edge.
func toolOnly(d *Document) map[string]bool {
	tools := map[string]bool{}
	for _, e := range d.Edges {
		if _, seen := tools[e.To]; !seen {
			tools[e.To] = true
		}
		tools[e.To] = tools[e.To] && e.Link == LinkTool
	}
	return tools
}

func reverse(m map[string]string) map[string]string {
	r := make(map[string]string, len(m))
	for k, v := range m {
		r[v] = k
	}
	return r
}

// contentUUID is an RFC 9562 version 8 UUID made of the SHA-256 of b.
func contentUUID(b []byte) string {
	s := sha256.Sum256(b)
	s[6] = s[6]&0x0f | 0x80
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

type spdxOut struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxOutCreation    `json:"creationInfo"`
	Packages          []spdxOutPackage   `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
	Extracted         []spdxOutExtracted `json:"hasExtractedLicensingInfos,omitempty"`
}

type spdxOutExtracted struct {
	LicenseID     string   `json:"licenseId"`
	ExtractedText string   `json:"extractedText"`
	Name          string   `json:"name,omitempty"`
	SeeAlsos      []string `json:"seeAlsos,omitempty"`
}

type spdxOutCreation struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxOutPackage struct {
	SPDXID           string            `json:"SPDXID"`
	Name             string            `json:"name"`
	VersionInfo      string            `json:"versionInfo,omitempty"`
	Originator       string            `json:"originator,omitempty"`
	DownloadLocation string            `json:"downloadLocation"`
	FilesAnalyzed    bool              `json:"filesAnalyzed"`
	Checksums        []spdxChecksum    `json:"checksums,omitempty"`
	Description      string            `json:"description,omitempty"`
	LicenseConcluded string            `json:"licenseConcluded"`
	LicenseDeclared  string            `json:"licenseDeclared"`
	CopyrightText    string            `json:"copyrightText"`
	ExternalRefs     []spdxExternalRef `json:"externalRefs,omitempty"`
	Purpose          string            `json:"primaryPackagePurpose,omitempty"`
	LicenseComments  string            `json:"licenseComments,omitempty"`
}

// spdxOutLinks is the relationship type each link is written as, and
// whether the edge's source is the relationship's element (DEV_TOOL_OF
// runs from the tool to what uses it).
var spdxOutLinks = map[Link]struct {
	typ     string
	forward bool
}{
	LinkStatic: {"STATIC_LINK", true}, LinkDynamic: {"DYNAMIC_LINK", true}, LinkContains: {"CONTAINS", true},
	LinkDepends: {"DEPENDS_ON", true}, LinkTool: {"DEV_TOOL_OF", false},
}

var spdxPurposes = map[string]string{"software": "LIBRARY", "dataset": "OTHER", "model": "OTHER"}

var notSPDXIDChar = regexp.MustCompile(`[^A-Za-z0-9.-]`)

// WriteSPDX writes d as SPDX 2.3 JSON: each component a package with its
// licence as licenseConcluded (licenseDeclared NOASSERTION: Stemma
// concluded it; for a curated licence, the licence declared before the
// curation, which licenseComments names), each edge a relationship, every LicenseRef- the licences
// name defined in hasExtractedLicensingInfos (with the document's text,
// or NotHeld).
func WriteSPDX(d *Document, o WriteOptions) ([]byte, error) {
	doc := spdxOut{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: spdxDocumentID,
		CreationInfo:  spdxOutCreation{Created: o.Created.UTC().Format(time.RFC3339), Creators: []string{"Tool: " + o.tool()}},
		Relationships: []spdxRelationship{},
	}
	ids := map[string]string{}
	taken := map[string]bool{spdxDocumentID: true}
	var refs []string
	for _, c := range d.Components {
		idstring := strings.Trim(notSPDXIDChar.ReplaceAllString(c.Ref, "-"), "-")
		if idstring == "" {
			idstring = "component"
		}
		id := "SPDXRef-" + idstring
		for n := 2; taken[id]; n++ {
			id = fmt.Sprintf("%s-%d", strings.TrimRight(id, "-0123456789"), n)
		}
		taken[id], ids[c.Ref] = true, id
		p := spdxOutPackage{
			SPDXID: id, Name: c.Name, VersionInfo: c.Version, DownloadLocation: "NOASSERTION",
			Description: c.Description, LicenseConcluded: "NOASSERTION", LicenseDeclared: "NOASSERTION",
			CopyrightText: "NOASSERTION", Purpose: spdxPurposes[c.Kind],
		}
		if p.Purpose == "" {
			p.Purpose = "FILE"
		}
		if c.Ref == d.Root && c.Kind == "software" {
			p.Purpose = "APPLICATION"
			doc.Name = c.Name
		}
		if len(c.Creators) > 0 {
			// SPDX 2 has one originator; the others are named in the
			// copyright text.
			p.Originator = "Person: " + c.Creators[0]
			if strings.HasSuffix(p.Originator, ")") {
				// An empty e-mail, so that a name ending in
				// parentheses is not read as one.
				p.Originator += " ()"
			}
			p.CopyrightText = "Copyright " + strings.Join(c.Creators, ", ")
		}
		if len(c.URLs) > 0 {
			p.DownloadLocation = c.URLs[0]
		}
		for _, h := range c.Hashes {
			if alg, ok := reverse(spdxHashes)[h.Algorithm]; ok {
				p.Checksums = append(p.Checksums, spdxChecksum{Algorithm: alg, ChecksumValue: h.Value})
			}
		}
		if c.PURL != "" {
			p.ExternalRefs = []spdxExternalRef{{ReferenceCategory: "PACKAGE-MANAGER", ReferenceType: "purl", ReferenceLocator: c.PURL}}
		}
		if c.Licence != "" {
			p.LicenseConcluded = c.Licence
			refs = append(refs, licenceRefs(c.Licence)...)
		}
		if cu := c.Curation; cu != nil {
			if cu.Declared != "" {
				p.LicenseDeclared = cu.Declared
				refs = append(refs, licenceRefs(cu.Declared)...)
			}
			p.LicenseComments = "Concluded from the accepted curation " + cu.Name + "."
		}
		doc.Packages = append(doc.Packages, p)
	}
	if doc.Name == "" {
		doc.Name = d.Product().Name
	}
	doc.Relationships = append(doc.Relationships, spdxRelationship{Element: spdxDocumentID, Type: "DESCRIBES", Related: ids[d.Root]})
	for _, e := range d.Edges {
		l, ok := spdxOutLinks[e.Link]
		if !ok {
			l = spdxOutLinks[LinkDepends]
		}
		r := spdxRelationship{Element: ids[e.From], Type: l.typ, Related: ids[e.To]}
		if !l.forward {
			r.Element, r.Related = r.Related, r.Element
		}
		doc.Relationships = append(doc.Relationships, r)
	}
	slices.Sort(refs)
	for _, ref := range slices.Compact(refs) {
		x := spdxOutExtracted{LicenseID: ref, ExtractedText: NotHeld}
		if def, ok := d.Extracted[ref]; ok {
			x.Name, x.SeeAlsos = def.Name, def.URLs
			if strings.TrimSpace(def.Text) != "" {
				x.ExtractedText = def.Text
			}
		}
		doc.Extracted = append(doc.Extracted, x)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	doc.DocumentNamespace = "https://spdx.org/spdxdocs/" + strings.TrimPrefix(ids[d.Root], "SPDXRef-") + "-" + contentUUID(b)
	return json.MarshalIndent(doc, "", "  ")
}

// licenceRefs returns the LicenseRef- ids an expression names (not those
// of other documents, which are defined there).
func licenceRefs(expr string) []string {
	p, err := expression.ParseWith(nil, expr, expression.Options{Unlisted: true})
	if err != nil {
		return nil
	}
	var out []string
	for _, t := range expression.Terms(p.Expr) {
		if t.DocumentRef == "" && strings.HasPrefix(t.ID, "LicenseRef-") {
			out = append(out, t.ID)
		}
	}
	return out
}
