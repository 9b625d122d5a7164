package sbom

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func readFile(t *testing.T, name string) *Document {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Read(b, Limits{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	checkInvariants(t, d)
	return d
}

// checkInvariants checks what every document Read returns must satisfy.
func checkInvariants(t *testing.T, d *Document) {
	t.Helper()
	if len(d.Components) == 0 || d.Components[0].Ref != d.Root {
		t.Fatalf("the product %q is not the first component", d.Root)
	}
	refs := map[string]bool{}
	for _, c := range d.Components {
		if refs[c.Ref] {
			t.Errorf("ref %q twice", c.Ref)
		}
		refs[c.Ref] = true
		if strings.TrimSpace(c.Name) == "" {
			t.Errorf("%s: no name", c.Ref)
		}
	}
	pairs := map[[2]string]bool{}
	for _, e := range d.Edges {
		if !refs[e.From] || !refs[e.To] || e.From == e.To {
			t.Errorf("edge %v: unknown end or a loop", e)
		}
		if pairs[[2]string{e.From, e.To}] {
			t.Errorf("edge %v twice", e)
		}
		pairs[[2]string{e.From, e.To}] = true
	}
	edges, _ := d.Acyclic()
	if !acyclic(edges) {
		t.Errorf("Acyclic left a cycle")
	}
	paths := d.ShortestPaths(edges)
	for _, c := range d.Components {
		if _, ok := paths[c.Ref]; !ok {
			t.Errorf("%s is not reached from the product", c.Ref)
		}
	}
}

func byName(t *testing.T, d *Document, name string) Component {
	t.Helper()
	for _, c := range d.Components {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no component %s", name)
	return Component{}
}

func linkOf(d *Document, from, to string) Link {
	for _, e := range d.Edges {
		if e.From == from && e.To == to {
			return e.Link
		}
	}
	return 0
}

func hasWarning(d *Document, sub string) bool {
	return slices.ContainsFunc(d.Warnings, func(w string) bool { return strings.Contains(w, sub) })
}

func TestCycloneDXGomod(t *testing.T) {
	for _, tc := range []struct{ file, version string }{
		{"generated/cyclonedx-gomod-stemma.cdx.json", "1.6"},
		{"generated/cyclonedx-gomod-stemma-1.4.cdx.json", "1.4"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			d := readFile(t, tc.file)
			if d.FormatName() != "CycloneDX "+tc.version {
				t.Errorf("format %s", d.FormatName())
			}
			p := d.Product()
			if p.Name != "github.com/stemma-registry/stemma/services" || !strings.HasPrefix(p.PURL, "pkg:golang/") {
				t.Errorf("product %+v", p)
			}
			if len(d.Components) < 30 {
				t.Errorf("%d components; the binary links more modules than that", len(d.Components))
			}
			for _, e := range d.Edges {
				if e.Link != LinkStatic {
					t.Errorf("edge %s -> %s is %v; every Go module is linked statically", e.From, e.To, e.Link)
				}
			}
			cobra := byName(t, d, "github.com/spf13/cobra")
			if cobra.Licence != "Apache-2.0" || cobra.Version == "" || len(cobra.Hashes) == 0 || cobra.Hashes[0].Algorithm != "sha256" {
				t.Errorf("cobra: %+v", cobra)
			}
			if std := byName(t, d, "std"); std.Licence != "" {
				t.Errorf("std: licence %q; cyclonedx-gomod detected none", std.Licence)
			}
			// Go modules may require each other (grpc and genproto do); the
			// binary's graph has such cycles, and Acyclic breaks them.
			edges, cycles := d.Acyclic()
			if len(cycles) == 0 || !acyclic(edges) || len(edges) != len(d.Edges)-len(cycles) {
				t.Errorf("cycles %v; %d of %d edges kept", cycles, len(edges), len(d.Edges))
			}
		})
	}
}

func TestNPMGenerated(t *testing.T) {
	spdx := readFile(t, "generated/npm-web.spdx.json")
	cdx := readFile(t, "generated/npm-web.cdx.json")
	if spdx.FormatName() != "SPDX 2.3" || cdx.FormatName() != "CycloneDX 1.5" {
		t.Errorf("formats %s, %s", spdx.FormatName(), cdx.FormatName())
	}
	for _, d := range []*Document{spdx, cdx} {
		if p := d.Product(); p.PURL != "pkg:npm/stemma-explorer@0.0.0" || p.Licence != "Apache-2.0" {
			t.Errorf("%s: product %+v", d.Format, p)
		}
		if len(d.Components) != len(spdx.Components) {
			t.Errorf("%s has %d components, the other format %d", d.Format, len(d.Components), len(spdx.Components))
		}
		for _, e := range d.Edges {
			if e.Link == LinkStatic {
				t.Errorf("%s: npm packages are not linked statically (%v)", d.Format, e)
			}
		}
	}
	// npm marks the explorer's build tools as DEV_DEPENDENCY_OF: not shipped.
	tools := 0
	for _, e := range spdx.Edges {
		if e.Link == LinkTool {
			tools++
		}
	}
	if tools == 0 {
		t.Error("no dev dependency read as a tool")
	}
}

func TestCycloneDXEdgeCases(t *testing.T) {
	d := readFile(t, "handwritten/edge-cases.cdx.json")
	want := map[string]string{
		"acme-app":             "MIT",
		"lib-expr":             "MIT OR Apache-2.0",
		"lib-gpl":              "GPL-3.0-only",
		"lib-none":             "",
		"lib-named":            "LicenseRef-Acme-Proprietary-Licence-v2",
		"lib-multi":            "MIT AND BSD-3-Clause",
		"org.example/lib-java": "GPL-2.0-only WITH Classpath-exception-2.0",
		"bundled-font":         "OFL-1.1",
		"training-set":         "CC-BY-4.0",
		"orphan":               "Zlib",
	}
	for name, lic := range want {
		if got := byName(t, d, name).Licence; got != lic {
			t.Errorf("%s: licence %q; want %q", name, got, lic)
		}
	}
	if k := byName(t, d, "training-set").Kind; k != "dataset" {
		t.Errorf("training-set kind %q", k)
	}
	expr := byName(t, d, "lib-expr")
	if len(expr.Hashes) != 1 || expr.Hashes[0].Digest() != "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" {
		t.Errorf("lib-expr hashes %+v", expr.Hashes)
	}
	if l := linkOf(d, "bundle", "bundled-font"); l != LinkContains {
		t.Errorf("bundle -> bundled-font: %v; want contains", l)
	}
	if l := linkOf(d, "acme-app", "build-tool"); l != LinkTool {
		t.Errorf("acme-app -> build-tool: %v; want tool (scope excluded)", l)
	}
	if l := linkOf(d, "acme-app", "lib-gpl"); l != LinkDepends {
		t.Errorf("acme-app -> lib-gpl: %v; want depends", l)
	}
	orphan := byName(t, d, "orphan")
	if orphan.Ref != "components[11]" || linkOf(d, "acme-app", orphan.Ref) == 0 {
		t.Errorf("the orphan (ref %q) is not attached to the product", orphan.Ref)
	}
	edges, cycles := d.Acyclic()
	if len(cycles) != 1 || d.CycleString(cycles[0]) != "cyc-a -> cyc-b -> cyc-a" {
		t.Errorf("cycles %v", cycles)
	}
	if len(edges) != len(d.Edges)-1 || slices.ContainsFunc(edges, func(e Edge) bool { return e.From == "cyc-b" && e.To == "cyc-a" }) {
		t.Errorf("Acyclic kept the edge that closes the cycle: %v", edges)
	}
	for _, w := range []string{"depends on itself", "BLAKE2b-384", "read as all of them binding", "evidence", "not reached from the product"} {
		if !hasWarning(d, w) {
			t.Errorf("no warning about %q in %q", w, d.Warnings)
		}
	}
	paths := d.ShortestPaths(edges)
	if p := paths["cyc-b"]; !slices.Equal(p, []string{"acme-app", "cyc-a", "cyc-b"}) {
		t.Errorf("path to cyc-b %v", p)
	}
}

func TestSPDXEdgeCases(t *testing.T) {
	d := readFile(t, "handwritten/edge-cases.spdx.json")
	const root = "SPDXRef-Package-acme-service"
	if d.Root != root || d.Product().Licence != "Apache-2.0" {
		t.Fatalf("product %+v", d.Product())
	}
	want := map[string]string{
		"libstatic": "LGPL-2.1-only", "libdyn": "LGPL-2.1-or-later", "libdep": "MIT",
		"libdep2": "Apache-2.0 AND (MIT OR BSD-2-Clause)", "libnone": "", "libref": "LicenseRef-acme-eula",
	}
	for name, lic := range want {
		if got := byName(t, d, name).Licence; got != lic {
			t.Errorf("%s: licence %q; want %q", name, got, lic)
		}
	}
	links := []struct {
		from, to string
		want     Link
	}{
		{root, "SPDXRef-Package-libstatic", LinkStatic}, // also DEPENDS_ON: the more specific link wins
		{root, "SPDXRef-Package-libdyn", LinkDynamic},
		{root, "SPDXRef-Package-libdep", LinkDepends},
		{"SPDXRef-Package-libdep", "SPDXRef-Package-libdep2", LinkDepends},
		{root, "SPDXRef-Package-devtool", LinkTool},
		{root, "SPDXRef-Package-vendored", LinkContains},
	}
	for _, l := range links {
		if got := linkOf(d, l.from, l.to); got != l.want {
			t.Errorf("%s -> %s: %v; want %v", l.from, l.to, got, l.want)
		}
	}
	libdep := byName(t, d, "libdep")
	if !slices.Equal(libdep.Creators, []string{"Ada Lovelace"}) || libdep.PURL != "pkg:pypi/libdep@0.9.1" {
		t.Errorf("libdep %+v", libdep)
	}
	if h := byName(t, d, "libstatic").Hashes; len(h) != 1 || h[0].Algorithm != "sha256" {
		t.Errorf("libstatic hashes %+v", h)
	}
	if _, cycles := d.Acyclic(); len(cycles) != 1 || d.CycleString(cycles[0]) != "libcyc1 -> libcyc2 -> libcyc1" {
		t.Errorf("cycles %v", cycles)
	}
	for _, w := range []string{"NONE", "MD2", "1 files", "GENERATED_FROM", "outside this document's packages"} {
		if !hasWarning(d, w) {
			t.Errorf("no warning about %q in %q", w, d.Warnings)
		}
	}
}

// Every malformed document is refused with the JSON path of the problem.
func TestErrorsNameThePath(t *testing.T) {
	const cdx = `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"application","bom-ref":"app","name":"app"}},`
	const spdx = `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"d",`
	for _, tc := range []struct{ name, doc, want string }{
		{"empty", ``, "empty or truncated"},
		{"not JSON", `{bom}`, "malformed JSON"},
		{"array", `[]`, "want an object"},
		{"two values", `{"bomFormat":"CycloneDX"} {}`, "more than one JSON value"},
		{"neither", `{"hello":"world"}`, "neither CycloneDX"},
		{"both", `{"bomFormat":"CycloneDX","spdxVersion":"SPDX-2.3"}`, "both bomFormat"},
		{"bad format", `{"bomFormat":"SWID"}`, `bomFormat: "SWID"`},
		{"old version", `{"bomFormat":"CycloneDX","specVersion":"1.1"}`, `specVersion: "1.1" is not supported`},
		{"no product", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}`, "metadata.component: missing"},
		{"wrong type", cdx + `"components":[{"type":"library","name":"x","version":1}]}`, "components[0].version: want a string"},
		{"no name", cdx + `"components":[{"type":"library","bom-ref":"x"}]}`, "components[0].name: missing"},
		{"no type", cdx + `"components":[{"name":"x"}]}`, "components[0].type: missing"},
		{"duplicate ref", cdx + `"components":[{"type":"library","bom-ref":"app","name":"x"}]}`, "components[0].bom-ref"},
		{"bad purl", cdx + `"components":[{"type":"library","name":"x","purl":"npm/x"}]}`, "components[0].purl"},
		{"bad hash", cdx + `"components":[{"type":"library","name":"x","hashes":[{"alg":"SHA-256","content":"xyz"}]}]}`, "components[0].hashes[0].content"},
		{"short hash", cdx + `"components":[{"type":"library","name":"x","hashes":[{"alg":"SHA-1","content":"abcd"}]}]}`, "components[0].hashes[0].content: a SHA-1 digest has 40"},
		{"empty licence", cdx + `"components":[{"type":"library","name":"x","licenses":[{}]}]}`, "components[0].licenses[0]: want license.id"},
		{"licence and expression", cdx + `"components":[{"type":"library","name":"x","licenses":[{"license":{"id":"MIT"},"expression":"MIT"}]}]}`, "components[0].licenses[0]: both"},
		{"nested", cdx + `"components":[{"type":"library","name":"x","components":[{"type":"file"}]}]}`, "components[0].components[0].name"},
		{"dangling dependency", cdx + `"dependencies":[{"ref":"app","dependsOn":["ghost"]}]}`, `dependencies[0].dependsOn[0]: "ghost" names no component`},
		{"dangling ref", cdx + `"dependencies":[{"ref":"ghost"}]}`, "dependencies[0].ref"},
		{"spdx version", `{"spdxVersion":"SPDX-2.1","SPDXID":"SPDXRef-DOCUMENT"}`, `spdxVersion: "SPDX-2.1" is not supported`},
		{"spdx id", `{"spdxVersion":"SPDX-2.3","SPDXID":"DOC"}`, "SPDXID:"},
		{"spdx package id", spdx + `"packages":[{"SPDXID":"pkg","name":"p"}]}`, "packages[0].SPDXID"},
		{"spdx no root", spdx + `"packages":[{"SPDXID":"SPDXRef-p","name":"p"}]}`, "no package is DESCRIBED"},
		{"spdx dangling", spdx + `"packages":[{"SPDXID":"SPDXRef-p","name":"p"}],"relationships":[{"spdxElementId":"SPDXRef-p","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-q"}]}`, `relationships[0]: "SPDXRef-q"`},
		{"spdx half relationship", spdx + `"relationships":[{"spdxElementId":"SPDXRef-p"}]}`, "relationships[0]: want"},
		{"spdx checksum", spdx + `"packages":[{"SPDXID":"SPDXRef-p","name":"p","checksums":[{"algorithm":"SHA256","checksumValue":"00"}]}]}`, "packages[0].checksums[0].checksumValue"},
		{"spdx purl", spdx + `"packages":[{"SPDXID":"SPDXRef-p","name":"p","externalRefs":[{"referenceType":"purl","referenceLocator":"x"}]}]}`, "packages[0].externalRefs[0].referenceLocator"},
		{"not UTF-8", "{\"bomFormat\":\"\xff\"}", "not UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read([]byte(tc.doc), Limits{})
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Read = %v; want an *Error containing %q", err, tc.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	b, err := os.ReadFile("testdata/generated/cyclonedx-gomod-stemma.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lim  Limits
		want string
	}{
		{Limits{MaxBytes: 1000}, "at most 1000 are accepted"},
		{Limits{MaxComponents: 10}, "more than 10 components"},
		{Limits{MaxEdges: 10}, "more than 10 dependency edges"},
	} {
		if _, err := Read(b, tc.lim); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Read with %+v = %v; want %q", tc.lim, err, tc.want)
		}
	}
}

func TestLicenseRef(t *testing.T) {
	for in, want := range map[string]string{
		"Apache License 2.0":     "LicenseRef-Apache-License-2.0",
		"  ~~~ ":                 "LicenseRef-unnamed",
		"GPL v2 (or later)":      "LicenseRef-GPL-v2-or-later",
		strings.Repeat("x", 200): "LicenseRef-" + strings.Repeat("x", 64),
	} {
		if got := licenseRef(in); got != want {
			t.Errorf("licenseRef(%q) = %q; want %q", in, got, want)
		}
	}
}

// acyclic reports whether edges form a graph without cycles (Kahn).
func acyclic(edges []Edge) bool {
	in := map[string]int{}
	out := map[string][]string{}
	for _, e := range edges {
		in[e.To]++
		in[e.From] += 0
		out[e.From] = append(out[e.From], e.To)
	}
	var ready []string
	for n, d := range in {
		if d == 0 {
			ready = append(ready, n)
		}
	}
	seen := 0
	for len(ready) > 0 {
		n := ready[len(ready)-1]
		ready = ready[:len(ready)-1]
		seen++
		for _, m := range out[n] {
			if in[m]--; in[m] == 0 {
				ready = append(ready, m)
			}
		}
	}
	return seen == len(in)
}
