package imgtest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// ToNRGBA returns the straight-alpha 8-bit pixels that pixelmatch would see
// for img after WritePNG (image/png) and pngjs: a new *image.NRGBA with the
// same bounds, never sharing memory with img.
//
//   - *image.NRGBA: copied as is.
//   - *image.RGBA (alpha-premultiplied, what the renderer produces): each
//     pixel un-premultiplied exactly as image/png's encoder does (alpha 0
//     becomes 0,0,0,0; c*0xffff*0x101/(a*0x101) >> 8 otherwise).
//   - *image.NRGBA64, and any other image whose colour model the encoder
//     writes with 16-bit samples (RGBA64, YCbCr, Gray16, ...): the 16-bit
//     straight-alpha samples rounded to 8 bits the way pngjs rescales them,
//     floor(v*255/65535 + 0.5). (*image.NRGBA64's own samples are used; the
//     others go through color.NRGBA64Model like the encoder.)
//   - Gray, Paletted, Alpha and other 8-bit colour models: converted with
//     the colour model the encoder uses for them.
func ToNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	dst := image.NewNRGBA(b)
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return dst
	}
	switch src := img.(type) {
	case *image.NRGBA:
		for y := range h {
			i := src.PixOffset(b.Min.X, b.Min.Y+y)
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], src.Pix[i:i+4*w])
		}
	case *image.RGBA:
		for y := range h {
			i := src.PixOffset(b.Min.X, b.Min.Y+y)
			unpremultiplyRow(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], src.Pix[i:i+4*w])
		}
	case *image.NRGBA64:
		for y := range h {
			i := src.PixOffset(b.Min.X, b.Min.Y+y)
			s := src.Pix[i : i+8*w]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for j := range d {
				d[j] = rescale16(uint32(s[2*j])<<8 | uint32(s[2*j+1]))
			}
		}
	default:
		model := img.ColorModel()
		_, paletted := model.(color.Palette)
		eightBit := paletted || model == color.GrayModel || model == color.RGBAModel ||
			model == color.NRGBAModel || model == color.AlphaModel
		for y := range h {
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := range w {
				c := img.At(b.Min.X+x, b.Min.Y+y)
				p := d[4*x : 4*x+4 : 4*x+4]
				switch {
				case model == color.GrayModel:
					g := color.GrayModel.Convert(c).(color.Gray)
					p[0], p[1], p[2], p[3] = g.Y, g.Y, g.Y, 255
				case model == color.Gray16Model:
					g := rescale16(uint32(color.Gray16Model.Convert(c).(color.Gray16).Y))
					p[0], p[1], p[2], p[3] = g, g, g, 255
				case eightBit:
					n := color.NRGBAModel.Convert(c).(color.NRGBA)
					p[0], p[1], p[2], p[3] = n.R, n.G, n.B, n.A
				default:
					n := color.NRGBA64Model.Convert(c).(color.NRGBA64)
					p[0], p[1], p[2], p[3] = rescale16(uint32(n.R)), rescale16(uint32(n.G)), rescale16(uint32(n.B)), rescale16(uint32(n.A))
				}
			}
		}
	}
	return dst
}

// rescale16 is pngjs's 16-bit to 8-bit rescaling, floor(v*255/65535 + 0.5),
// in exact integer arithmetic (v/257 + 1/2 is never an integer, so the
// floating-point form cannot round across one).
func rescale16(v uint32) uint8 {
	return uint8((2*v + 257) / 514)
}

// unpremultiplyRow converts alpha-premultiplied RGBA bytes to straight alpha
// exactly like image/png's encoder does for *image.RGBA (the same result as
// color.NRGBAModel.Convert).
func unpremultiplyRow(dst, src []byte) {
	for ; len(src) >= 4; dst, src = dst[4:], src[4:] {
		d := (*[4]byte)(dst)
		s := (*[4]byte)(src)
		switch s[3] {
		case 0:
			*d = [4]byte{}
		case 0xff:
			*d = *s
		default:
			const m = 0x101 * 0xffff
			a := uint32(s[3]) * 0x101
			d[0] = uint8((uint32(s[0]) * m / a) >> 8)
			d[1] = uint8((uint32(s[1]) * m / a) >> 8)
			d[2] = uint8((uint32(s[2]) * m / a) >> 8)
			d[3] = s[3]
		}
	}
}

// straightPix returns img's straight-alpha RGBA bytes with stride 4*width, as
// ToNRGBA computes them. It returns img's own Pix (no copy) for an
// *image.NRGBA with a tight stride and for an opaque *image.RGBA with a tight
// stride; the caller must not modify the result.
func straightPix(img image.Image) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch src := img.(type) {
	case *image.NRGBA:
		if src.Stride == 4*w {
			i := src.PixOffset(b.Min.X, b.Min.Y)
			return src.Pix[i : i+4*w*h]
		}
	case *image.RGBA:
		if src.Stride == 4*w {
			i := src.PixOffset(b.Min.X, b.Min.Y)
			pix := src.Pix[i : i+4*w*h]
			if opaqueRGBA(pix) {
				return pix
			}
			out := make([]byte, len(pix))
			unpremultiplyRow(out, pix)
			return out
		}
	}
	return ToNRGBA(img).Pix
}

func opaqueRGBA(pix []byte) bool {
	i := 0
	for ; i+8 <= len(pix); i += 8 {
		if binary.LittleEndian.Uint64(pix[i:])&0xff000000_ff000000 != 0xff000000_ff000000 {
			return false
		}
	}
	for i += 3; i < len(pix); i += 4 {
		if pix[i] != 0xff {
			return false
		}
	}
	return true
}

// ReadPNG decodes the PNG file at path to the straight-alpha 8-bit pixels
// pngjs 7 (what compare.mjs uses) produces for it: 16-bit samples rounded
// like pngjs, grey expanded to RGB, palettes applied, and, for files without
// an alpha channel, pixels made transparent by a tRNS colour set to 0,0,0,0
// (image/png keeps their colour). The bounds start at (0, 0).
func ReadPNG(path string) (*image.NRGBA, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("imgtest: %s: %w", path, err)
	}
	n := ToNRGBA(img)
	// IHDR is the first chunk (png.Decode checked): colour type at byte 25.
	if ct := data[25]; ct == 0 || ct == 2 {
		for i := 0; i < len(n.Pix); i += 4 {
			if n.Pix[i+3] == 0 {
				n.Pix[i], n.Pix[i+1], n.Pix[i+2] = 0, 0, 0
			}
		}
	}
	return n, nil
}

// WritePNG encodes img as PNG with image/png (the encoding Compare's
// conversion models) to path, creating its directory if needed.
func WritePNG(path string, img image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	err = png.Encode(bw, img)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("imgtest: writing %s: %w", path, err)
	}
	return nil
}

// SolidPNGDataURL is a data: URL of a w×h PNG of one colour, for tests
// that swap images in.
func SolidPNGDataURL(w, h int, c color.NRGBA) string {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // a bytes.Buffer does not fail
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

// RandomPremultiplied is premultiplied noise with runs of equal pixels
// (so encoders meet flat areas too), opaque or with random alpha.
func RandomPremultiplied(rnd *rand.Rand, w, h int, opaque bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		a := uint8(255)
		if !opaque {
			a = uint8(rnd.IntN(256))
		}
		if i%64 < 32 || i < 4 {
			for c := range 3 {
				img.Pix[i+c] = uint8(rnd.IntN(int(a) + 1))
			}
		} else {
			for c := range 3 {
				img.Pix[i+c] = min(img.Pix[i-4+c], a)
			}
		}
		img.Pix[i+3] = a
	}
	return img
}
