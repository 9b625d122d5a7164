package iscc

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif" // decoders for Pixels
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"unicode/utf8"
)

// MaxContentBytes bounds the files a Content-Code is computed for: text
// and images are read whole, the Data- and Instance-Code stream.
const MaxContentBytes = 64 << 20

// Fingerprint is every code Stemma computes for one file.
type Fingerprint struct {
	Size     int64
	Data     Code
	Instance Code
	Datahash string // BLAKE3 multihash of the file, hex
	// Content is the Content-Code Text of a UTF-8 text file or Image of a
	// PNG, JPEG or GIF file; nil for other files, with ContentNote saying
	// why. Characters counts the text's collapsed characters.
	Content     *Code
	Characters  int
	ContentNote string
	Meta        *Meta // when a name was given
	ISCC        Code  // the ISCC-CODE of the units above
}

// Options are what Compute takes besides the file: the Meta-Code's name
// and description (no Meta-Code without them; a description needs a name)
// and the length of the units in bits (a multiple of 32 up to 256; 0 is
// 64).
type Options struct {
	Name, Description string
	Bits              int
}

// Compute computes the codes of the file r reads. It reads r once,
// streaming it into the Data- and Instance-Code and keeping up to
// MaxContentBytes for the Content-Code.
func Compute(r io.Reader, o Options) (Fingerprint, error) {
	nbits := o.Bits
	if nbits == 0 {
		nbits = 64
	}
	if err := checkBits(nbits, 256); err != nil {
		return Fingerprint{}, err
	}
	data, inst := NewDataHasher(), NewInstanceHasher()
	head := &capped{max: MaxContentBytes}
	if _, err := io.Copy(io.MultiWriter(data, inst, head), r); err != nil {
		return Fingerprint{}, err
	}
	var f Fingerprint
	var err error
	f.Size, f.Datahash = inst.Size(), inst.Datahash()
	if f.Data, err = data.Code(nbits); err != nil {
		return Fingerprint{}, err
	}
	if f.Instance, err = inst.Code(nbits); err != nil {
		return Fingerprint{}, err
	}
	units := []Code{f.Data, f.Instance}
	if head.over {
		f.ContentNote = fmt.Sprintf("larger than %d bytes: no Content-Code", MaxContentBytes)
	} else if c, chars, note := contentCode(head.buf.Bytes(), nbits); c != nil {
		f.Content, f.Characters = c, chars
		units = append(units, *c)
	} else {
		f.ContentNote = note
	}
	if o.Name != "" || o.Description != "" {
		m, err := MetaCode(o.Name, o.Description, nil, nbits)
		if err != nil {
			return Fingerprint{}, err
		}
		f.Meta = &m
		units = append(units, m.Code)
	}
	if f.ISCC, err = Compose(units...); err != nil {
		return Fingerprint{}, err
	}
	return f, nil
}

// contentCode is the Content-Code of a file's bytes when they are a PNG,
// JPEG or GIF image or UTF-8 text; otherwise nil and a note why not.
func contentCode(b []byte, nbits int) (*Code, int, string) {
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(b)); err == nil {
		if int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
			return nil, 0, fmt.Sprintf("a %s image of %dx%d pixels, more than %d: no Content-Code", format, cfg.Width, cfg.Height, MaxImagePixels)
		}
		img, _, err := image.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, 0, fmt.Sprintf("a %s image that does not decode (%v): no Content-Code", format, err)
		}
		px, err := Pixels(img)
		if err != nil {
			return nil, 0, err.Error()
		}
		c, err := ImageCode(px, min(nbits, 256))
		if err != nil {
			return nil, 0, err.Error()
		}
		return &c, 0, ""
	}
	if isText(b) {
		c, chars, err := TextCode(string(b), nbits)
		if err != nil {
			return nil, 0, err.Error()
		}
		return &c, chars, ""
	}
	return nil, 0, "neither UTF-8 text nor a PNG, JPEG or GIF image: no Content-Code"
}

// isText takes UTF-8 without NUL bytes that content sniffing calls text.
func isText(b []byte) bool {
	return utf8.Valid(b) && !bytes.ContainsRune(b, 0) && bytes.HasPrefix([]byte(http.DetectContentType(b)), []byte("text/"))
}

// capped keeps the first max bytes written to it and notes if there were
// more.
type capped struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); len(p) > room {
		c.over = true
		c.buf.Write(p[:max(room, 0)])
	} else {
		c.buf.Write(p)
	}
	return len(p), nil
}
