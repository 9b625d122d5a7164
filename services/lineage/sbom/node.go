package sbom

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
)

// node is one element of a list in the document. From JSON it is kept
// raw until the reader decodes it, so that a value of the wrong type is
// reported at the element's own JSON path; from XML or tag-value it is
// decoded as it is read, with the line it starts on, because those
// formats have no path a reader could follow.
type node[T any] struct {
	raw  json.RawMessage
	line int
	elem string
	val  *T
}

// UnmarshalJSON keeps the element raw; the reader decodes it with its path.
func (n *node[T]) UnmarshalJSON(b []byte) error {
	n.raw = append(n.raw[:0], b...)
	return nil
}

// UnmarshalXML decodes the element and notes the line it starts on.
func (n *node[T]) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	n.line, _ = d.InputPos()
	n.elem = "<" + start.Name.Local + ">"
	n.val = new(T)
	return d.DecodeElement(n.val, &start)
}

// decoded is a node read from tag-value.
func decoded[T any](v *T, line int, elem string) node[T] {
	return node[T]{val: v, line: line, elem: elem}
}

// missing reports whether the document left the element out or wrote
// null.
func (n *node[T]) missing() bool {
	return n.val == nil && (len(n.raw) == 0 || string(n.raw) == "null")
}

// get returns the element and the path to name it by in messages: the
// JSON path given, or its line and element.
func (n *node[T]) get(jsonPath string) (T, string, error) {
	if n.val != nil {
		return *n.val, linePath(n.line, n.elem), nil
	}
	var v T
	err := decode(jsonPath, n.raw, &v)
	return v, jsonPath, err
}

// linePath names a place in an XML or tag-value document.
func linePath(line int, elem string) string {
	if elem == "" {
		return fmt.Sprintf("line %d", line)
	}
	return fmt.Sprintf("line %d %s", line, elem)
}
