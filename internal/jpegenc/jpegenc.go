package jpegenc

import (
	"encoding/binary"
	"fmt"
	"image"
	"io"
	"sync"
)

// mcu is the side of a minimum coded unit in pixels: four 8x8 luminance
// blocks and one block of each chrominance, subsampled 2:1 both ways.
const mcu = 16

// Encode writes img as a baseline JPEG of the given quality (1 to 100,
// clamped, scaled as libjpeg does), YCbCr 4:2:0, composited over opaque
// white. img is premultiplied, as image.RGBA is.
func Encode(w io.Writer, img *image.RGBA, quality int) error {
	if err := checkSize(img.Rect); err != nil {
		return err
	}
	e := getEncoder(img.Rect, quality)
	defer encoders.Put(e)
	e.out = appendHeader(e.out[:0], img.Rect, &e.tables)
	rows := mcuRows(img.Rect)
	for k := range rows {
		e.row(img, k, nil, nil)
		e.out = appendRST(e.out, k, rows)
		e.flushIfFull(w)
	}
	return e.finish(w)
}

// checkSize reports whether a JPEG can hold an image of bounds r.
func checkSize(r image.Rectangle) error {
	if r.Empty() || r.Dx() > 0xffff || r.Dy() > 0xffff {
		return fmt.Errorf("jpegenc: cannot encode a %dx%d image", r.Dx(), r.Dy())
	}
	return nil
}

func clampQuality(q int) int { return min(max(q, 1), 100) }

// mcuRows is how many MCU rows an image of bounds r has.
func mcuRows(r image.Rectangle) int { return (r.Dy() + mcu - 1) / mcu }

// appendRST appends the restart marker that follows MCU row k of rows:
// RST0 to RST7 in turn, none after the last row.
func appendRST(b []byte, k, rows int) []byte {
	if k == rows-1 {
		return b
	}
	return append(b, 0xff, 0xd0+byte(k%8))
}

// encoder holds the tables and buffers of one encoding; pooled.
type encoder struct {
	quality int // of tables and quant; 0: none yet
	tables  [2][64]uint8
	quant   [2]quantizer
	// The level-shifted samples of one MCU row, padded to whole MCUs by
	// replicating the last column and row: luminance mcu rows of pw,
	// each chrominance mcu/2 rows of pw/2.
	pw        int
	y, cb, cr []float32
	d         [64]float32 // a block's DCT
	zz        [64]int32   // its quantised coefficients, zig-zag order
	bits      bitWriter
	out       []byte    // encoded bytes not yet written
	err       error     // the first write error
	flat      []flatMCU // per MCU of the row
	changed   []bool    // Static.Encode: the MCUs that differ from the layer
	// NewStatic: with record set, row appends the bit position where each
	// MCU starts (and where the last ends) to pos, and the DC predictions
	// after it to dc.
	record bool
	pos    []uint32
	dc     [][3]int32
}

var encoders sync.Pool

// getEncoder returns a pooled encoder set up for images of bounds r at
// quality.
func getEncoder(r image.Rectangle, quality int) *encoder {
	e, ok := encoders.Get().(*encoder)
	if !ok {
		e = new(encoder)
	}
	e.err = nil
	if q := clampQuality(quality); q != e.quality {
		e.quality, e.tables = q, quantTables(q)
		e.quant = [2]quantizer{newQuantizer(&e.tables[0]), newQuantizer(&e.tables[1])}
	}
	e.pw = (r.Dx() + mcu - 1) / mcu * mcu
	if n := mcu * e.pw; cap(e.y) < n {
		e.y = make([]float32, n)
		e.cb = make([]float32, n/4)
		e.cr = make([]float32, n/4)
	}
	e.y, e.cb, e.cr = e.y[:mcu*e.pw], e.cb[:mcu*e.pw/4], e.cr[:mcu*e.pw/4]
	if n := e.pw / mcu; cap(e.flat) < n {
		e.flat = make([]flatMCU, n)
	}
	e.flat = e.flat[:e.pw/mcu]
	return e
}

// write writes p unless a write failed before.
func (e *encoder) write(w io.Writer, p []byte) {
	if e.err == nil && len(p) > 0 {
		_, e.err = w.Write(p)
	}
}

// flush writes the pending bytes.
func (e *encoder) flush(w io.Writer) {
	e.write(w, e.out)
	e.out = e.out[:0]
}

// flushIfFull writes the pending bytes once they are many: the buffer
// stays small whatever the image.
func (e *encoder) flushIfFull(w io.Writer) {
	if len(e.out) >= 64<<10 {
		e.flush(w)
	}
}

// finish ends the image (EOI) and writes what is pending.
func (e *encoder) finish(w io.Writer) error {
	e.out = append(e.out, 0xff, 0xd9)
	e.flush(w)
	return e.err
}

// row appends the entropy-coded data of MCU row k of img to e.out, padded
// to a whole byte with 1 bits as a restart requires. Everything about it
// starts afresh: the DC predictions are 0, the bit buffer empty. With a
// static layer s, only the MCUs marked in changed are coded anew, and
// those right after them (whose DC terms are coded as differences from
// the changed ones'); the bits of the others are copied from the layer's.
func (e *encoder) row(img *image.RGBA, k int, s *Static, changed []bool) {
	y0 := img.Rect.Min.Y + mcu*k
	mcus := e.pw / mcu
	var pred [3]int32
	e.bits.out = e.out
	if s == nil {
		e.convert(img, y0, 0, mcus)
		e.bits.stuffed = 0
		start := len(e.out)
		for m := range mcus {
			if e.record {
				e.pos = append(e.pos, e.bits.since(start))
			}
			e.mcu(m, &pred)
			if e.record {
				e.dc = append(e.dc, pred)
			}
		}
		if e.record {
			e.pos = append(e.pos, e.bits.since(start))
		}
	} else {
		pos, dc := s.mcuRow(k)
		bits := s.bits[s.rowBits[k]:]
		for m := 0; m < mcus; {
			end := m + 1
			if !changed[m] && (m == 0 || !changed[m-1]) {
				// The layer's MCUs, entered with the layer's predictions.
				for end < mcus && !changed[end] {
					end++
				}
				e.bits.copy(bits, uint(pos[m]), uint(pos[end]))
				pred = dc[end-1]
			} else {
				for end < mcus && (changed[end] || changed[end-1]) {
					end++
				}
				e.convert(img, y0, m, end)
				for i := m; i < end; i++ {
					e.mcu(i, &pred)
				}
			}
			m = end
		}
	}
	e.bits.pad()
	e.out, e.bits.out = e.bits.out, nil
}

// mcu codes MCU m of the row in e's planes.
func (e *encoder) mcu(m int, pred *[3]int32) {
	if f := &e.flat[m]; f.ok {
		// What the blocks of its planes would code, without them.
		for range 4 {
			e.flatBlock(f.y, &pred[0], &e.quant[0], dcLuma, acLuma)
		}
		e.flatBlock(f.cb, &pred[1], &e.quant[1], dcChroma, acChroma)
		e.flatBlock(f.cr, &pred[2], &e.quant[1], dcChroma, acChroma)
		return
	}
	pw, cw, x := e.pw, e.pw/2, mcu*m
	e.block(e.y[x:], pw, &pred[0], &e.quant[0], dcLuma, acLuma)
	e.block(e.y[x+8:], pw, &pred[0], &e.quant[0], dcLuma, acLuma)
	e.block(e.y[8*pw+x:], pw, &pred[0], &e.quant[0], dcLuma, acLuma)
	e.block(e.y[8*pw+x+8:], pw, &pred[0], &e.quant[0], dcLuma, acLuma)
	e.block(e.cb[x/2:], cw, &pred[1], &e.quant[1], dcChroma, acChroma)
	e.block(e.cr[x/2:], cw, &pred[2], &e.quant[1], dcChroma, acChroma)
}

// block codes the 8x8 samples at src (row stride).
func (e *encoder) block(src []float32, stride int, pred *int32, q *quantizer, dc, ac *huffCodes) {
	if v, ok := uniform(src, stride); ok {
		e.flatBlock(v, pred, q, dc, ac)
		return
	}
	fdct(&e.d, src, stride)
	e.bits.block(&e.zz, q.quantize(&e.zz, &e.d), pred, dc, ac)
}

// flatBlock codes a block whose samples are all v (paper, a fill): it has
// only a DC term, that of the transform, whose butterflies add the 64
// equal samples exactly.
func (e *encoder) flatBlock(v float32, pred *int32, q *quantizer, dc, ac *huffCodes) {
	e.d[0] = 64 * v
	e.bits.block(&e.zz, q.quantizeDC(&e.zz, &e.d), pred, dc, ac)
}

// uniform reports whether the 8x8 samples at src are all equal, and to
// what.
func uniform(src []float32, stride int) (float32, bool) {
	v := src[0]
	for y := range 8 {
		r := src[y*stride : y*stride+8 : y*stride+8]
		if r[0] != v || r[1] != v || r[2] != v || r[3] != v || r[4] != v || r[5] != v || r[6] != v || r[7] != v {
			return 0, false
		}
	}
	return v, true
}

// Markers.
const (
	soi  = 0xd8
	eoi  = 0xd9
	sof0 = 0xc0
	dht  = 0xc4
	dqt  = 0xdb
	dri  = 0xdd
	sos  = 0xda
	app0 = 0xe0
)

// appendHeader appends what comes before the entropy-coded data of an
// image of bounds r: SOI, the JFIF APP0 segment, the quantisation tables,
// the frame header, the Huffman tables, the restart interval (one MCU row)
// and the scan header.
func appendHeader(b []byte, r image.Rectangle, tables *[2][64]uint8) []byte {
	segment := func(marker byte, n int) {
		b = append(b, 0xff, marker)
		b = binary.BigEndian.AppendUint16(b, uint16(2+n))
	}
	b = append(b, 0xff, soi)

	// JFIF 1.01, no units, 1:1 pixels, no thumbnail.
	segment(app0, 14)
	b = append(b, "JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"...)

	segment(dqt, 2*65)
	for i := range tables {
		b = append(b, byte(i)) // 8-bit values, table i
		for _, n := range zigzag {
			b = append(b, tables[i][n])
		}
	}

	// 8-bit samples; Y (id 1) sampled 2x2 with table 0, Cb and Cr (2, 3)
	// 1x1 with table 1.
	segment(sof0, 15)
	b = append(b, 8)
	b = binary.BigEndian.AppendUint16(b, uint16(r.Dy()))
	b = binary.BigEndian.AppendUint16(b, uint16(r.Dx()))
	b = append(b, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)

	n := 0
	specs := []*huffSpec{&dcLumaSpec, &acLumaSpec, &dcChromaSpec, &acChromaSpec}
	for _, s := range specs {
		n += 17 + len(s.values)
	}
	segment(dht, n)
	for i, s := range specs {
		b = append(b, byte(i%2)<<4|byte(i/2)) // class (0 DC, 1 AC), destination
		b = append(b, s.counts[:]...)
		b = append(b, s.values...)
	}

	segment(dri, 2)
	b = binary.BigEndian.AppendUint16(b, uint16((r.Dx()+mcu-1)/mcu))

	// Y with tables 0, Cb and Cr with tables 1; the whole spectrum, no
	// successive approximation.
	segment(sos, 10)
	return append(b, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0)
}
