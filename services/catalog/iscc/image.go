package iscc

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"
)

// ImageSide is the side of the square grey image the Content-Code Image
// is computed from: 32 by 32 pixels.
const ImageSide = 32

// ImageCode is the Content-Code Image of 1024 grey values (32 rows of 32,
// row by row; Pixels makes them from an image) with a body of nbits (a
// multiple of 32 up to 256).
func ImageCode(pixels []uint8, nbits int) (Code, error) {
	if len(pixels) != ImageSide*ImageSide {
		return Code{}, fmt.Errorf("iscc: %d pixels; want %d", len(pixels), ImageSide*ImageSide)
	}
	return unit(MainContent, SubImage, nbits, softHashImage(pixels))
}

// softHashImage is the 256-bit perceptual hash: the 2-D DCT of the
// pixels, of which four overlapping 8x8 blocks of low frequencies (at
// column, row 0,0; 1,0; 0,1; 1,1) give 64 bits each, set where a
// coefficient exceeds its block's median.
func softHashImage(pixels []uint8) []byte {
	var m [ImageSide][ImageSide]float64
	for y := range ImageSide {
		row := make([]float64, ImageSide)
		for x := range row {
			row[x] = float64(pixels[y*ImageSide+x])
		}
		copy(m[y][:], dct(row))
	}
	for x := range ImageSide {
		col := make([]float64, ImageSide)
		for y := range col {
			col[y] = m[y][x]
		}
		for y, v := range dct(col) {
			m[y][x] = v
		}
	}
	out := make([]byte, 0, 32)
	for _, at := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
		block := make([]float64, 0, 64)
		for y := at[1]; y < at[1]+8; y++ {
			block = append(block, m[y][at[0]:at[0]+8]...)
		}
		sorted := append([]float64(nil), block...)
		sort.Float64s(sorted)
		median := (sorted[31] + sorted[32]) / 2
		var word uint64
		for _, v := range block {
			word <<= 1
			if v > median {
				word |= 1
			}
		}
		for s := 56; s >= 0; s -= 8 {
			out = append(out, byte(word>>s))
		}
	}
	return out
}

// dct is the unscaled DCT-II of v (its length a power of two) by Lee's
// recursive algorithm, in the reference's order of operations so that the
// floating-point results, and the bits taken from them, are the same.
// The explicit float64 conversions keep the compiler from fusing a
// multiplication and an addition into one differently rounded step.
func dct(v []float64) []float64 {
	n := len(v)
	if n == 1 {
		return []float64{v[0]}
	}
	half := n / 2
	alpha := make([]float64, half)
	beta := make([]float64, half)
	for i := range half {
		alpha[i] = v[i] + v[n-1-i]
		c := float64(math.Cos(float64(float64(i)+0.5)*math.Pi/float64(n)) * 2.0)
		beta[i] = (v[i] - v[n-1-i]) / c
	}
	alpha, beta = dct(alpha), dct(beta)
	out := make([]float64, 0, n)
	for i := range half - 1 {
		out = append(out, alpha[i], beta[i]+beta[i+1])
	}
	return append(out, alpha[half-1], beta[half-1])
}

// MaxImagePixels bounds the images Pixels takes (width times height), so
// that a small file cannot ask for gigabytes when decoded.
const MaxImagePixels = 64 << 20

// ErrImageTooLarge is returned for an image of more than MaxImagePixels.
var ErrImageTooLarge = errors.New("iscc: image too large")

// Pixels reduces an image to the 1024 grey values ImageCode takes, as the
// reference SDK prepares images with Pillow: transparency filled with
// white, converted to grey (ITU-R 601-2 luma) and resized to 32x32 with
// Pillow's bicubic filter (a = -0.5, widened by the scale when shrinking,
// 8-bit fixed point); testdata/pillow holds images and the values Pillow
// gives them. The SDK's border trim is a no-op with Pillow (it looks at an
// alpha channel that is zero), so there is none here either; EXIF
// orientation is not applied (docs/iscc.md).
func Pixels(img image.Image) ([]uint8, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, errors.New("iscc: empty image")
	}
	if int64(w)*int64(h) > MaxImagePixels {
		return nil, fmt.Errorf("%w: %dx%d pixels, at most %d", ErrImageTooLarge, w, h, MaxImagePixels)
	}
	grey := make([]uint8, w*h)
	for y := range h {
		for x := range w {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			r, g, bl := overWhite(c.R, c.A), overWhite(c.G, c.A), overWhite(c.B, c.A)
			grey[y*w+x] = uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(bl)*7471 + 0x8000) >> 16)
		}
	}
	return resizeBicubic(grey, w, h, ImageSide, ImageSide), nil
}

// overWhite composites one channel of a non-premultiplied pixel with
// alpha a over an opaque white background.
func overWhite(c, a uint8) uint8 {
	return uint8((uint32(c)*uint32(a) + 255*(255-uint32(a)) + 127) / 255)
}

// resizeBicubic resamples a grey image of w by h to ow by oh: first the
// rows, then the columns, each a convolution with the bicubic kernel.
func resizeBicubic(src []uint8, w, h, ow, oh int) []uint8 {
	if w != ow {
		src = resample(src, w, h, ow, true)
		w = ow
	}
	if h != oh {
		src = resample(src, w, h, oh, false)
	}
	return src
}

// precisionBits is the fixed-point precision of the filter weights.
const precisionBits = 32 - 8 - 2

// resample resizes along one axis (horizontal: the rows) to out samples.
func resample(src []uint8, w, h, out int, horizontal bool) []uint8 {
	in := h
	if horizontal {
		in = w
	}
	scale := float64(in) / float64(out)
	filterScale := max(scale, 1)
	support := 2.0 * filterScale
	type window struct {
		start   int
		weights []int64
	}
	windows := make([]window, out)
	for i := range windows {
		center := (float64(i) + 0.5) * scale
		lo := max(int(center-support+0.5), 0)
		hi := min(int(center+support+0.5), in)
		ws := make([]float64, hi-lo)
		total := 0.0
		for k := range ws {
			ws[k] = bicubic((float64(k+lo) - center + 0.5) / filterScale)
			total += ws[k]
		}
		fixed := make([]int64, len(ws))
		for k, wt := range ws {
			if total != 0 {
				wt /= total
			}
			if wt < 0 {
				fixed[k] = int64(-0.5 + wt*(1<<precisionBits))
			} else {
				fixed[k] = int64(0.5 + wt*(1<<precisionBits))
			}
		}
		windows[i] = window{lo, fixed}
	}
	var dst []uint8
	if horizontal {
		dst = make([]uint8, out*h)
	} else {
		dst = make([]uint8, w*out)
	}
	lines := w
	if horizontal {
		lines = h
	}
	for line := range lines {
		for i, win := range windows {
			sum := int64(1) << (precisionBits - 1)
			for k, wt := range win.weights {
				var p uint8
				if horizontal {
					p = src[line*w+win.start+k]
				} else {
					p = src[(win.start+k)*w+line]
				}
				sum += int64(p) * wt
			}
			v := uint8(min(max(sum>>precisionBits, 0), 255))
			if horizontal {
				dst[line*out+i] = v
			} else {
				dst[i*w+line] = v
			}
		}
	}
	return dst
}

// bicubic is the cubic convolution kernel with a = -0.5.
func bicubic(x float64) float64 {
	const a = -0.5
	x = math.Abs(x)
	switch {
	case x < 1:
		return ((a+2)*x-(a+3))*x*x + 1
	case x < 2:
		return (((x-5)*x+8)*x - 4) * a
	}
	return 0
}
