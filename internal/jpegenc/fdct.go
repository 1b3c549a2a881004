package jpegenc

import "math"

// fdct is the forward DCT of Arai, Agui and Nakajima (AAN) in float32,
// separable: the 1-D transform on the rows, then on the columns. Each 1-D
// pass takes 5 multiplications and 29 additions because it leaves every
// output k multiplied by aan[k]; the 2-D result F'(u,v) is therefore
// 8·aan[u]·aan[v] times the DCT of T.81 A.3.3, and quantisation divides
// that factor out together with the quantiser (see newQuantizer), so it
// costs nothing.
//
// src holds the 8x8 level-shifted samples, row y at src[y*stride:].
func fdct(d *[64]float32, src []float32, stride int) {
	const (
		c4  = 0.707106781 // cos(4π/16)
		c6s = 0.382683433 // cos(6π/16)
		c2m = 0.541196100 // cos(2π/16) − cos(6π/16)
		c2p = 1.306562965 // cos(2π/16) + cos(6π/16)
	)
	for y := range 8 {
		s := src[y*stride : y*stride+8 : y*stride+8]
		r := (*[8]float32)(d[8*y : 8*y+8])
		t0, t7 := s[0]+s[7], s[0]-s[7]
		t1, t6 := s[1]+s[6], s[1]-s[6]
		t2, t5 := s[2]+s[5], s[2]-s[5]
		t3, t4 := s[3]+s[4], s[3]-s[4]

		// Even part.
		t10, t13 := t0+t3, t0-t3
		t11, t12 := t1+t2, t1-t2
		r[0], r[4] = t10+t11, t10-t11
		z1 := (t12 + t13) * c4
		r[2], r[6] = t13+z1, t13-z1

		// Odd part.
		t10, t11, t12 = t4+t5, t5+t6, t6+t7
		z5 := (t10 - t12) * c6s
		z2 := c2m*t10 + z5
		z4 := c2p*t12 + z5
		z3 := t11 * c4
		z11, z13 := t7+z3, t7-z3
		r[5], r[3] = z13+z2, z13-z2
		r[1], r[7] = z11+z4, z11-z4
	}
	for x := range 8 {
		// The columns: the same butterflies, stride 8.
		c := d[x : x+57 : x+57]
		t0, t7 := c[0]+c[56], c[0]-c[56]
		t1, t6 := c[8]+c[48], c[8]-c[48]
		t2, t5 := c[16]+c[40], c[16]-c[40]
		t3, t4 := c[24]+c[32], c[24]-c[32]

		t10, t13 := t0+t3, t0-t3
		t11, t12 := t1+t2, t1-t2
		c[0], c[32] = t10+t11, t10-t11
		z1 := (t12 + t13) * c4
		c[16], c[48] = t13+z1, t13-z1

		t10, t11, t12 = t4+t5, t5+t6, t6+t7
		z5 := (t10 - t12) * c6s
		z2 := c2m*t10 + z5
		z4 := c2p*t12 + z5
		z3 := t11 * c4
		z11, z13 := t7+z3, t7-z3
		c[40], c[24] = z13+z2, z13-z2
		c[8], c[56] = z11+z4, z11-z4
	}
}

// aan[k] is the factor the AAN transform leaves on output k: 1 for k = 0,
// √2·cos(kπ/16) otherwise.
var aan = func() (a [8]float64) {
	a[0] = 1
	for k := 1; k < 8; k++ {
		a[k] = math.Sqrt2 * math.Cos(float64(k)*math.Pi/16)
	}
	return a
}()

// quantizer divides the AAN output by the quantisation table with
// multiplications: recip[k] is 1/(8·aan[u]·aan[v]·q[8u+v]) where 8u+v
// (u the row, v the column) is zigzag[k].
type quantizer struct {
	recip [64]float32
}

// newQuantizer makes the quantizer of table q (natural order).
func newQuantizer(q *[64]uint8) (z quantizer) {
	for k, i := range zigzag {
		z.recip[k] = float32(1 / (8 * aan[i/8] * aan[i%8] * float64(q[i])))
	}
	return z
}

// quantize stores the coefficients of the AAN output d, divided and
// rounded to the nearest integer, in zig-zag order into zz, and returns a
// mask with bit k set when zz[k] is not zero.
func (z *quantizer) quantize(zz *[64]int32, d *[64]float32) (nonzero uint64) {
	for k := range 64 {
		v := d[zigzag[k]&63] * z.recip[k]
		// Round half up: the offset keeps the value positive so the
		// conversion's truncation is a floor. |v| < 2^11 for 8-bit
		// samples.
		q := int32(v+16384.5) - 16384
		zz[k] = q
		nonzero |= uint64((uint32(q)|uint32(-q))>>31) << k
	}
	return nonzero
}

// quantizeDC is quantize for a block whose AC terms are all 0.
func (z *quantizer) quantizeDC(zz *[64]int32, d *[64]float32) (nonzero uint64) {
	v := d[0] * z.recip[0]
	q := int32(v+16384.5) - 16384
	zz[0] = q
	return uint64((uint32(q) | uint32(-q)) >> 31)
}
