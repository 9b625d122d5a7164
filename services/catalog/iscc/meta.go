package iscc

import (
	"encoding/hex"
	"errors"
	"strings"

	"lukechampine.com/blake3"
)

// The Meta-Code's parameters.
const (
	metaNameBytes        = 128  // a name is cut to this many bytes of UTF-8
	metaDescriptionBytes = 4096 // a description to this many
	metaNgramText        = 3    // characters per feature of text
	metaNgramBytes       = 4    // bytes per feature of binary metadata
)

// Meta is a Meta-Code with the normalised text it was computed from.
type Meta struct {
	Code        Code
	Name        string // the name, normalised and trimmed
	Description string // the description, normalised and trimmed
	// Metahash is the BLAKE3 multihash (hex, "1e20…") of the metadata:
	// of meta when given, otherwise of the name and description.
	Metahash string
}

// ErrNoName is returned by MetaCode for a name that is empty once
// normalised.
var ErrNoName = errors.New("iscc: a Meta-Code needs a name that is not empty after normalisation")

// MetaCode is the Meta-Code of a work's name and optional description
// with a body of nbits (a multiple of 32 up to 256). meta, when not
// empty, is extended metadata as bytes (JSON in its JCS canonical form,
// or the payload of a data: URL); it then takes the description's place
// in the hash.
func MetaCode(name, description string, meta []byte, nbits int) (Meta, error) {
	name, description = strings.ToValidUTF8(name, "\uFFFD"), strings.ToValidUTF8(description, "\uFFFD")
	name = trimText(singleLine(cleanText(name)), metaNameBytes)
	if name == "" {
		return Meta{}, ErrNoName
	}
	description = trimText(cleanText(description), metaDescriptionBytes)
	var digest []byte
	var payload []byte
	if len(meta) > 0 {
		digest = softHashMeta(name, "", meta)
		payload = meta
	} else {
		digest = softHashMeta(name, description, nil)
		payload = []byte(strings.TrimSpace(name + " " + description))
	}
	c, err := unit(MainMeta, 0, nbits, digest)
	if err != nil {
		return Meta{}, err
	}
	return Meta{Code: c, Name: name, Description: description, Metahash: Multihash(payload)}, nil
}

// Multihash is the BLAKE3 multihash of p in hex: the multicodec 0x1e,
// the length 0x20 and the 32-byte digest, as ISCC metadata and data hashes
// are written.
func Multihash(p []byte) string {
	sum := blake3.Sum256(p)
	return "1e20" + hex.EncodeToString(sum[:])
}

// softHashMeta is the 256-bit SimHash of the name's character trigrams;
// with extra text or bytes, the first halves of the name's and the
// extra's SimHash interleaved in 32-bit chunks.
func softHashMeta(name, extraText string, extraBytes []byte) []byte {
	nameHash := simHash(textDigests(collapseText(name)))
	var extraHash []byte
	switch {
	case len(extraBytes) > 0:
		var ds [][]byte
		for _, w := range byteWindows(extraBytes, metaNgramBytes) {
			sum := blake3.Sum256(w)
			ds = append(ds, sum[:])
		}
		extraHash = simHash(ds)
	case extraText != "":
		extraHash = simHash(textDigests(collapseText(extraText)))
	default:
		return nameHash
	}
	out := make([]byte, 0, 32)
	for i := 0; i < 16; i += 4 {
		out = append(out, nameHash[i:i+4]...)
		out = append(out, extraHash[i:i+4]...)
	}
	return out
}

func textDigests(s string) [][]byte {
	var ds [][]byte
	for _, w := range runeWindows(s, metaNgramText) {
		sum := blake3.Sum256([]byte(w))
		ds = append(ds, sum[:])
	}
	return ds
}
