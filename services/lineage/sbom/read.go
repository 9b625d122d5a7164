package sbom

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Read reads an SBOM, telling its format and encoding from the content
// alone: a gzip-compressed body is decompressed first; then a JSON object
// is CycloneDX (bomFormat), SPDX 2 (spdxVersion) or SPDX 3 JSON-LD
// (@context and @graph), an XML document is CycloneDX (by its namespace),
// and text is SPDX tag-value (SPDXVersion:) or SPDX YAML (spdxVersion:).
// A model or dataset card is read too: text opening with YAML front
// matter (without spdxVersion), or a JSON object that a hub's API returns
// for a repository (cardData, modelId, or id with tags).
// Every problem is an *Error naming its JSON path, or its line in XML and
// tag-value.
func Read(data []byte, lim Limits) (*Document, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return nil, errorf("", "the document is %d bytes; at most %d are accepted", len(data), lim.MaxBytes)
	}
	compressed := isGzip(data)
	if compressed {
		var err error
		if data, err = gunzip(data, lim.MaxDecompressed); err != nil {
			return nil, err
		}
	}
	if !utf8.Valid(data) {
		return nil, errorf("", "the document is not UTF-8 text")
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	b := &builder{lim: lim, refs: map[string]int{}}
	var err error
	switch text := bytes.TrimLeft(data, " \t\r\n"); {
	case len(text) > 0 && text[0] == '<':
		err = readCycloneDXXML(b, data)
	case len(text) > 0 && text[0] != '{' && text[0] != '[':
		err = readText(b, data)
	default:
		err = readJSON(b, data)
	}
	if err != nil {
		return nil, err
	}
	if compressed {
		b.doc.Encoding = "gzip+" + b.doc.Encoding
	}
	return b.finish()
}

// readJSON tells a JSON document's format by its markers.
func readJSON(b *builder, data []byte) error {
	var probe struct {
		BOMFormat   *json.RawMessage `json:"bomFormat"`
		SPDXVersion *json.RawMessage `json:"spdxVersion"`
		Context     *json.RawMessage `json:"@context"`
		CardData    *json.RawMessage `json:"cardData"`
		ModelID     *json.RawMessage `json:"modelId"`
		ID          *json.RawMessage `json:"id"`
		Tags        *json.RawMessage `json:"tags"`
	}
	if err := decode("", data, &probe); err != nil {
		return err
	}
	switch {
	case probe.BOMFormat != nil && probe.SPDXVersion != nil:
		return errorf("", "the document has both bomFormat (CycloneDX) and spdxVersion (SPDX)")
	case probe.BOMFormat != nil:
		return readCycloneDX(b, data)
	case probe.SPDXVersion != nil:
		b.doc.Encoding = "JSON"
		return readSPDXJSON(b, data)
	case probe.Context != nil:
		return readSPDX3(b, data)
	case isHubJSON(map[string]bool{"cardData": probe.CardData != nil, "modelId": probe.ModelID != nil, "id": probe.ID != nil, "tags": probe.Tags != nil}):
		return readCardJSON(b, data)
	}
	return errorf("", "neither CycloneDX (no bomFormat), SPDX 2 (no spdxVersion), SPDX 3 (no @context) nor a hub answer for a model or dataset card (no cardData or modelId); "+
		"want CycloneDX 1.2-1.6, SPDX 2.2-2.3, SPDX 3.0 or a card")
}

// readText reads the text encodings of SPDX 2: tag-value, whose tags are
// capitalised (SPDXVersion:), and YAML, which uses the JSON names
// (spdxVersion:).
func readText(b *builder, data []byte) error {
	if isCard(data) {
		return readCardText(b, data)
	}
	for line := range bytes.Lines(data) {
		switch {
		case bytes.HasPrefix(line, []byte("SPDXVersion:")):
			return readSPDXTagValue(b, data)
		case bytes.HasPrefix(line, []byte("spdxVersion:")):
			return readSPDXYAML(b, data)
		}
	}
	return errorf("", "neither JSON, XML, SPDX tag-value (no SPDXVersion: line), SPDX YAML (no spdxVersion: line) nor a model or dataset card (no --- front matter)")
}

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

func isGzip(data []byte) bool { return bytes.HasPrefix(data, gzipMagic) }

// gunzip decompresses a document, refusing one that would grow beyond max
// bytes (a decompression bomb) before it has been written out in full.
func gunzip(data []byte, max int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, errorf("", "the gzip stream is corrupt: %v", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(max)+1))
	if err != nil {
		return nil, errorf("", "the gzip stream is corrupt: %v", err)
	}
	if len(out) > max {
		return nil, errorf("", "the gzip-compressed document decompresses to more than %d bytes; at most %d are accepted", max, max)
	}
	if isGzip(out) {
		return nil, errorf("", "the document is compressed twice; compress it once")
	}
	return out, nil
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

// extracted records a licence the document defines; the first definition
// of an id wins.
func (b *builder) extracted(id string, l ExtractedLicence) {
	if b.doc.Extracted == nil {
		b.doc.Extracted = map[string]ExtractedLicence{}
	}
	if _, dup := b.doc.Extracted[id]; dup {
		b.warn("licence %s is defined twice; the first definition is kept", clip(id))
		return
	}
	b.doc.Extracted[id] = l
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
