package pdf

import (
	"bytes"
	"image/color"
	"math"
	"strconv"

	"github.com/fabricpress/fabricpress/fabric"
)

// content builds the operators of a run of vector objects. The run is
// written straight into its page's content stream (see Document.finish).
// Numbers are appended with strconv: a page's QR code alone is hundreds
// of path operators.
type content struct {
	buf    bytes.Buffer
	states *gstates
}

// gstates names the ExtGState dictionaries (alpha, blend mode) of a
// document's runs. The names (FP1, FP2, ...) are distinct from gopdf's
// own (GS1, ...) in the resource dictionary all pages share.
type gstates struct {
	names map[string]string // dictionary -> name
	dicts []string          // by name number - 1
}

func newContent(s *gstates) *content { return &content{states: s} }

// appendNum appends f as a PDF number: the shortest decimal that reads
// back as the same float32 (seven significant digits, as PDF readers keep
// reals; what is dropped is far below any device pixel), 0 for
// non-finite or negligible values.
func appendNum(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) < 1e-9 {
		return append(b, '0')
	}
	return strconv.AppendFloat(b, f, 'f', -1, 32)
}

func num(f float64) string { return string(appendNum(nil, f)) }

// op writes operator text as is.
func (c *content) op(s string) { c.buf.WriteString(s) }

// nums writes the numbers, space separated, then op and a newline.
func (c *content) nums(op string, fs ...float64) {
	b := c.buf.AvailableBuffer()
	for i, f := range fs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendNum(b, f)
	}
	b = append(b, ' ')
	b = append(b, op...)
	b = append(b, '\n')
	c.buf.Write(b)
}

// matrix emits a cm operator.
func (c *content) matrix(m fabric.Matrix) { c.nums("cm", m[:]...) }

// path emits path construction operators for absolute M/L/C/Q/Z commands.
func (c *content) path(cmds []fabric.PathCommand, through fabric.Matrix) {
	var cx, cy, sx, sy float64
	b := c.buf.AvailableBuffer()
	pt := func(x, y float64, sep byte) {
		x, y = through.Apply(x, y)
		b = appendNum(b, x)
		b = append(b, ' ')
		b = appendNum(b, y)
		b = append(b, sep)
	}
	for _, cm := range cmds {
		a := cm.Args
		switch cm.Op {
		case 'M':
			pt(a[0], a[1], ' ')
			b = append(b, "m\n"...)
			cx, cy, sx, sy = a[0], a[1], a[0], a[1]
		case 'L':
			pt(a[0], a[1], ' ')
			b = append(b, "l\n"...)
			cx, cy = a[0], a[1]
		case 'C':
			pt(a[0], a[1], ' ')
			pt(a[2], a[3], ' ')
			pt(a[4], a[5], ' ')
			b = append(b, "c\n"...)
			cx, cy = a[4], a[5]
		case 'Q':
			// PDF has no quadratic: raise it to a cubic.
			c1x, c1y := cx+2.0/3*(a[0]-cx), cy+2.0/3*(a[1]-cy)
			c2x, c2y := a[2]+2.0/3*(a[0]-a[2]), a[3]+2.0/3*(a[1]-a[3])
			pt(c1x, c1y, ' ')
			pt(c2x, c2y, ' ')
			pt(a[2], a[3], ' ')
			b = append(b, "c\n"...)
			cx, cy = a[2], a[3]
		case 'Z':
			b = append(b, "h\n"...)
			cx, cy = sx, sy
		}
	}
	c.buf.Write(b)
}

// rect emits a rectangle (x, y, w, h in the local space of through) as a
// closed path: one re operator when through keeps it axis-aligned (QR
// and bar codes are hundreds of them), else moveto, three linetos and
// closepath.
func (c *content) rect(x, y, w, h float64, through fabric.Matrix) {
	b := c.buf.AvailableBuffer()
	if through[1] == 0 && through[2] == 0 {
		x0, y0 := through.Apply(x, y)
		x1, y1 := through.Apply(x+w, y+h)
		for _, f := range [4]float64{x0, y0, x1 - x0, y1 - y0} {
			b = appendNum(b, f)
			b = append(b, ' ')
		}
		b = append(b, "re\n"...)
		c.buf.Write(b)
		return
	}
	for i, p := range [4][2]float64{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}} {
		px, py := through.Apply(p[0], p[1])
		b = appendNum(b, px)
		b = append(b, ' ')
		b = appendNum(b, py)
		if i == 0 {
			b = append(b, " m\n"...)
		} else {
			b = append(b, " l\n"...)
		}
	}
	b = append(b, "h\n"...)
	c.buf.Write(b)
}

// colour sets the fill or stroke colour; the colour path is in one place
// so CMYK output can follow.
func (c *content) colour(col color.NRGBA, stroke bool) {
	op := "rg"
	if stroke {
		op = "RG"
	}
	c.nums(op, float64(col.R)/255, float64(col.G)/255, float64(col.B)/255)
}

// alpha selects an ExtGState with fill/stroke alpha and a blend mode.
func (c *content) alpha(fillA, strokeA float64, blend string) {
	if fillA >= 1 && strokeA >= 1 && (blend == "" || blend == "Normal") {
		return
	}
	if blend == "" {
		blend = "Normal"
	}
	dict := "<< /ca " + num(fillA) + " /CA " + num(strokeA) + " /BM /" + blend + " >>"
	s := c.states
	name, ok := s.names[dict]
	if !ok {
		s.dicts = append(s.dicts, dict)
		name = "FP" + strconv.Itoa(len(s.dicts))
		s.names[dict] = name
	}
	c.op("/" + name + " gs\n")
}
