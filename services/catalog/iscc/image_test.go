package iscc

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// scene draws a test picture of w by h: soft gradients with a few discs,
// something like a photograph's low frequencies.
func scene(w, h int, variant float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			v := 90 + 60*math.Sin(6*fx+variant) + 50*math.Cos(4*fy*(1+variant))
			for _, d := range [][3]float64{{0.3, 0.3, 0.12}, {0.7, 0.6, 0.18}, {0.45, 0.8, 0.08}} {
				if math.Hypot(fx-d[0], fy-d[1]) < d[2] {
					v = 230 - 40*variant
				}
			}
			g := uint8(max(0, min(200, v)))
			img.Set(x, y, color.RGBA{g, uint8(float64(g) * 0.8), 255 - g, 255})
		}
	}
	return img
}

// halve shrinks an image by averaging 2x2 blocks: an independent resize.
func halve(src *image.RGBA) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
	for y := range b.Dy() / 2 {
		for x := range b.Dx() / 2 {
			var s [3]int
			for _, p := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				c := src.RGBAAt(2*x+p[0], 2*y+p[1])
				s[0], s[1], s[2] = s[0]+int(c.R), s[1]+int(c.G), s[2]+int(c.B)
			}
			dst.Set(x, y, color.RGBA{uint8(s[0] / 4), uint8(s[1] / 4), uint8(s[2] / 4), 255})
		}
	}
	return dst
}

// mirror flips an image left to right.
func mirror(src *image.RGBA) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(b)
	for y := range b.Dy() {
		for x := range b.Dx() {
			dst.Set(b.Dx()-1-x, y, src.At(x, y))
		}
	}
	return dst
}

func imageCode(t *testing.T, img image.Image) Code {
	t.Helper()
	px, err := Pixels(img)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ImageCode(px, 64)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A resized or re-encoded copy of a picture has a code a few bits from the
// original's; a different picture's is far.
func TestImageNearDuplicates(t *testing.T) {
	orig := scene(400, 300, 0)
	code := imageCode(t, orig)
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, orig, &jpeg.Options{Quality: 60}); err != nil {
		t.Fatal(err)
	}
	reencoded, err := jpeg.Decode(&jpg)
	if err != nil {
		t.Fatal(err)
	}
	for name, copy := range map[string]image.Image{"halved": halve(orig), "quartered": halve(halve(orig)), "jpeg": reencoded} {
		d, _ := Distance(code, imageCode(t, copy))
		t.Logf("%s copy: distance %d", name, d)
		if d > 8 {
			t.Errorf("%s copy: distance %d, want at most 8", name, d)
		}
	}
	for name, other := range map[string]image.Image{"mirrored": mirror(orig), "another": mirror(scene(300, 400, 2))} {
		d, _ := Distance(code, imageCode(t, other))
		t.Logf("%s picture: distance %d", name, d)
		if d < 16 {
			t.Errorf("%s picture: distance %d, want at least 16", name, d)
		}
	}
}

func TestPixels(t *testing.T) {
	white := slices.Repeat([]uint8{255}, 1024)
	solid := image.NewRGBA(image.Rect(0, 0, 50, 70))
	for i := range solid.Pix {
		solid.Pix[i] = 255
	}
	transparent := image.NewNRGBA(image.Rect(0, 0, 10, 10)) // all alpha 0: white once filled
	for name, img := range map[string]image.Image{"white": solid, "transparent": transparent} {
		px, err := Pixels(img)
		if err != nil || !slices.Equal(px, white) {
			t.Errorf("%s: %v, %v", name, px[:8], err)
		}
	}

	// A grey gradient keeps its grey values and its direction.
	grad := image.NewGray(image.Rect(0, 0, 256, 64))
	for y := range 64 {
		for x := range 256 {
			grad.SetGray(x, y, color.Gray{uint8(x)})
		}
	}
	px, _ := Pixels(grad)
	if px[0] > 8 || px[31] < 247 || px[32*20+16] < 120 || px[32*20+16] > 136 {
		t.Errorf("gradient row: %v", px[:32])
	}

	if _, err := Pixels(image.NewGray(image.Rect(0, 0, 0, 5))); err == nil {
		t.Error("an empty image was accepted")
	}
	if _, err := ImageCode(make([]uint8, 1000), 64); err == nil {
		t.Error("1000 pixels were accepted")
	}
}

// Pixels gives each image of testdata/pillow the grey values iscc-sdk's
// preparation gives it with Pillow 9.4 (testdata/pillow/make.py): colour,
// grey, palette and transparent images, shrunk, enlarged and kept.
func TestPillowPixels(t *testing.T) {
	b, err := os.ReadFile("testdata/pillow/pixels.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string][]uint8
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) < 8 {
		t.Fatalf("%d images", len(want))
	}
	for name, px := range want {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata/pillow", name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, _, err := image.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Pixels(img)
			if err != nil {
				t.Fatal(err)
			}
			for i := range px {
				if got[i] != px[i] {
					t.Fatalf("pixel %d (row %d, column %d) is %d; Pillow's is %d", i, i/32, i%32, got[i], px[i])
				}
			}
		})
	}
}
