package cli

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The codes are iscc-core's conformance answers for the same inputs.
func TestFingerprint(t *testing.T) {
	empty := writeFile(t, "empty.txt", nil)
	r := stemma(t, "fingerprint", empty, "-o", "json")
	r.want(t, 0)
	m := r.json(t)
	for k, want := range map[string]any{
		"data": "ISCC:GAASL4F2WZY7KBXB", "instance": "ISCC:IAA26E2JXH27TING", "content": "ISCC:EAASL4F2WZY7KBXB",
		"contentType": "CONTENT-TEXT", "size": 0.0,
		"datahash": "1e20af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}

	hello := writeFile(t, "hello.txt", []byte("Hello World"))
	stemma(t, "fingerprint", hello, "--name", "Die Unendliche Geschichte", "--description", "Von Michael Ende").
		want(t, 0, "ISCC:EAASKDNZNYGUUF5A", "text, 10 characters", "ISCC:AAAZXZ6OU4E45RB5", "Die Unendliche Geschichte", "ISCC:KAC")
	r = stemma(t, "fingerprint", hello, "--name", "Die Unendliche Geschichte", "--description", "Von Michael Ende", "--bits", "256", "-o", "json")
	r.want(t, 0)
	if m := r.json(t); m["meta"] != "ISCC:AADZXZ6OU4E45RB57GAGKDGHZXV752RFK424V76TRVZ2TKS2K6X5VVA" ||
		m["content"] != "ISCC:EADSKDNZNYGUUF5AMFEJLZ5P66CP5YKCOA3X7F36RWE4CIRCBTUWXYY" ||
		m["metahash"] != "1e209b9077adf626061ab56c2221d44988aa85c5e126066324000b99ac9c8baf4151" {
		t.Errorf("256 bits: %v", m)
	}

	// A white PNG has the code of iscc-core's white picture (its 128-bit
	// answer is EEBYAAAAAAAAAAAAAAAAAAAAAAAAA: the DC bit only).
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	pngPath := filepath.Join(t.TempDir(), "white.png")
	f, err := os.Create(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	stemma(t, "fingerprint", pngPath).want(t, 0, "ISCC:EEAYAAAAAAAAAAAA", "image", "ISCC:KEA")

	// Bytes that are neither text nor an image get no Content-Code.
	bin := make([]byte, 4096)
	for i := range bin {
		bin[i] = byte(i)
	}
	r = stemma(t, "fingerprint", writeFile(t, "blob.bin", bin), "-o", "json")
	r.want(t, 0)
	if m := r.json(t); m["content"] != nil || m["contentNote"] == nil || m["iscc"] == nil {
		t.Errorf("binary file: %v", m)
	}
	stemma(t, "fingerprint", writeFile(t, "blob.bin", bin)).want(t, 0, "neither UTF-8 text nor a PNG, JPEG or GIF image", "ISCC:KUA")

	// A PNG that does not decode is still fingerprinted, without content.
	whole, err := os.ReadFile(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	broken := writeFile(t, "broken.png", whole[:len(whole)-20])
	stemma(t, "fingerprint", broken).want(t, 0, "does not decode", "ISCC:KUA")
}

// "-" reads standard input.
func TestFingerprintStdin(t *testing.T) {
	withStdin(t, writeFile(t, "hello.txt", []byte("Hello World")))
	stemma(t, "fingerprint", "-").want(t, 0, "ISCC:EAASKDNZNYGUUF5A")
}

func TestFingerprintUsage(t *testing.T) {
	hello := writeFile(t, "hello.txt", []byte("Hello World"))
	stemma(t, "fingerprint").want(t, 2, "want 1 arguments")
	stemma(t, "fingerprint", filepath.Join(t.TempDir(), "missing")).want(t, 2, "no such file")
	stemma(t, "fingerprint", hello, "--bits", "48").want(t, 2, "48 bits")
	stemma(t, "fingerprint", hello, "--bits", "288").want(t, 2, "288 bits")
	stemma(t, "fingerprint", hello, "--description", "only").want(t, 2, "--description needs --name")
	stemma(t, "fingerprint", hello, "--name", " \t ").want(t, 2, "empty once normalised")
	stemma(t, "fingerprint", hello, "-o", "xml").want(t, 2, "want table or json")
	stemma(t, "fingerprint", "--help").want(t, 0, "stemma fingerprint photo.jpg", "--name", "Content-Code Image")
}

// A grey picture and its colour twin share their Content-Code Image: the
// code is computed on luma.
func TestFingerprintImageColour(t *testing.T) {
	grey := image.NewGray(image.Rect(0, 0, 64, 64))
	rgb := image.NewRGBA(grey.Bounds())
	for y := range 64 {
		for x := range 64 {
			v := uint8(x*3 + y)
			grey.SetGray(x, y, color.Gray{v})
			rgb.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	var codes []any
	for _, img := range []image.Image{grey, rgb} {
		p := filepath.Join(t.TempDir(), "p.png")
		f, _ := os.Create(p)
		png.Encode(f, img)
		f.Close()
		r := stemma(t, "fingerprint", p, "-o", "json")
		r.want(t, 0)
		codes = append(codes, r.json(t)["content"])
	}
	if codes[0] != codes[1] || codes[0] == nil {
		t.Errorf("grey %v, colour %v", codes[0], codes[1])
	}
}
