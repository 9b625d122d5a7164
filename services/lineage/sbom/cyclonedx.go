package sbom

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// cdxVersions are the CycloneDX versions Read accepts: those whose JSON
// shape the reader follows (1.4 added nothing it needs, 1.5 and 1.6 only
// added fields it may ignore).
var cdxVersions = []string{"1.4", "1.5", "1.6"}

type cdxBOM struct {
	BOMFormat   string `json:"bomFormat"`
	SpecVersion string `json:"specVersion"`
	Metadata    *struct {
		Component json.RawMessage `json:"component"`
	} `json:"metadata"`
	Components   []json.RawMessage `json:"components"`
	Dependencies []json.RawMessage `json:"dependencies"`
}

type cdxComponent struct {
	Type        string `json:"type"`
	BOMRef      string `json:"bom-ref"`
	Group       string `json:"group"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description"`
	PURL        string `json:"purl"`
	Scope       string `json:"scope"`
	Author      string `json:"author"`
	Publisher   string `json:"publisher"`
	Authors     []struct {
		Name string `json:"name"`
	} `json:"authors"`
	Supplier *struct {
		Name string `json:"name"`
	} `json:"supplier"`
	Hashes []struct {
		Alg     string `json:"alg"`
		Content string `json:"content"`
	} `json:"hashes"`
	Licenses           []cdxLicenceChoice `json:"licenses"`
	ExternalReferences []struct {
		URL  string `json:"url"`
		Type string `json:"type"`
	} `json:"externalReferences"`
	Evidence *struct {
		Licenses []cdxLicenceChoice `json:"licenses"`
	} `json:"evidence"`
	Components []json.RawMessage `json:"components"`
}

type cdxLicenceChoice struct {
	License *struct {
		ID              string `json:"id"`
		Name            string `json:"name"`
		Acknowledgement string `json:"acknowledgement"`
	} `json:"license"`
	Expression      string `json:"expression"`
	Acknowledgement string `json:"acknowledgement"`
}

type cdxDependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
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
}

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
	b.doc.Format, b.doc.Version = CycloneDX, bom.SpecVersion
	r := &cdxReader{builder: b, excluded: map[string]bool{}}
	if bom.Metadata == nil || len(bom.Metadata.Component) == 0 || string(bom.Metadata.Component) == "null" {
		return errorf("metadata.component", "missing; the SBOM must name its product")
	}
	root, err := r.component("metadata.component", bom.Metadata.Component)
	if err != nil {
		return err
	}
	b.doc.Root = root
	for i, raw := range bom.Components {
		if _, err := r.component(index("components", i), raw); err != nil {
			return err
		}
	}
	for i, raw := range bom.Dependencies {
		path := index("dependencies", i)
		var dep cdxDependency
		if err := decode(path, raw, &dep); err != nil {
			return err
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
func (r *cdxReader) component(path string, raw json.RawMessage) (string, error) {
	var c cdxComponent
	if err := decode(path, raw, &c); err != nil {
		return "", err
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
	comp := Component{
		Ref: c.BOMRef, Path: path, Name: name, Version: c.Version, PURL: c.PURL,
		Description: c.Description, Kind: "software",
	}
	if k, ok := cdxKinds[c.Type]; ok {
		comp.Kind = k
	}
	for i, h := range c.Hashes {
		p := index(join(path, "hashes"), i)
		hh, ok, err := hash(join(p, "content"), h.Alg, h.Content, cdxHashes)
		if err != nil {
			return "", err
		}
		if !ok {
			r.warn("%s.alg: hash algorithm %q is not kept", p, clip(h.Alg))
			continue
		}
		comp.Hashes = append(comp.Hashes, hh)
	}
	lic, err := r.licence(join(path, "licenses"), c.Licenses)
	if err != nil {
		return "", err
	}
	if lic == "" && c.Evidence != nil && len(c.Evidence.Licenses) > 0 {
		if lic, err = r.licence(join(path, "evidence.licenses"), c.Evidence.Licenses); err != nil {
			return "", err
		}
		r.warn("%s: licence %s taken from the generator's evidence, not asserted", name, lic)
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
			comp.URLs = appendNonEmpty(comp.URLs, ref.URL)
		}
	}
	if err := r.add(comp, join(path, "bom-ref")); err != nil {
		return "", err
	}
	ref := r.doc.Components[len(r.doc.Components)-1].Ref
	if c.Scope == "excluded" {
		r.excluded[ref] = true
	}
	for i, sub := range c.Components {
		subRef, err := r.component(index(join(path, "components"), i), sub)
		if err != nil {
			return "", err
		}
		if err := r.edge(ref, subRef, LinkContains, index(join(path, "components"), i)); err != nil {
			return "", err
		}
	}
	return ref, nil
}

// licence builds one expression from a CycloneDX licence list: the
// expression if there is one, else the licences joined with AND (the
// specification does not say how several relate; AND is the reading that
// cannot understate an obligation). Concluded licences win over declared
// ones when a list has both.
func (r *cdxReader) licence(path string, choices []cdxLicenceChoice) (string, error) {
	concluded := slices.ContainsFunc(choices, func(c cdxLicenceChoice) bool { return ack(c) == "concluded" })
	var parts []string
	for i, c := range choices {
		p := index(path, i)
		if concluded && ack(c) != "concluded" {
			continue
		}
		switch {
		case c.Expression != "" && c.License != nil:
			return "", errorf(p, "both license and expression; want one")
		case c.Expression != "":
			parts = append(parts, strings.TrimSpace(c.Expression))
		case c.License != nil && c.License.ID != "":
			parts = append(parts, strings.TrimSpace(c.License.ID))
		case c.License != nil && c.License.Name != "":
			ref := licenseRef(c.License.Name)
			r.warn("%s.license.name: %q is no SPDX identifier; recorded as %s", p, clip(c.License.Name), ref)
			parts = append(parts, ref)
		default:
			return "", errorf(p, "want license.id, license.name or expression")
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
	return strings.Join(parts, " AND "), nil
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
