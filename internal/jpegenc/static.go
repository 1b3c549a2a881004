package jpegenc

import (
	"bytes"
	"errors"
	"image"
	"io"
)

// Static is the encoded form of a layer many images share most pixels
// with. The restart marker after each MCU row makes each row's
// entropy-coded data independent of the other rows', so an image that
// differs from the layer in a few rows copies the others' bytes. Within a
// changed row, an MCU's code depends only on its own pixels and on the DC
// terms of the MCU before it, so the row copies the layer's bits for the
// MCUs that, with the one before them, did not change.
//
// A Static is safe for concurrent use.
type Static struct {
	layer   *image.RGBA
	quality int
	err     error // the layer cannot be a JPEG
	header  []byte
	mcus    int // MCUs in a row
	// data are the MCU rows' entropy-coded bytes, each row followed by
	// the restart marker after it (none after the last); row k ends at
	// ends[k].
	data []byte
	ends []int
	// bits are the rows' coded bits before byte stuffing and padding,
	// row k from byte rowBits[k], with 8 bytes to spare at the end; MCU m
	// of row k is bits pos[k*(mcus+1)+m] to pos[k*(mcus+1)+m+1] of its
	// row, and leaves the DC predictions dc[k*mcus+m].
	bits    []byte
	rowBits []int
	pos     []uint32
	dc      [][3]int32
}

// NewStatic encodes layer, which must not change afterwards, at quality
// (1 to 100, clamped).
func NewStatic(layer *image.RGBA, quality int) *Static {
	s := &Static{layer: layer, quality: clampQuality(quality)}
	if s.err = checkSize(layer.Rect); s.err != nil {
		return s
	}
	e := getEncoder(layer.Rect, s.quality)
	defer encoders.Put(e)
	s.header = appendHeader(nil, layer.Rect, &e.tables)
	rows := mcuRows(layer.Rect)
	s.mcus = e.pw / mcu
	s.ends = make([]int, rows)
	s.rowBits = make([]int, rows)
	e.record = true
	e.pos = make([]uint32, 0, rows*(s.mcus+1))
	e.dc = make([][3]int32, 0, rows*s.mcus)
	for k := range rows {
		e.out = e.out[:0]
		e.row(layer, k, nil, nil)
		s.rowBits[k] = len(s.bits)
		s.bits = unstuff(s.bits, e.out)
		s.data = appendRST(append(s.data, e.out...), k, rows)
		s.ends[k] = len(s.data)
	}
	s.bits = append(s.bits, make([]byte, 8)...)
	s.pos, s.dc = e.pos, e.dc
	e.record, e.pos, e.dc = false, nil, nil
	return s
}

// unstuff appends to dst the bytes of coded data src without the 0 that
// follows each 0xFF.
func unstuff(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		dst = append(dst, src[i])
		if src[i] == 0xff {
			i++
		}
	}
	return dst
}

// mcuRow returns the bit positions of MCU row k's MCUs (and of the end of
// the last) and the DC predictions each leaves.
func (s *Static) mcuRow(k int) ([]uint32, [][3]int32) {
	return s.pos[k*(s.mcus+1) : (k+1)*(s.mcus+1)], s.dc[k*s.mcus : (k+1)*s.mcus]
}

// same reports whether MCU m of MCU row k has the same pixels in img as in
// the layer: then it has the same code.
func (s *Static) same(img *image.RGBA, k, m int) bool {
	r := img.Rect
	x0, y0 := r.Min.X+mcu*m, r.Min.Y+mcu*k
	x1, y1 := min(x0+mcu, r.Max.X), min(y0+mcu, r.Max.Y)
	for y := y0; y < y1; y++ {
		a := img.Pix[img.PixOffset(x0, y):img.PixOffset(x1, y)]
		b := s.layer.Pix[s.layer.PixOffset(x0, y):s.layer.PixOffset(x1, y)]
		if !bytes.Equal(a, b) {
			return false
		}
	}
	return true
}

// Encode writes the JPEG of img, which must equal the static layer outside
// the dirty rectangles: the MCU rows no rectangle touches are copied
// whole, the others coded again where they changed (MCUs the rectangles
// touch whose pixels differ from the layer's, and the MCU after each run
// of those). The bytes are those Encode writes for img.
func (s *Static) Encode(w io.Writer, img *image.RGBA, dirty []image.Rectangle) error {
	if s.err != nil {
		return s.err
	}
	r := img.Rect
	if r != s.layer.Rect {
		return errors.New("jpegenc: image and static layer differ in size")
	}
	e := getEncoder(r, s.quality)
	defer encoders.Put(e)
	// A 4:2:0 MCU is coded from its own 16x16 pixels only (chroma is
	// averaged over 2x2 pixels within it, edges replicated from within
	// it), so a change dirties exactly the MCUs it covers.
	rows := len(s.ends)
	changed := e.changed[:0]
	for range rows * s.mcus {
		changed = append(changed, false)
	}
	e.changed = changed
	for _, d := range dirty {
		d = d.Intersect(r)
		if d.Empty() {
			continue
		}
		d = d.Sub(r.Min)
		m0, m1 := d.Min.X/mcu, (d.Max.X-1)/mcu
		for k := d.Min.Y / mcu; k <= (d.Max.Y-1)/mcu; k++ {
			row := changed[k*s.mcus : (k+1)*s.mcus]
			for m := m0; m <= m1; m++ {
				// A rectangle bounds what a record paints; the paper
				// between its lines of text is often the layer's still,
				// and comparing costs far less than coding.
				if !row[m] && !s.same(img, k, m) {
					row[m] = true
				}
			}
		}
	}
	rowChanged := func(k int) bool {
		for _, c := range changed[k*s.mcus : (k+1)*s.mcus] {
			if c {
				return true
			}
		}
		return false
	}
	e.out = append(e.out[:0], s.header...)
	for k := 0; k < rows; {
		if rowChanged(k) {
			e.row(img, k, s, changed[k*s.mcus:(k+1)*s.mcus])
			e.out = appendRST(e.out, k, rows)
			e.flushIfFull(w)
			k++
			continue
		}
		end := k + 1
		for end < rows && !rowChanged(end) {
			end++
		}
		start := 0
		if k > 0 {
			start = s.ends[k-1]
		}
		e.flush(w)
		e.write(w, s.data[start:s.ends[end-1]])
		k = end
	}
	return e.finish(w)
}
