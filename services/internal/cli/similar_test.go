package cli

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/app/apptest"
)

// landscape draws a w by h picture: a sky gradient, a sun and hills, so
// that its low frequencies are a photograph's rather than noise.
func landscape(w, h int, seed float64) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r, g, b := 40+150*fy, 90+100*fy, 230-60*fy
			if math.Hypot(fx-0.25-seed, fy-0.3) < 0.1 {
				r, g, b = 250, 220, 90
			}
			if fy > 0.6+0.12*math.Sin(7*fx+seed*20) {
				r, g, b = 40, 120-60*fy, 50
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(r), uint8(g), uint8(b), 255})
		}
	}
	return img
}

// resize scales an image bilinearly to w by h, as an image editor's
// "resize" would, so that no pixel of the copy is one of the original's.
func resize(src image.Image, w, h int) image.Image {
	sb := src.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	at := func(x, y int) [3]float64 {
		r, g, b, _ := src.At(min(x, sb.Dx()-1), min(y, sb.Dy()-1)).RGBA()
		return [3]float64{float64(r >> 8), float64(g >> 8), float64(b >> 8)}
	}
	for y := range h {
		for x := range w {
			sx, sy := (float64(x)+0.5)*float64(sb.Dx())/float64(w)-0.5, (float64(y)+0.5)*float64(sb.Dy())/float64(h)-0.5
			x0, y0 := int(max(0, sx)), int(max(0, sy))
			ax, ay := max(0, sx)-float64(x0), max(0, sy)-float64(y0)
			var c [3]uint8
			for i := range c {
				top := at(x0, y0)[i]*(1-ax) + at(x0+1, y0)[i]*ax
				bottom := at(x0, y0+1)[i]*(1-ax) + at(x0+1, y0+1)[i]*ax
				c[i] = uint8(math.Round(top*(1-ay) + bottom*ay))
			}
			dst.SetNRGBA(x, y, color.NRGBA{c[0], c[1], c[2], 255})
		}
	}
	return dst
}

func pngFile(t *testing.T, name string, img image.Image) string {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, name, b.Bytes())
}

// A photograph registered under CC-BY-4.0 and a resized copy of it that
// someone registered under MIT: stemma similar, given the original file,
// finds both over REST and gRPC, marks the copy's licence, and does not
// offer a different picture.
func TestSimilarFindsAResizedCopy(t *testing.T) {
	original := landscape(800, 600, 0)
	photo := pngFile(t, "harbour.png", original)
	copied := pngFile(t, "harbour-small.png", resize(original, 333, 250))
	other := pngFile(t, "other.png", landscape(800, 600, 0.4))
	t.Setenv("STEMMA_API_KEY", apptest.AliceKey)
	for name, server := range servers(t) {
		t.Run(name, func(t *testing.T) {
			s := "--server=" + server
			stemma(t, "works", "create", "--id", "harbour-"+name, "--kind", "image", "--title", "Harbour at dawn",
				"--licence", "CC-BY-4.0", "--fingerprint", photo, s).want(t, 0, "ISCC:KE")
			t.Setenv("STEMMA_API_KEY", apptest.BobKey)
			stemma(t, "works", "create", "--id", "stock-"+name, "--kind", "image", "--title", "Stock harbour",
				"--licence", "MIT", "--fingerprint", copied, s).want(t, 0)
			stemma(t, "works", "create", "--id", "meadow-"+name, "--kind", "image", "--title", "Meadow",
				"--licence", "MIT", "--fingerprint", other, s).want(t, 0)
			t.Setenv("STEMMA_API_KEY", apptest.AliceKey)

			r := stemma(t, "similar", photo, "--licence", "CC-BY-4.0", s, "-o", "json")
			r.want(t, 0)
			got := map[string]map[string]any{}
			for _, m := range r.json(t)["matches"].([]any) {
				m := m.(map[string]any)
				got[m["work"].(map[string]any)["name"].(string)] = m
			}
			orig, cp := got["works/harbour-"+name], got["works/stock-"+name]
			if orig == nil || cp == nil {
				t.Fatalf("matches %v; want the original and its copy", got)
			}
			if _, found := got["works/meadow-"+name]; found {
				t.Errorf("a different picture matched: %v", got["works/meadow-"+name])
			}
			if orig["unit"] != "CONTENT-IMAGE" || orig["licenceDiffers"] == true {
				t.Errorf("the original: %v", orig)
			}
			if cp["unit"] != "CONTENT-IMAGE" || cp["licenceDiffers"] != true || cp["work"].(map[string]any)["licence"] != "MIT" {
				t.Errorf("the copy: %v; want its image code near, its licence MIT marked as differing", cp)
			}
			t.Logf("resized copy at distance %v", cp["distance"])
			stemma(t, "similar", copied, s).want(t, 0, "works/harbour-"+name, "works/stock-"+name, "licence differs")
			stemma(t, "similar", "--iscc", "ISCC:EEAYHJGUD3LC2LAA", "--max-distance", "0", s).want(t, 1, "no similar works")
			stemma(t, "similar", photo, "--max-distance", "64", s).want(t, 2, "max_distance")
		})
	}
}
