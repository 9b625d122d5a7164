package sbom

import (
	"encoding/json"
	"strings"

	"gopkg.in/yaml.v3"
)

// readSPDXYAML reads SPDX 2 YAML. Its fields are the JSON document's, so
// it is read as that JSON, and a problem is named by the same path (which
// is also its YAML path). yaml.v3 refuses a document whose aliases would
// expand it far beyond its size.
func readSPDXYAML(b *builder, data []byte) error {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return errorf("", "malformed YAML: %v", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	j, err := json.Marshal(v)
	if err != nil {
		return errorf("", "YAML with no JSON form (a key that is not a string, a value that is not a number): %v", err)
	}
	if len(j) > b.lim.MaxDecompressed {
		return errorf("", "the YAML document expands to more than %d bytes", b.lim.MaxDecompressed)
	}
	b.doc.Encoding = "YAML"
	return readSPDXJSON(b, j)
}

// readSPDXTagValue reads SPDX 2 tag-value into the JSON reader's
// document, each package, relationship and licence with the line it
// starts on.
func readSPDXTagValue(b *builder, data []byte) error {
	doc, err := parseTagValue(string(data))
	if err != nil {
		return err
	}
	b.doc.Encoding = "tag-value"
	return readSPDX(b, doc)
}

// tvPackageTags set a package's field from its tag's value.
var tvPackageTags = map[string]func(p *spdxPackage, v string){
	"PackageVersion":          func(p *spdxPackage, v string) { p.VersionInfo = v },
	"PackageSupplier":         func(p *spdxPackage, v string) { p.Supplier = v },
	"PackageOriginator":       func(p *spdxPackage, v string) { p.Originator = v },
	"PackageDownloadLocation": func(p *spdxPackage, v string) { p.DownloadLocation = v },
	"PackageHomePage":         func(p *spdxPackage, v string) { p.Homepage = v },
	"PackageSummary":          func(p *spdxPackage, v string) { p.Summary = v },
	"PackageDescription":      func(p *spdxPackage, v string) { p.Description = v },
	"PackageLicenseConcluded": func(p *spdxPackage, v string) { p.LicenseConcluded = v },
	"PackageLicenseDeclared":  func(p *spdxPackage, v string) { p.LicenseDeclared = v },
}

// tvLicenceTags set an extracted licence's field from its tag's value.
var tvLicenceTags = map[string]func(x *spdxExtracted, v string){
	"ExtractedText":         func(x *spdxExtracted, v string) { x.ExtractedText = v },
	"LicenseName":           func(x *spdxExtracted, v string) { x.Name = v },
	"LicenseCrossReference": func(x *spdxExtracted, v string) { x.SeeAlsos = append(x.SeeAlsos, v) },
}

// parseTagValue reads the "Tag: value" lines of an SPDX 2 tag-value
// document. A tag's meaning depends on the section it is in: a
// PackageName, FileName, SnippetSPDXID or LicenseID starts one, and an
// SPDXID belongs to the document, package, file or snippet before it.
// Tags the reader does not use are skipped; a package's tag outside a
// package, or a line that is no tag, is an error at its line.
func parseTagValue(data string) (*spdxDocument, error) {
	doc := &spdxDocument{lines: map[string]int{}}
	var pkg *spdxPackage
	var lic *spdxExtracted
	section := "document"
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		n := i + 1
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		tag, value, ok := strings.Cut(line, ":")
		if !ok || tag == "" || strings.ContainsAny(tag, " \t") {
			return nil, errorf(linePath(n, ""), "%q is no \"Tag: value\" line", clip(line))
		}
		value = strings.TrimSpace(value)
		if rest, ok := strings.CutPrefix(value, "<text>"); ok {
			// A text value runs to </text>, on this line or a later one.
			var text strings.Builder
			text.WriteString(rest)
			for !strings.Contains(rest, "</text>") {
				if i++; i >= len(lines) {
					return nil, errorf(linePath(n, tag), "<text> is not closed by </text>")
				}
				rest = strings.TrimSuffix(lines[i], "\r")
				text.WriteString("\n")
				text.WriteString(rest)
			}
			value, _, _ = strings.Cut(text.String(), "</text>")
		}
		if set, ok := tvPackageTags[tag]; ok || tag == "PackageChecksum" || tag == "ExternalRef" {
			if section != "package" {
				return nil, errorf(linePath(n, tag), "outside a package (no PackageName before it)")
			}
			pkg.lines[tag] = n
			switch tag {
			case "PackageChecksum":
				alg, sum, _ := strings.Cut(value, ":")
				pkg.Checksums = append(pkg.Checksums, spdxChecksum{Algorithm: strings.TrimSpace(alg), ChecksumValue: strings.TrimSpace(sum)})
			case "ExternalRef":
				f := strings.Fields(value)
				if len(f) != 3 {
					return nil, errorf(linePath(n, tag), "%q; want CATEGORY TYPE LOCATOR", clip(value))
				}
				pkg.ExternalRefs = append(pkg.ExternalRefs, spdxExternalRef{ReferenceCategory: f[0], ReferenceType: f[1], ReferenceLocator: f[2]})
			default:
				set(pkg, value)
			}
			continue
		}
		if set, ok := tvLicenceTags[tag]; ok && section == "licence" {
			set(lic, value)
			continue
		}
		switch tag {
		case "SPDXVersion", "DocumentName":
			doc.lines[tag] = n
			if tag == "SPDXVersion" {
				doc.SPDXVersion = value
			} else {
				doc.Name = value
			}
		case "SPDXID":
			switch section {
			case "document":
				doc.SPDXID, doc.lines[tag] = value, n
			case "package":
				pkg.SPDXID, pkg.lines[tag] = value, n
			case "file":
				doc.Files = append(doc.Files, decoded(&spdxOther{SPDXID: value}, n, tag))
			}
		case "PackageName":
			section = "package"
			pkg = &spdxPackage{Name: value, lines: map[string]int{tag: n}}
			doc.Packages = append(doc.Packages, decoded(pkg, n, tag))
		case "FileName":
			section = "file"
		case "SnippetSPDXID":
			section = "snippet"
			doc.Snippets = append(doc.Snippets, decoded(&spdxOther{SPDXID: value}, n, tag))
		case "LicenseID":
			section = "licence"
			lic = &spdxExtracted{LicenseID: value}
			doc.Extracted = append(doc.Extracted, decoded(lic, n, tag))
		case "Relationship":
			f := strings.Fields(value)
			if len(f) != 3 {
				return nil, errorf(linePath(n, tag), "%q; want ELEMENT TYPE ELEMENT", clip(value))
			}
			doc.lines[tag] = n
			doc.Relationships = append(doc.Relationships, decoded(&spdxRelationship{Element: f[0], Type: f[1], Related: f[2]}, n, tag))
		case "Annotator", "Reviewer":
			section = "other"
		}
	}
	return doc, nil
}
