package iscc

import (
	"encoding/hex"

	"lukechampine.com/blake3"
)

// The content-defined chunking of the Data-Code: chunks average 1 KiB,
// are cut where a rolling gear hash matches a mask (a stricter one before
// the centre size), and are never shorter than 256 bytes nor longer than
// 8 KiB unless the data ends.
const (
	cdcAvg    = 1024
	cdcMin    = cdcAvg / 4                       // 256
	cdcMax    = cdcAvg * 8                       // 8192
	cdcCenter = cdcAvg - (cdcMin + (cdcMin+1)/2) // 640
	cdcMaskS  = 1<<11 - 1                        // log2(avg)+1 bits
	cdcMaskL  = 1<<9 - 1                         // log2(avg)-1 bits
)

// DataHasher computes a Data-Code from data written to it in any pieces.
type DataHasher struct {
	buf      []byte
	features []uint32
}

// NewDataHasher starts a Data-Code.
func NewDataHasher() *DataHasher { return &DataHasher{} }

// Write adds data; it never fails.
func (d *DataHasher) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	// A cut point depends on at most cdcMax bytes ahead, so chunks are
	// cut once that many are buffered and come out as over the whole data.
	start := 0
	for len(d.buf)-start > cdcMax {
		n := cdcCut(d.buf[start:])
		d.features = append(d.features, xxh32(d.buf[start:start+n]))
		start += n
	}
	d.buf = append(d.buf[:0], d.buf[start:]...)
	return len(p), nil
}

// Code is the Data-Code of everything written so far, with a body of
// nbits (a multiple of 32 up to 256).
func (d *DataHasher) Code(nbits int) (Code, error) {
	features := append([]uint32(nil), d.features...)
	for rest := d.buf; len(rest) > 0; {
		n := cdcCut(rest)
		features = append(features, xxh32(rest[:n]))
		rest = rest[n:]
	}
	if len(features) == 0 {
		features = append(features, xxh32(nil))
	}
	return unit(MainData, 0, nbits, minHash256(features))
}

// cdcCut is the length of the chunk at the start of p.
func cdcCut(p []byte) int {
	var pattern uint32
	i := min(cdcMin, len(p))
	for barrier := min(cdcCenter, len(p)); i < barrier; i++ {
		pattern = pattern>>1 + gear[p[i]]
		if pattern&cdcMaskS == 0 {
			return i + 1
		}
	}
	for barrier := min(cdcMax, len(p)); i < barrier; i++ {
		pattern = pattern>>1 + gear[p[i]]
		if pattern&cdcMaskL == 0 {
			return i + 1
		}
	}
	return i
}

// InstanceHasher computes an Instance-Code, the BLAKE3 checksum of data
// written to it in any pieces.
type InstanceHasher struct {
	h    *blake3.Hasher
	size int64
}

// NewInstanceHasher starts an Instance-Code.
func NewInstanceHasher() *InstanceHasher { return &InstanceHasher{h: blake3.New(32, nil)} }

// Write adds data; it never fails.
func (h *InstanceHasher) Write(p []byte) (int, error) {
	h.size += int64(len(p))
	return h.h.Write(p)
}

// Size is the number of bytes written.
func (h *InstanceHasher) Size() int64 { return h.size }

// Datahash is the BLAKE3 multihash of the data in hex ("1e20…").
func (h *InstanceHasher) Datahash() string { return "1e20" + hex.EncodeToString(h.h.Sum(nil)) }

// Code is the Instance-Code of everything written so far, with a body of
// nbits (a multiple of 32 up to 256).
func (h *InstanceHasher) Code(nbits int) (Code, error) {
	return unit(MainInstance, 0, nbits, h.h.Sum(nil))
}
