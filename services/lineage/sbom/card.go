package sbom

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// The card formats: Hugging Face-style model and dataset cards, as a
// README.md with YAML front matter or as the JSON the hub's API returns
// for a repository (its cardData is the front matter).
const (
	ModelCard   Format = "Hugging Face model card"
	DatasetCard Format = "Hugging Face dataset card"
)

// The links a card states between a model and its base model, or a dataset
// and its source: the derivation relations themselves. They stand outside
// the dependency links' order of specificity (a card states each pair
// once: a base model and a data set are different components).
const (
	// LinkAdaptation: fine-tuned or adapted from (base_model_relation
	// finetune or adapter, or none given; a dataset's source_datasets).
	LinkAdaptation Link = iota + 100
	// LinkCopy: the same weights in another form (base_model_relation
	// quantized).
	LinkCopy
	// LinkRemix: merged from several models (base_model_relation merge).
	LinkRemix
)

func init() {
	linkNames[LinkAdaptation] = "adaptation"
	linkNames[LinkCopy] = "copy"
	linkNames[LinkRemix] = "remix"
}

// cardRelations maps base_model_relation to the link it implies.
var cardRelations = map[string]Link{
	"finetune": LinkAdaptation, "adapter": LinkAdaptation, "quantized": LinkCopy, "merge": LinkRemix,
}

// repoID is the shape of a hub repository id: an optional owner and a
// name, of letters, digits, '-', '_' and '.'.
var repoID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$`)

// frontMatter returns the YAML between a first line "---" and the next
// line "---" (or "..."), and the line the YAML starts on; ok is false when
// the text does not open with front matter.
func frontMatter(data []byte) (yml []byte, body []byte, first int, ok bool) {
	text := bytes.TrimLeft(data, " \t\r\n")
	skipped := bytes.Count(data[:len(data)-len(text)], []byte("\n"))
	line, rest, found := bytes.Cut(text, []byte("\n"))
	if !found || string(bytes.TrimRight(line, " \t\r")) != "---" {
		return nil, nil, 0, false
	}
	off := 0
	for l := range bytes.Lines(rest) {
		if t := string(bytes.TrimRight(l, " \t\r\n")); t == "---" || t == "..." {
			return rest[:off], rest[off+len(l):], skipped + 2, true
		}
		off += len(l)
	}
	return nil, nil, 0, false
}

// isCard reports whether text is a card rather than SPDX YAML, which may
// open with a "---" document marker too: front matter, closed, without a
// top-level spdxVersion.
func isCard(data []byte) bool {
	yml, _, _, ok := frontMatter(data)
	if !ok {
		return false
	}
	for l := range bytes.Lines(yml) {
		if bytes.HasPrefix(l, []byte("spdxVersion:")) || bytes.HasPrefix(l, []byte("SPDXVersion:")) {
			return false
		}
	}
	return true
}

// isHubJSON reports whether a JSON object is a hub API answer: it has
// cardData or modelId, or an id with tags, and none of the SBOM formats'
// markers (checked before).
func isHubJSON(keys map[string]bool) bool {
	return keys["cardData"] || keys["modelId"] || keys["id"] && keys["tags"]
}

// card is where a card's fields come from: the front matter, whose
// problems are named by line, or a hub answer, named by JSON path.
type card struct {
	b      *builder
	json   bool
	prefix string // "cardData" for a hub answer's card fields
	fields map[string]*yaml.Node
	at     map[string]*yaml.Node // each field's key, whose line names the field
	keys   map[string]*yaml.Node // the hub answer's top-level fields
	self   string                // the product's ref as a component would have it
}

// where names a field for messages.
func (c *card) where(path string, n *yaml.Node) string {
	if c.json {
		return join(c.prefix, path)
	}
	return fmt.Sprintf("line %d %s", n.Line, path)
}

// mapping returns a mapping's values and keys by name; the first of a
// key given twice wins.
func mapping(n *yaml.Node) (map[string]*yaml.Node, map[string]*yaml.Node) {
	out, keys := map[string]*yaml.Node{}, map[string]*yaml.Node{}
	if n == nil || n.Kind != yaml.MappingNode {
		return out, keys
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if _, dup := out[n.Content[i].Value]; !dup {
			out[n.Content[i].Value] = deref(n.Content[i+1])
			keys[n.Content[i].Value] = n.Content[i]
		}
	}
	return out, keys
}

// deref follows a YAML alias; aliases are not expanded anywhere else, so
// an alias bomb costs nothing.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// str reads a field that must be a string (or absent: "", nil).
func (c *card) str(name string) (string, *yaml.Node, error) {
	n := c.fields[name]
	if n == nil || n.Tag == "!!null" {
		return "", nil, nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", nil, errorf(c.where(name, c.at[name]), "want a string")
	}
	return strings.TrimSpace(n.Value), c.at[name], nil
}

// list reads a field that is a string or a list of strings.
func (c *card) list(name string) ([]string, []string, error) {
	n := c.fields[name]
	if n == nil || n.Tag == "!!null" {
		return nil, nil, nil
	}
	key := c.at[name]
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		return []string{strings.TrimSpace(n.Value)}, []string{c.where(name, key)}, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, nil, errorf(c.where(name, key), "want a string or a list of strings")
	}
	if len(n.Content) > c.b.lim.MaxComponents {
		return nil, nil, errorf(c.where(name, key), "%d entries; at most %d components are accepted in one document", len(n.Content), c.b.lim.MaxComponents)
	}
	var vs, ws []string
	for i, raw := range n.Content {
		e := deref(raw)
		p := index(name, i)
		if e == nil || e.Kind != yaml.ScalarNode || e.Tag != "!!str" {
			// The entry's own line, an alias's rather than its anchor's.
			return nil, nil, errorf(c.where(p, raw), "want a string")
		}
		vs, ws = append(vs, strings.TrimSpace(e.Value)), append(ws, c.where(p, e))
	}
	return vs, ws, nil
}

// readCardText reads a README with front matter.
func readCardText(b *builder, data []byte) error {
	yml, body, first, _ := frontMatter(data)
	var root yaml.Node
	if err := yaml.Unmarshal(yml, &root); err != nil {
		return errorf("", "malformed YAML front matter: %s", shiftLines(strings.TrimPrefix(err.Error(), "yaml: "), first-1))
	}
	c := &card{b: b}
	if len(root.Content) > 0 {
		doc := deref(root.Content[0])
		if doc.Kind != yaml.MappingNode {
			return errorf(fmt.Sprintf("line %d", first), "the front matter is not a mapping of fields")
		}
		shift(doc, first-1, 0)
		c.fields, c.at = mapping(doc)
	}
	b.doc.Encoding = "YAML front matter"
	return c.read("", heading(body))
}

// shift moves the nodes' lines from the front matter's to the file's. An
// alias has no content of its own (each node is shifted once); nodes
// deeper than any field the reader uses are left as they are.
func shift(n *yaml.Node, by, depth int) {
	if n == nil || depth > 64 {
		return
	}
	n.Line += by
	for _, k := range n.Content {
		shift(k, by, depth+1)
	}
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// shiftLines renumbers "line N" in a YAML error to the file's lines.
func shiftLines(msg string, by int) string {
	return yamlLine.ReplaceAllStringFunc(msg, func(s string) string {
		var n int
		fmt.Sscanf(s, "line %d", &n)
		return fmt.Sprintf("line %d", n+by)
	})
}

// heading is the card body's first level-one Markdown heading, the name
// a README without a name field goes by.
func heading(body []byte) string {
	for l := range bytes.Lines(body) {
		if h, ok := bytes.CutPrefix(bytes.TrimSpace(l), []byte("# ")); ok {
			return strings.TrimSpace(string(h))
		}
	}
	return ""
}

// readCardJSON reads a hub API answer: its id names the repository and
// cardData holds the card's fields.
func readCardJSON(b *builder, data []byte) error {
	var root yaml.Node
	// The JSON was checked by decode already; YAML reads JSON, and keeps
	// the nodes that the string-or-list fields need.
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 {
		return errorf("", "a JSON object Stemma cannot read as a hub answer: %v", err)
	}
	top, _ := mapping(deref(root.Content[0]))
	c := &card{b: b, json: true, keys: top}
	if cd := top["cardData"]; cd != nil && cd.Tag != "!!null" {
		if cd.Kind != yaml.MappingNode {
			return errorf("cardData", "want an object")
		}
		c.prefix = "cardData"
		c.fields, c.at = mapping(cd)
	}
	id := ""
	for _, k := range []string{"id", "modelId"} {
		if n := top[k]; n != nil {
			if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
				return errorf(k, "want a string")
			}
			id = n.Value
			if !repoID.MatchString(id) {
				return errorf(k, "%q is not a hub repository id (owner/name)", clip(id))
			}
			break
		}
	}
	if id == "" {
		return errorf("id", "missing; a hub answer names its repository")
	}
	b.doc.Encoding = "JSON"
	return c.read(id, "")
}

// kind tells a model card from a dataset card: a hub answer for a model
// has modelId; fields only a dataset card has (source_datasets,
// task_categories, size_categories, pretty_name) or a hub tag of theirs
// make it a dataset's; anything else is a model's.
func (c *card) kind() string {
	if c.keys["modelId"] != nil {
		return "model"
	}
	// The hub answers for a data set with its citation and Papers with
	// Code id, which it never gives for a model.
	if c.keys["citation"] != nil || c.keys["paperswithcode_id"] != nil {
		return "dataset"
	}
	for _, f := range []string{"source_datasets", "task_categories", "size_categories", "pretty_name", "multilinguality"} {
		if c.fields[f] != nil {
			return "dataset"
		}
	}
	if t := c.keys["tags"]; t != nil && t.Kind == yaml.SequenceNode {
		for _, e := range t.Content {
			if strings.HasPrefix(e.Value, "task_categories:") || strings.HasPrefix(e.Value, "size_categories:") {
				return "dataset"
			}
		}
	}
	return "model"
}

// hubPURL is the package URL of a hub repository: pkg:huggingface/<id>
// for a model, as the purl specification has it; the specification has
// no form for datasets, which take the hub's own path prefix,
// pkg:huggingface/datasets/<id>, so that a dataset and a model of the same
// id stay two works.
func hubPURL(kind, id string) string {
	if kind == "dataset" {
		return "pkg:huggingface/datasets/" + id
	}
	return "pkg:huggingface/" + id
}

func hubURL(kind, id string) string {
	if kind == "dataset" {
		return "https://huggingface.co/datasets/" + id
	}
	return "https://huggingface.co/" + id
}

// read maps the card's fields to the document: the card's repository is
// the product; its base models and data sets are components with the
// edges their fields imply.
func (c *card) read(id, title string) error {
	b := c.b
	kind := c.kind()
	b.doc.Format, b.doc.Version = ModelCard, ""
	if kind == "dataset" {
		b.doc.Format = DatasetCard
	}
	prod := Component{Ref: "card", Path: c.prefix, Kind: kind}
	if c.prefix == "" && !c.json {
		prod.Path = "front matter"
	}
	for _, f := range []string{"model_name", "pretty_name"} {
		s, _, err := c.str(f)
		if err != nil {
			return err
		}
		if s != "" && title == "" {
			title = s
		}
	}
	switch {
	case id != "":
		c.self = kind + ":" + id
		prod.Name, prod.PURL, prod.URLs = id, hubPURL(kind, id), []string{hubURL(kind, id)}
		if owner, _, ok := strings.Cut(id, "/"); ok {
			prod.Creators = []string{owner}
		}
		if title != "" && title != id {
			prod.Description = title
		}
	case title != "":
		prod.Name = title
	default:
		return errorf(c.where("model_name", &yaml.Node{Line: 1}), "the card names no %s: give model_name (pretty_name for a data set) or a '# ' heading", kind)
	}
	claims, err := c.licence(id, kind)
	if err != nil {
		return err
	}
	prod.Declared = claims
	if err := b.add(prod, prod.Path); err != nil {
		return err
	}
	b.doc.Root = prod.Ref
	if kind == "model" {
		if err := c.bases(); err != nil {
			return err
		}
		return c.sources("datasets", LinkTraining, false)
	}
	return c.sources("source_datasets", LinkAdaptation, true)
}

// licence turns license (an id, a list of ids, or "other" with
// license_name and license_link) into claims.
func (c *card) licence(id, kind string) ([]LicenceClaim, error) {
	ls, where, err := c.list("license")
	if err != nil {
		return nil, err
	}
	name, nameNode, err := c.str("license_name")
	if err != nil {
		return nil, err
	}
	link, linkNode, err := c.str("license_link")
	if err != nil {
		return nil, err
	}
	var out []LicenceClaim
	for i, l := range ls {
		switch strings.ToLower(l) {
		case "":
			continue
		case "unknown":
			c.b.warn("%s: the card says its licence is unknown", where[i])
			continue
		case "other":
			cl := LicenceClaim{Path: where[i], Name: name}
			if link != "" {
				if !strings.Contains(link, "://") {
					// A path in the repository, such as LICENSE.
					if id == "" {
						c.b.warn("%s: %q is a path in the repository, which a README does not name; left out", c.where("license_link", linkNode), clip(link))
						link = ""
					} else {
						link = hubURL(kind, id) + "/blob/main/" + strings.TrimLeft(link, "./")
					}
				}
				cl.URL = link
			}
			if cl.Name == "" && cl.URL == "" {
				c.b.warn("%s: licence \"other\" with neither license_name nor license_link; the licence is unknown", where[i])
				continue
			}
			if nameNode != nil {
				cl.Path = c.where("license_name", nameNode)
			}
			out = append(out, cl)
		default:
			out = append(out, LicenceClaim{Path: where[i], ID: l})
		}
	}
	return out, nil
}

// bases adds the base models with the link base_model_relation implies.
func (c *card) bases() error {
	ids, where, err := c.list("base_model")
	if err != nil {
		return err
	}
	rel, relNode, err := c.str("base_model_relation")
	if err != nil {
		return err
	}
	link := LinkAdaptation
	if rel != "" {
		l, ok := cardRelations[strings.ToLower(rel)]
		if !ok {
			return errorf(c.where("base_model_relation", relNode), "%q is no relation Stemma reads; want finetune, adapter, quantized or merge", clip(rel))
		}
		link = l
	}
	for i, id := range ids {
		if err := c.component(id, where[i], "model", link); err != nil {
			return err
		}
	}
	return nil
}

// sources adds the data sets a model was trained on, or a data set's
// sources. In source_datasets, "original" names no source and
// "extended|<id>" a data set this one extends.
func (c *card) sources(field string, link Link, hfSources bool) error {
	ids, where, err := c.list(field)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if hfSources {
			if strings.EqualFold(id, "original") {
				continue
			}
			if rest, ok := strings.CutPrefix(id, "extended|"); ok {
				id = rest
			}
		}
		if err := c.component(id, where[i], "dataset", link); err != nil {
			return err
		}
	}
	return nil
}

// component adds a hub repository the card names, and the product's edge
// to it; a repository named twice is one component.
func (c *card) component(id, where, kind string, link Link) error {
	if !repoID.MatchString(id) {
		return errorf(where, "%q is not a hub repository id (owner/name)", clip(id))
	}
	ref := kind + ":" + id
	if ref == c.self {
		return errorf(where, "the card names its own repository %q", clip(id))
	}
	if _, seen := c.b.refs[ref]; !seen {
		comp := Component{Ref: ref, Path: where, Name: id, Kind: kind, PURL: hubPURL(kind, id), URLs: []string{hubURL(kind, id)}}
		if err := c.b.add(comp, where); err != nil {
			return err
		}
	}
	return c.b.edge(c.b.doc.Root, ref, link, where)
}
