package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"github.com/fabricpress/fabricpress/fabric"
)

// content builds a PDF content stream of vector paths. It becomes a
// one-page PDF that gopdf imports as a form XObject (a template), which
// is how the document stores vector art once and places it on many pages.
type content struct {
	buf    bytes.Buffer
	states map[string]string // ExtGState name -> dictionary
}

func newContent() *content { return &content{states: map[string]string{}} }

func (c *content) empty() bool { return c.buf.Len() == 0 }

func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "0"
	}
	if math.Abs(f) < 1e-9 {
		return "0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func (c *content) op(format string, args ...any) { fmt.Fprintf(&c.buf, format, args...) }

// matrix emits a cm operator.
func (c *content) matrix(m fabric.Matrix) {
	c.op("%s %s %s %s %s %s cm\n", num(m[0]), num(m[1]), num(m[2]), num(m[3]), num(m[4]), num(m[5]))
}

// path emits path construction operators for absolute M/L/C/Q/Z commands.
func (c *content) path(cmds []fabric.PathCommand, through fabric.Matrix) {
	var cx, cy, sx, sy float64
	pt := func(x, y float64) string {
		x, y = through.Apply(x, y)
		return num(x) + " " + num(y)
	}
	for _, cm := range cmds {
		a := cm.Args
		switch cm.Op {
		case 'M':
			c.op("%s m\n", pt(a[0], a[1]))
			cx, cy, sx, sy = a[0], a[1], a[0], a[1]
		case 'L':
			c.op("%s l\n", pt(a[0], a[1]))
			cx, cy = a[0], a[1]
		case 'C':
			c.op("%s %s %s c\n", pt(a[0], a[1]), pt(a[2], a[3]), pt(a[4], a[5]))
			cx, cy = a[4], a[5]
		case 'Q':
			// PDF has no quadratic: raise it to a cubic.
			c1x, c1y := cx+2.0/3*(a[0]-cx), cy+2.0/3*(a[1]-cy)
			c2x, c2y := a[2]+2.0/3*(a[0]-a[2]), a[3]+2.0/3*(a[1]-a[3])
			c.op("%s %s %s c\n", pt(c1x, c1y), pt(c2x, c2y), pt(a[2], a[3]))
			cx, cy = a[2], a[3]
		case 'Z':
			c.op("h\n")
			cx, cy = sx, sy
		}
	}
}

// colour sets the fill or stroke colour; the colour path is in one place
// so CMYK output can follow.
func (c *content) colour(col color.NRGBA, stroke bool) {
	op := "rg"
	if stroke {
		op = "RG"
	}
	c.op("%s %s %s %s\n", num(float64(col.R)/255), num(float64(col.G)/255), num(float64(col.B)/255), op)
}

// alpha selects an ExtGState with fill/stroke alpha and a blend mode.
func (c *content) alpha(fillA, strokeA float64, blend string) {
	if fillA >= 1 && strokeA >= 1 && (blend == "" || blend == "Normal") {
		return
	}
	if blend == "" {
		blend = "Normal"
	}
	dict := fmt.Sprintf("<< /ca %s /CA %s /BM /%s >>", num(fillA), num(strokeA), blend)
	name := ""
	for n, d := range c.states {
		if d == dict {
			name = n
		}
	}
	if name == "" {
		name = "GS" + strconv.Itoa(len(c.states)+1)
		c.states[name] = dict
	}
	c.op("/%s gs\n", name)
}

// page returns the content as a one-page PDF of w×h points.
func (c *content) page(w, h float64) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	zw.Write(c.buf.Bytes())
	zw.Close()
	var out bytes.Buffer
	var offs []int
	obj := func(s string) { offs = append(offs, out.Len()); io.WriteString(&out, s) }
	out.WriteString("%PDF-1.4\n")
	obj("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	obj("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n")
	var res bytes.Buffer
	if len(c.states) > 0 {
		res.WriteString("/ExtGState <<")
		for i := 1; i <= len(c.states); i++ {
			n := "GS" + strconv.Itoa(i)
			fmt.Fprintf(&res, " /%s %s", n, c.states[n])
		}
		res.WriteString(" >>")
	}
	obj(fmt.Sprintf("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Contents 4 0 R /Resources << %s >> >>\nendobj\n", num(w), num(h), res.String()))
	obj(fmt.Sprintf("4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", z.Len()))
	out.Write(z.Bytes())
	out.WriteString("\nendstream\nendobj\n")
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return out.Bytes()
}
