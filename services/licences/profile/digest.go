package profile

import (
	"crypto/sha256"
	"encoding/binary"
	"io/fs"
)

// DataDigest returns a SHA-256 of the embedded profile tables, for the
// licence rules' version (compat.Engine.RulesVersion): a catalogue built
// from other tables may answer differently.
func DataDigest() [sha256.Size]byte {
	h := sha256.New()
	// WalkDir visits in lexical order, so the digest is stable.
	_ = fs.WalkDir(dataFS, "data", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := dataFS.ReadFile(path)
		if err != nil {
			return err
		}
		var n [8]byte
		h.Write(binary.BigEndian.AppendUint64(n[:0], uint64(len(path))))
		h.Write([]byte(path))
		h.Write(binary.BigEndian.AppendUint64(n[:0], uint64(len(b))))
		h.Write(b)
		return nil
	})
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}
