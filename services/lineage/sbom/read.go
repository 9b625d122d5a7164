package sbom

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Read reads a CycloneDX or SPDX JSON document, telling them apart by
// their own markers (bomFormat, spdxVersion). Every problem is an *Error
// naming its JSON path.
func Read(data []byte, lim Limits) (*Document, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return nil, errorf("", "the document is %d bytes; at most %d are accepted", len(data), lim.MaxBytes)
	}
	if !utf8.Valid(data) {
		return nil, errorf("", "the document is not UTF-8 text")
	}
	var probe struct {
		BOMFormat   *json.RawMessage `json:"bomFormat"`
		SPDXVersion *json.RawMessage `json:"spdxVersion"`
	}
	if err := decode("", data, &probe); err != nil {
		return nil, err
	}
	b := &builder{lim: lim, refs: map[string]int{}}
	var err error
	switch {
	case probe.BOMFormat != nil && probe.SPDXVersion != nil:
		return nil, errorf("", "the document has both bomFormat (CycloneDX) and spdxVersion (SPDX)")
	case probe.BOMFormat != nil:
		err = readCycloneDX(b, data)
	case probe.SPDXVersion != nil:
		err = readSPDX(b, data)
	default:
		return nil, errorf("", "neither CycloneDX (no bomFormat) nor SPDX (no spdxVersion); want CycloneDX 1.4-1.6 JSON or SPDX 2.3 JSON")
	}
	if err != nil {
		return nil, err
	}
	return b.finish()
}

// decode unmarshals JSON at path into v, naming the path of a value of
// the wrong type.
func decode(path string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			p := path
			if te.Field != "" {
				p = join(path, te.Field)
			}
			return errorf(p, "want %s, have a JSON %s", kindOf(te.Type.Kind().String()), te.Value)
		case errors.As(err, &se):
			return errorf(path, "malformed JSON at byte %d: %v", se.Offset, se)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return errorf(path, "empty or truncated JSON")
		}
		return errorf(path, "malformed JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errorf(path, "more than one JSON value")
	}
	return nil
}

func kindOf(k string) string {
	switch k {
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "bool":
		return "true or false"
	}
	return "a " + k
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// builder collects what a reader finds and checks what both formats share.
type builder struct {
	lim      Limits
	doc      Document
	refs     map[string]int // ref -> index in doc.Components
	edges    map[[2]string]int
	warnings []string
}

func (b *builder) warn(format string, args ...any) {
	b.warnings = append(b.warnings, fmt.Sprintf(format, args...))
}

// add adds a component; its ref must be new.
func (b *builder) add(c Component, refPath string) error {
	if c.Ref == "" {
		c.Ref = c.Path
	}
	if _, dup := b.refs[c.Ref]; dup {
		return errorf(refPath, "%q is the reference of an earlier component too", clip(c.Ref))
	}
	if len(b.doc.Components) >= b.lim.MaxComponents {
		return errorf(c.Path, "more than %d components; at most %d are accepted in one document", b.lim.MaxComponents, b.lim.MaxComponents)
	}
	if strings.TrimSpace(c.Name) == "" {
		return errorf(join(c.Path, "name"), "missing; every component needs a name")
	}
	b.refs[c.Ref] = len(b.doc.Components)
	b.doc.Components = append(b.doc.Components, c)
	return nil
}

// edge records that from uses to; a pair seen before keeps the more
// specific link.
func (b *builder) edge(from, to string, l Link, path string) error {
	for _, r := range []string{from, to} {
		if _, ok := b.refs[r]; !ok {
			return errorf(path, "%q names no component of the document", clip(r))
		}
	}
	if b.edges == nil {
		b.edges = map[[2]string]int{}
	}
	key := [2]string{from, to}
	if i, ok := b.edges[key]; ok {
		b.doc.Edges[i].Link = min(b.doc.Edges[i].Link, l)
		return nil
	}
	if len(b.doc.Edges) >= b.lim.MaxEdges {
		return errorf(path, "more than %d dependency edges; at most %d are accepted in one document", b.lim.MaxEdges, b.lim.MaxEdges)
	}
	b.edges[key] = len(b.doc.Edges)
	b.doc.Edges = append(b.doc.Edges, Edge{From: from, To: to, Link: l})
	return nil
}

// finish puts the product first, attaches every component the graph does
// not reach from the product to the product directly (an SBOM lists only
// what the product contains), and returns the document.
func (b *builder) finish() (*Document, error) {
	d := &b.doc
	ri, ok := b.refs[d.Root]
	if !ok {
		return nil, errorf("", "the document names no product (root component)")
	}
	if ri != 0 {
		root := d.Components[ri]
		d.Components = slices.Delete(d.Components, ri, ri+1)
		d.Components = slices.Insert(d.Components, 0, root)
	}
	reached := map[string]bool{d.Root: true}
	queue := []string{d.Root}
	out := d.outgoing()
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		for _, e := range out[ref] {
			if !reached[e.To] {
				reached[e.To] = true
				queue = append(queue, e.To)
			}
		}
	}
	var detached []string
	for _, c := range d.Components {
		if reached[c.Ref] {
			continue
		}
		detached = append(detached, c.Name)
		if err := b.edge(d.Root, c.Ref, b.defaultLink(d.Root, c.Ref), c.Path); err != nil {
			return nil, err
		}
	}
	if len(detached) > 0 {
		b.warn("%d components are not reached from the product through the dependency graph and are taken as its direct dependencies: %s",
			len(detached), summarise(detached))
	}
	d.Warnings = b.warnings
	return d, nil
}

// defaultLink is the link of a dependency the document states without
// saying how: static between packages of an ecosystem whose toolchain
// links statically (Go modules, Rust crates), a dependency otherwise.
func (b *builder) defaultLink(from, to string) Link {
	f, t := b.doc.Components[b.refs[from]], b.doc.Components[b.refs[to]]
	if tt := purlType(t.PURL); staticTypes[tt] && purlType(f.PURL) == tt {
		return LinkStatic
	}
	return LinkDepends
}

// staticTypes are the purl types whose dependencies are linked
// statically into what depends on them.
var staticTypes = map[string]bool{"golang": true, "cargo": true}

func purlType(purl string) string {
	rest, ok := strings.CutPrefix(strings.ToLower(purl), "pkg:")
	if !ok {
		return ""
	}
	t, _, _ := strings.Cut(strings.TrimLeft(rest, "/"), "/")
	return t
}

// checkPURL checks the shape of a package URL, pkg:type/name; the catalog
// normalises it.
func checkPURL(path, purl string) error {
	if purl == "" {
		return nil
	}
	rest, ok := strings.CutPrefix(strings.ToLower(purl), "pkg:")
	if !ok {
		return errorf(path, "%q is not a package URL; want pkg:type/name@version", clip(purl))
	}
	t, name, _ := strings.Cut(strings.TrimLeft(rest, "/"), "/")
	if t == "" || strings.Trim(name, "/") == "" {
		return errorf(path, "%q is not a package URL; want pkg:type/name@version", clip(purl))
	}
	return nil
}

// hash checks a digest's hex value and returns it with the algorithm in
// Stemma's spelling; ok is false for an algorithm Stemma does not keep.
func hash(path, alg, value string, algs map[string]string) (Hash, bool, error) {
	a, known := algs[alg]
	if !known {
		return Hash{}, false, nil
	}
	v := strings.ToLower(strings.TrimSpace(value))
	if _, err := hex.DecodeString(v); err != nil || v == "" {
		return Hash{}, false, errorf(path, "%q is not a hexadecimal digest", clip(value))
	}
	if want := hexLen[a]; len(v) != want {
		return Hash{}, false, errorf(path, "a %s digest has %d hex digits, not %d", alg, want, len(v))
	}
	return Hash{Algorithm: a, Value: v}, true, nil
}

// hexLen is the length of each kept algorithm's hex digest.
var hexLen = map[string]int{
	"md5": 32, "sha1": 40, "sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128,
	"sha3-256": 64, "sha3-384": 96, "sha3-512": 128, "blake2b-256": 64, "blake2b-512": 128, "blake3": 64,
}

// summarise lists a few names and says how many more there are.
func summarise(names []string) string {
	const shown = 5
	if len(names) <= shown {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:shown], ", "), len(names)-shown)
}

// outgoing returns each component's edges, in document order.
func (d *Document) outgoing() map[string][]Edge {
	out := map[string][]Edge{}
	for _, e := range d.Edges {
		out[e.From] = append(out[e.From], e)
	}
	return out
}
