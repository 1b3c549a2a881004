package render

import (
	"image"
	"math"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/code"
)

// codeGeom is a barcode's dark rectangles in module units, within a
// symbol of cols×rows modules (quiet zone included).
type codeGeom struct {
	rects      []code.Rect
	cols, rows int
	square     bool // QR: a square symbol centred in the box
}

// barcodeGeom encodes a Barcode once per plan.
func barcodeGeom(b *fabric.Barcode) (*codeGeom, error) {
	switch b.Symbology {
	case "qr":
		lvl, err := code.ParseLevel(b.Level)
		if err != nil {
			return nil, err
		}
		m, err := code.QR(b.Content, lvl)
		if err != nil {
			return nil, err
		}
		n := m.Size + 2*b.Quiet
		return &codeGeom{rects: m.Rects(b.Quiet), cols: n, rows: n, square: true}, nil
	case "code128":
		bars, err := code.Code128(b.Content)
		if err != nil {
			return nil, err
		}
		n := len(bars.Modules) + 2*b.Quiet
		return &codeGeom{rects: bars.Rects(b.Quiet, 1), cols: n, rows: 1}, nil
	}
	return nil, &fabric.Error{Path: b.JSONPath, Err: errUnknownSymbology(b.Symbology)}
}

type errUnknownSymbology string

func (e errUnknownSymbology) Error() string { return "unknown barcode symbology " + string(e) }

// drawBarcode paints a code in its object's w×h box: the light background
// over the symbol (quiet zone included), then the dark modules. A QR code
// is the largest square that fits the box on screen, centred. When the
// code is axis-aligned on the output, every module is a whole number of
// device pixels and its edges fall on pixel boundaries, so scanners see
// crisp modules; otherwise the modules are drawn as exact rectangles.
func (r *renderer) drawBarcode(dst *image.RGBA, b *fabric.Barcode, m fabric.Matrix, w, h float64, opt drawOpts) {
	g := r.plan.code(b)
	if g == nil {
		return
	}
	// The symbol's box in local units: a QR square is square on screen.
	bw, bh := w, h
	if g.square {
		sx, sy := math.Abs(b.ScaleX), math.Abs(b.ScaleY)
		side := math.Min(w*sx, h*sy)
		bw, bh = side/sx, side/sy
	}
	light, dark := premul(b.Light), premul(b.Dark)
	if opt.forClipping {
		light, dark = rgba{0, 0, 0, 1}, rgba{0, 0, 0, 1}
	}
	if m[1] == 0 && m[2] == 0 && m[0] != 0 && m[3] != 0 {
		// Device box of the symbol.
		x0, y0 := m.Apply(-bw/2, -bh/2)
		x1, y1 := m.Apply(bw/2, bh/2)
		if x0 > x1 {
			x0, x1 = x1, x0
		}
		if y0 > y1 {
			y0, y1 = y1, y0
		}
		var ox, oy, mx, my int
		if g.square {
			ox, oy, mx = code.PixelGrid(x0, y0, x1-x0, y1-y0, g.cols)
			my = mx
		} else {
			ox, mx = code.PixelSpan(x0, x1-x0, g.cols)
			oy, my = int(math.Round(y0)), int(math.Round(y1))-int(math.Round(y0))
		}
		flipX, flipY := m[0] < 0, m[3] < 0
		r.fillRect(dst, image.Rect(ox, oy, ox+g.cols*mx, oy+g.rows*my), light)
		for _, rc := range g.rects {
			x, y := rc.X, rc.Y
			if flipX {
				x = float64(g.cols) - rc.X - rc.W
			}
			if flipY {
				y = float64(g.rows) - rc.Y - rc.H
			}
			px := ox + int(math.Round(x))*mx
			py := oy + int(math.Round(y*float64(my)))
			r.fillRect(dst, image.Rect(px, py, px+int(math.Round(rc.W))*mx, py+int(math.Round(rc.H*float64(my)))), dark)
		}
		return
	}
	// Rotated or skewed: exact rectangles in local units.
	ux, uy := bw/float64(g.cols), bh/float64(g.rows)
	bg := rectPath(bw, bh)
	r.fillPath(dst, bg, m, false, solidShader{light}, 1, opSourceOver)
	p := &path{}
	for _, rc := range g.rects {
		x, y, w, h := -bw/2+rc.X*ux, -bh/2+rc.Y*uy, rc.W*ux, rc.H*uy
		p.moveTo(x, y)
		p.lineTo(x+w, y)
		p.lineTo(x+w, y+h)
		p.lineTo(x, y+h)
		p.close()
	}
	r.fillPath(dst, p, m, false, solidShader{dark}, 1, opSourceOver)
}

// fillRect composites a colour over whole device pixels.
func (r *renderer) fillRect(dst *image.RGBA, rc image.Rectangle, c rgba) {
	if r.touch(dst, rc) {
		return
	}
	p := r.newPainter(dst, solidShader{c}, 1, opSourceOver)
	rc = rc.Intersect(p.clip)
	if rc.Empty() {
		return
	}
	for y := rc.Min.Y; y < rc.Max.Y; y++ {
		p.span(y, rc.Min.X, rc.Max.X, 1)
	}
}
