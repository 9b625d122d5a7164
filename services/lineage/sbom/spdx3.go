package sbom

import (
	"encoding/json"
	"path"
	"regexp"
	"slices"
	"strings"
)

// spdx3Context matches the JSON-LD context of SPDX 3, whose path holds
// the version: https://spdx.org/rdf/3.0.1/spdx-context.jsonld.
var spdx3Context = regexp.MustCompile(`^https://spdx\.org/rdf/(3\.0(?:\.\d+)?)/spdx-context\.jsonld$`)

type spdx3Document struct {
	Context json.RawMessage      `json:"@context"`
	Graph   []node[spdx3Element] `json:"@graph"`
}

// spdx3Element holds the properties the reader uses of every element
// type it reads, in the compacted names SPDX 3's context gives them.
type spdx3Element struct {
	Type          string   `json:"type"`
	ID            string   `json:"spdxId"`
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	Summary       string   `json:"summary"`
	Version       string   `json:"software_packageVersion"`
	PURL          string   `json:"software_packageUrl"`
	HomePage      string   `json:"software_homePage"`
	Download      string   `json:"software_downloadLocation"`
	SuppliedBy    string   `json:"suppliedBy"`
	OriginatedBy  []string `json:"originatedBy"`
	VerifiedUsing []struct {
		Algorithm string `json:"algorithm"`
		HashValue string `json:"hashValue"`
	} `json:"verifiedUsing"`
	// Relationship and LifecycleScopedRelationship.
	From             string   `json:"from"`
	To               []string `json:"to"`
	RelationshipType string   `json:"relationshipType"`
	Scope            string   `json:"scope"`
	// LicenseExpression and CustomLicense.
	Expression string `json:"simplelicensing_licenseExpression"`
	CustomIDs  []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"simplelicensing_customIdToUri"`
	LicenceText  string   `json:"simplelicensing_licenseText"`
	ExpandedText string   `json:"expandedlicensing_licenseText"`
	SeeAlso      []string `json:"expandedlicensing_seeAlso"`
	// SpdxDocument and software_Sbom.
	RootElement []string `json:"rootElement"`
}

// spdx3Kinds are the package types Read imports, with their work kind.
var spdx3Kinds = map[string]string{
	"software_Package": "software", "ai_AIPackage": "model", "dataset_DatasetPackage": "dataset",
}

// spdx3Hashes maps SPDX 3 hash algorithms to Stemma's spelling.
var spdx3Hashes = map[string]string{
	"md5": "md5", "sha1": "sha1", "sha224": "sha224", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512",
	"sha3_256": "sha3-256", "sha3_384": "sha3-384", "sha3_512": "sha3-512",
	"blake2b256": "blake2b-256", "blake2b512": "blake2b-512", "blake3": "blake3",
}

// spdx3Links are the relationship types that are edges between packages;
// each runs from the element to every one of its "to" elements.
var spdx3Links = map[string]Link{
	"dependsOn": LinkDepends, "contains": LinkContains, "trainedOn": LinkTraining, "testedOn": LinkTraining,
}

// spdx3ToolScopes are the lifecycle scopes of a dependency not shipped.
var spdx3ToolScopes = map[string]bool{"build": true, "development": true, "test": true}

const spdxLicences = "https://spdx.org/licenses/"

type spdx3Item struct {
	el   spdx3Element
	path string
}

// readSPDX3 reads SPDX 3.0 JSON-LD as its serialisation writes it: one
// @graph of elements, each with its type, which the reader reads without
// expanding the JSON-LD (a document written with another context is not
// SPDX 3's serialisation).
func readSPDX3(b *builder, data []byte) error {
	var doc spdx3Document
	if err := decode("", data, &doc); err != nil {
		return err
	}
	var ctx string
	if err := json.Unmarshal(doc.Context, &ctx); err != nil {
		return errorf("@context", "want the URL of SPDX 3's context")
	}
	m := spdx3Context.FindStringSubmatch(ctx)
	if m == nil {
		return errorf("@context", "%q is not SPDX 3.0's context (https://spdx.org/rdf/3.0.x/spdx-context.jsonld)", clip(ctx))
	}
	b.doc.Format, b.doc.Version, b.doc.Encoding = SPDX, m[1], "JSON-LD"
	var pkgs, rels, custom []spdx3Item
	var roots []string
	exprs := map[string]string{} // licence element id -> expression
	agents := map[string]string{}
	refs := map[string]string{} // custom licence IRI -> the LicenseRef- expressions use for it
	ids := map[string]bool{}
	files := 0
	for i := range doc.Graph {
		el, p, err := doc.Graph[i].get(index("@graph", i))
		if err != nil {
			return err
		}
		if el.Type == "" {
			return errorf(join(p, "type"), "missing")
		}
		ids[el.ID] = true
		switch el.Type {
		case "software_Package", "ai_AIPackage", "dataset_DatasetPackage":
			pkgs = append(pkgs, spdx3Item{el, p})
		case "software_File":
			files++
		case "Relationship", "LifecycleScopedRelationship":
			rels = append(rels, spdx3Item{el, p})
		case "simplelicensing_LicenseExpression":
			exprs[el.ID] = strings.TrimSpace(el.Expression)
			for _, kv := range el.CustomIDs {
				refs[kv.Value] = kv.Key
			}
		case "expandedlicensing_CustomLicense", "simplelicensing_CustomLicense":
			custom = append(custom, spdx3Item{el, p})
		case "SpdxDocument", "software_Sbom":
			roots = append(roots, el.RootElement...)
		case "Person", "Organization", "SoftwareAgent", "Agent", "Tool":
			agents[el.ID] = el.Name
		}
	}
	for _, c := range custom {
		ref, ok := refs[c.el.ID]
		if !ok {
			ref = spdx3LicenseRef(c.el.ID)
		}
		exprs[c.el.ID] = ref
		b.extracted(ref, ExtractedLicence{Name: c.el.Name, Text: firstNonEmpty(c.el.LicenceText, c.el.ExpandedText), URLs: c.el.SeeAlso})
	}
	if files > 0 {
		b.warn("%d software_File elements are not imported: Stemma records packages", files)
	}
	claims := map[string][]LicenceClaim{}
	for _, r := range rels {
		concluded := r.el.RelationshipType == "hasConcludedLicense"
		if !concluded && r.el.RelationshipType != "hasDeclaredLicense" {
			continue
		}
		for j, to := range r.el.To {
			e, ok := exprs[to]
			if id, listed := strings.CutPrefix(to, spdxLicences); listed && !ok {
				e, ok = id, true
			}
			if !ok {
				if !strings.HasSuffix(to, "NoAssertionLicense") {
					b.warn("%s: licence %q is no licence element of the document; left out", index(join(r.path, "to"), j), clip(to))
				}
				continue
			}
			if strings.TrimSpace(e) == "" {
				// A licence element with no expression (or the list's
				// address with no id) states nothing to resolve.
				b.warn("%s: licence %q states no expression; left out", index(join(r.path, "to"), j), clip(to))
				continue
			}
			claims[r.el.From] = append(claims[r.el.From], LicenceClaim{Path: r.path, Expression: e, Concluded: concluded})
		}
	}
	for _, p := range pkgs {
		if err := spdx3Package(b, p, claims[p.el.ID], agents); err != nil {
			return err
		}
	}
	if err := spdx3Edges(b, rels, ids); err != nil {
		return err
	}
	for _, r := range roots {
		if _, ok := b.refs[r]; ok {
			b.doc.Root = r
			return nil
		}
	}
	return errorf("@graph", "no SpdxDocument or software_Sbom has a package as its rootElement; the SBOM must name its product")
}

func spdx3Package(b *builder, p spdx3Item, claims []LicenceClaim, agents map[string]string) error {
	el := p.el
	if el.ID == "" {
		return errorf(join(p.path, "spdxId"), "missing")
	}
	if err := checkPURL(join(p.path, "software_packageUrl"), el.PURL); err != nil {
		return err
	}
	c := Component{
		Ref: el.ID, Path: p.path, Name: el.Name, Version: el.Version, PURL: el.PURL,
		Kind: spdx3Kinds[el.Type], Description: firstNonEmpty(el.Description, el.Summary), Declared: claims,
	}
	for i, h := range el.VerifiedUsing {
		hp := index(join(p.path, "verifiedUsing"), i)
		hh, ok, err := hash(join(hp, "hashValue"), h.Algorithm, h.HashValue, spdx3Hashes)
		if err != nil {
			return err
		}
		if !ok {
			b.warn("%s.algorithm: hash algorithm %q is not kept", hp, clip(h.Algorithm))
			continue
		}
		c.Hashes = append(c.Hashes, hh)
	}
	// The concluded licences when the document has any, else the declared
	// ones; several are all binding.
	concluded := slices.ContainsFunc(claims, func(l LicenceClaim) bool { return l.Concluded })
	var parts []string
	for _, l := range claims {
		if l.Concluded == concluded && l.Expression != "" && !slices.Contains(parts, l.Expression) {
			parts = append(parts, l.Expression)
		}
	}
	if len(parts) > 1 {
		for i, e := range parts {
			parts[i] = "(" + e + ")"
		}
	}
	c.Licence = strings.Join(parts, " AND ")
	for _, who := range append(el.OriginatedBy, el.SuppliedBy) {
		c.Creators = appendNonEmpty(c.Creators, agents[who])
	}
	for _, u := range []string{el.HomePage, el.Download} {
		if strings.Contains(u, "://") {
			c.URLs = appendNonEmpty(c.URLs, u)
		}
	}
	return b.add(c, join(p.path, "spdxId"))
}

// spdx3Edges records the relationships between packages. One naming an
// element that is not a package of the document (a file, another
// document's element) is left out; one naming no element at all is an
// error.
func spdx3Edges(b *builder, rels []spdx3Item, ids map[string]bool) error {
	ignored := map[string]int{}
	for _, r := range rels {
		link, ok := spdx3Links[r.el.RelationshipType]
		if !ok {
			ignored[r.el.RelationshipType]++
			continue
		}
		if link == LinkDepends && spdx3ToolScopes[r.el.Scope] {
			link = LinkTool
		}
		if r.el.From == "" || len(r.el.To) == 0 {
			return errorf(r.path, "want from and to")
		}
		for j, to := range r.el.To {
			p := index(join(r.path, "to"), j)
			_, fromPkg := b.refs[r.el.From]
			ti, toPkg := b.refs[to]
			switch {
			case !fromPkg || !toPkg:
				for _, id := range []string{r.el.From, to} {
					if !ids[id] && !strings.Contains(id, ":") {
						return errorf(p, "%q names no element of the document", clip(id))
					}
				}
				ignored[r.el.RelationshipType+" outside this document's packages"]++
				continue
			case r.el.From == to:
				b.warn("%s: %s %s itself; left out", p, clip(to), r.el.RelationshipType)
				continue
			}
			if link == LinkTraining {
				b.doc.Components[ti].Kind = "dataset"
			}
			if err := b.edge(r.el.From, to, link, p); err != nil {
				return err
			}
		}
	}
	for t, n := range ignored {
		b.warn("%d %s relationships are not dependencies and are not imported", n, t)
	}
	return nil
}

// spdx3LicenseRef is the LicenseRef- id of a custom licence no expression
// maps to its IRI (simplelicensing_customIdToUri): the last segment of the
// IRI.
func spdx3LicenseRef(id string) string {
	last := path.Base(id)
	if strings.HasPrefix(last, "LicenseRef-") {
		return last
	}
	return licenseRef(last)
}
