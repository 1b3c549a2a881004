package pngenc

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/adler32"
	"hash/crc32"
	"image"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// level is the deflate level: klauspost's fastest matcher compresses
// rendered art (flat colour, text, a photo or two) to within a few percent
// of zlib's default level at a fraction of the time.
const level = flate.BestSpeed

// Encode writes img as an 8-bit PNG: RGB when every pixel is opaque, RGBA
// (not premultiplied, converted as image/png does) otherwise.
func Encode(w io.Writer, img *image.RGBA) error {
	e := getEncoder()
	defer encoders.Put(e)
	rgb := opaqueIn(img, img.Rect)
	return e.write(w, img, rgb, func(z *zstream) error { return e.rows(z, img, rgb, img.Rect.Min.Y, img.Rect.Max.Y) })
}

// Static is the encoded form of a layer many images share most rows with:
// the compressed rows of the layer, in bands that are each a complete
// deflate segment with their own dictionary, so an image that differs
// from the layer only in some rows reuses every band it left alone.
type Static struct {
	img   *image.RGBA
	rgb   bool
	band  int // rows per band
	bands []segment
}

// segment is deflate data that starts with an empty dictionary and ends on
// a byte boundary (sync flush), with the Adler-32 and length of the bytes
// it holds. Segments in a row make a valid deflate stream.
type segment struct {
	data  []byte
	adler uint32
	n     int
}

// NewStatic compresses the rows of img, which must not change afterwards.
func NewStatic(img *image.RGBA) *Static {
	s := &Static{img: img, rgb: opaqueIn(img, img.Rect)}
	rowBytes := 1 + 4*img.Rect.Dx()
	if s.rgb {
		rowBytes = 1 + 3*img.Rect.Dx()
	}
	// Bands of at least 64 KiB: the dictionary restarts cost little, and
	// a changed row spoils only a few dozen unchanged ones around it.
	s.band = max(1, (64<<10)/rowBytes)
	e := getEncoder()
	defer encoders.Put(e)
	var buf bytes.Buffer
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y += s.band {
		buf.Reset()
		seg, _ := e.compress(&buf, img, s.rgb, y, min(y+s.band, img.Rect.Max.Y)) // a bytes.Buffer does not fail
		seg.data = bytes.Clone(buf.Bytes())
		s.bands = append(s.bands, seg)
	}
	return s
}

// Encode writes img as a PNG. img must equal the static layer outside the
// dirty rectangles; rows no rectangle touches are copied compressed.
func (s *Static) Encode(w io.Writer, img *image.RGBA, dirty []image.Rectangle) error {
	if img.Rect != s.img.Rect {
		return errors.New("pngenc: image and static layer differ in size")
	}
	rgb := s.rgb
	for _, d := range dirty {
		if rgb && !opaqueIn(img, d) {
			// The layer's bands are RGB but this image needs alpha.
			return Encode(w, img)
		}
	}
	// changed[b]: band b must be compressed again. A row's Up filter reads
	// the row above, so the row after a changed one changes too.
	r := img.Rect
	changed := make([]bool, len(s.bands))
	for _, d := range dirty {
		d = d.Intersect(r)
		if d.Empty() {
			continue
		}
		last := min(d.Max.Y, r.Max.Y-1) // the row below is filtered anew
		for b := (d.Min.Y - r.Min.Y) / s.band; b <= (last-r.Min.Y)/s.band; b++ {
			changed[b] = true
		}
	}
	e := getEncoder()
	defer encoders.Put(e)
	return e.write(w, img, rgb, func(z *zstream) error {
		for b := 0; b < len(s.bands); {
			if !changed[b] {
				z.append(s.bands[b])
				b++
				continue
			}
			end := b
			for end < len(s.bands) && changed[end] {
				end++
			}
			y0, y1 := r.Min.Y+b*s.band, min(r.Min.Y+end*s.band, r.Max.Y)
			if err := e.rows(z, img, rgb, y0, y1); err != nil {
				return err
			}
			b = end
		}
		return nil
	})
}

// encoder holds the buffers of one encoding; pooled.
type encoder struct {
	fw   *flate.Writer
	bw   *bufio.Writer
	out  []byte    // a filtered row
	raw  [2][]byte // straight-alpha rows (RGBA): this one and the one above
	zero []byte
}

var encoders sync.Pool

func getEncoder() *encoder {
	if e, ok := encoders.Get().(*encoder); ok {
		return e
	}
	fw, _ := flate.NewWriter(nil, level)
	return &encoder{fw: fw, bw: bufio.NewWriterSize(nil, 64<<10)}
}

// zstream writes a zlib stream made of deflate segments.
type zstream struct {
	w     io.Writer
	adler uint32
	err   error
}

// append writes a compressed segment.
func (z *zstream) append(s segment) {
	if z.err == nil {
		_, z.err = z.w.Write(s.data)
	}
	z.adler = adlerCombine(z.adler, s.adler, s.n)
}

// rows compresses rows y0 to y1 of img into z.
func (e *encoder) rows(z *zstream, img *image.RGBA, rgb bool, y0, y1 int) error {
	if z.err != nil {
		return z.err
	}
	seg, err := e.compress(z.w, img, rgb, y0, y1)
	if err != nil {
		z.err = err
		return err
	}
	z.adler = adlerCombine(z.adler, seg.adler, seg.n)
	return nil
}

// write writes the PNG signature, header, the IDAT chunks body fills, and
// the end.
func (e *encoder) write(w io.Writer, img *image.RGBA, rgb bool, body func(*zstream) error) error {
	cw := &chunkWriter{w: w}
	cw.write([]byte("\x89PNG\r\n\x1a\n"))
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(img.Rect.Dx()))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(img.Rect.Dy()))
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	if rgb {
		ihdr[9] = 2 // RGB
	}
	cw.chunk("IHDR", ihdr[:])
	e.bw.Reset(idatWriter{cw})
	z := &zstream{w: e.bw, adler: 1}
	e.bw.Write([]byte{0x78, 0x01}) // zlib header: deflate, 32 KiB window, fastest
	if err := body(z); err != nil {
		return err
	}
	// The final block: empty and stored.
	e.bw.Write([]byte{0x01, 0x00, 0x00, 0xff, 0xff})
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], z.adler)
	e.bw.Write(sum[:])
	if z.err != nil {
		return z.err
	}
	if err := e.bw.Flush(); err != nil {
		return err
	}
	cw.chunk("IEND", nil)
	return cw.err
}

// compress filters rows y0 to y1 of img and writes them to w as a deflate
// segment (fresh dictionary, ending with a sync flush); the segment it
// returns has the checksum and length, not the data.
func (e *encoder) compress(w io.Writer, img *image.RGBA, rgb bool, y0, y1 int) (segment, error) {
	width := img.Rect.Dx()
	bpp := 4
	if rgb {
		bpp = 3
	}
	n := 1 + bpp*width
	if cap(e.out) < n+2 { // two spare bytes: filterUpRGB stores 8 at a time
		e.out = make([]byte, n+2)
		e.raw = [2][]byte{make([]byte, 4*width), make([]byte, 4*width)}
	}
	if cap(e.zero) < 4*width {
		e.zero = make([]byte, 4*width)
	}
	e.fw.Reset(w)
	out := e.out[:n+2]
	above := e.zero[:4*width] // above the first row: zeros
	if y0 > img.Rect.Min.Y {
		o := img.PixOffset(img.Rect.Min.X, y0-1)
		above = img.Pix[o : o+4*width]
	}
	up, cur := e.raw[0][:4*width], e.raw[1][:4*width]
	if !rgb {
		unpremultiplyRow(up, above)
	}
	adler := uint32(1)
	for y := y0; y < y1; y++ {
		o := img.PixOffset(img.Rect.Min.X, y)
		row := img.Pix[o : o+4*width]
		if rgb {
			filterUpRGB(out[1:], row, above)
			above = row
		} else {
			unpremultiplyRow(cur, row)
			for i, v := range cur {
				out[1+i] = v - up[i]
			}
			up, cur = cur, up
		}
		out[0] = 2 // filter Up
		adler = adler32Update(adler, out[:n])
		if _, err := e.fw.Write(out[:n]); err != nil {
			return segment{}, err
		}
	}
	if err := e.fw.Flush(); err != nil {
		return segment{}, err
	}
	return segment{adler: adler, n: (y1 - y0) * n}, nil
}

// adler32Update continues an Adler-32 checksum with p.
func adler32Update(adler uint32, p []byte) uint32 {
	return adlerCombine(adler, adler32.Checksum(p), len(p))
}

// adlerMod is the Adler-32 modulus.
const adlerMod = 65521

// adlerCombine returns the Adler-32 of a sequence whose first part has
// checksum a1 and whose second part, n bytes long, has checksum a2 on its
// own: sums A = a1.A + a2.A - 1 and B = a1.B + a2.B + n(a1.A - 1).
func adlerCombine(a1, a2 uint32, n int) uint32 {
	s1, t1 := uint64(a1&0xffff), uint64(a1>>16)
	s2, t2 := uint64(a2&0xffff), uint64(a2>>16)
	k := uint64(n % adlerMod)
	s := (s1 + s2 + adlerMod - 1) % adlerMod
	t := (t1 + t2 + k*((s1+adlerMod-1)%adlerMod)) % adlerMod
	return uint32(t<<16 | s)
}

// opaqueIn reports whether every pixel of img inside r is opaque.
func opaqueIn(img *image.RGBA, r image.Rectangle) bool {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for i := 3; i < len(row); i += 4 {
			if row[i] != 255 {
				return false
			}
		}
	}
	return true
}

// filterUpRGB writes the RGB bytes of the RGBA pixels of row minus those
// of above into dst, which has 3 bytes per pixel and two spare at the end.
// Two pixels at a time: bytewise subtraction in a uint64 (no borrow
// crosses a byte), alpha bytes squeezed out.
func filterUpRGB(dst, row, above []byte) {
	n := len(row) / 4
	dst, row, above = dst[:3*n+2], row[:4*n], above[:4*n]
	const high = 0x8080808080808080
	i := 0
	for ; i+2 <= n; i += 2 {
		a := binary.LittleEndian.Uint64(row[4*i : 4*i+8])
		b := binary.LittleEndian.Uint64(above[4*i : 4*i+8])
		d := ((a | high) - (b &^ high)) ^ ((a ^ ^b) & high)
		binary.LittleEndian.PutUint64(dst[3*i:3*i+8], d&0xffffff|(d>>8)&0xffffff000000)
	}
	for ; i < n; i++ {
		for c := range 3 {
			dst[3*i+c] = row[4*i+c] - above[4*i+c]
		}
	}
}

// unpremultiplyRow converts premultiplied RGBA pixels to straight alpha
// exactly as color.NRGBAModel does.
func unpremultiplyRow(dst, src []byte) {
	for x := 0; x+4 <= len(src) && x+4 <= len(dst); x += 4 {
		s, d := src[x:x+4:x+4], dst[x:x+4:x+4]
		a := uint32(s[3])
		switch a {
		case 255:
			copy(d, s)
			continue
		case 0:
			d[0], d[1], d[2], d[3] = 0, 0, 0, 0
			continue
		}
		a16 := a * 0x101
		for c := range 3 {
			d[c] = uint8((uint32(s[c]) * 0x101 * 0xffff / a16) >> 8)
		}
		d[3] = uint8(a)
	}
}

type chunkWriter struct {
	w   io.Writer
	err error
}

func (c *chunkWriter) write(p []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(p)
	}
}

func (c *chunkWriter) chunk(typ string, data []byte) {
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(data)))
	copy(hdr[4:], typ)
	crc := crc32.Update(crc32.ChecksumIEEE(hdr[4:]), crc32.IEEETable, data)
	c.write(hdr[:])
	c.write(data)
	binary.BigEndian.PutUint32(hdr[:4], crc)
	c.write(hdr[:4])
}

// idatWriter turns each write into one IDAT chunk.
type idatWriter struct{ c *chunkWriter }

func (d idatWriter) Write(p []byte) (int, error) {
	d.c.chunk("IDAT", p)
	if d.c.err != nil {
		return 0, d.c.err
	}
	return len(p), nil
}
