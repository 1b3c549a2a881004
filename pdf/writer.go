package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strings"

	"github.com/signintech/gopdf"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/font"
)

// pt is PDF points per canvas pixel: 96 px = 1 in = 72 pt.
const pt = 0.75

// markMargin is the room around the bleed box for crop marks, in points.
const markMargin = 24.0

// Options configure a PDF.
type Options struct {
	// Bleed extends the page beyond the trim box on every side, in canvas
	// pixels (0.125 in = 12 px). The background and objects crossing the
	// canvas edge continue into it, as Fabric would draw beyond the edge.
	Bleed float64
	// CropMarks draws trim marks outside the bleed; the MediaBox grows to
	// hold them.
	CropMarks bool
	// DPI is the resolution of rasterised parts (gradients, shadows,
	// filters, clips, blend modes PDF lacks); default 300.
	DPI float64
	// Metadata.
	Title, Author, Subject, Creator string
	// Render holds fonts, the image loader and cache, and limits; its
	// Width, Height and Scale are set per page.
	Render render.Options
}

// Document is a PDF being assembled, one page per piece. Pages that come
// from one template share what no binding changed: vector art is written
// once as a form XObject, images once as image objects, and each page
// only adds its personalised objects (the PDF/VT idea). A Document is not
// safe for concurrent use.
type Document struct {
	opts   Options
	gp     *gopdf.GoPdf
	pages  int
	fonts  map[*font.Font]string
	images map[string]gopdf.ImageHolder
	tpls   map[staticKey]int
	boxes  []pageBoxes
	err    error
}

type staticKey struct {
	side  *fabric.Canvas
	index int
}

type pageBoxes struct{ media, trim, bleed [4]float64 }

// NewDocument starts an empty document.
func NewDocument(opts Options) *Document {
	if opts.DPI <= 0 {
		opts.DPI = 300
	}
	if opts.Creator == "" {
		opts.Creator = "fabricpress"
	}
	return &Document{opts: opts, fonts: map[*font.Font]string{}, images: map[string]gopdf.ImageHolder{}, tpls: map[staticKey]int{}}
}

// Pages is the number of pages added so far.
func (d *Document) Pages() int { return d.pages }

// geometry of one page, in points.
type page struct {
	w, h   float64 // canvas size, px
	bleed  float64 // px
	margin float64 // pt, for crop marks
	pw, ph float64 // page size, pt
}

// at maps canvas px to gopdf's top-left page points.
func (p *page) at(x, y float64) (float64, float64) {
	return p.margin + (x+p.bleed)*pt, p.margin + (y+p.bleed)*pt
}

// base is the content-stream transform from canvas px (y down) to PDF
// user space (y up).
func (p *page) base() fabric.Matrix {
	return fabric.Matrix{pt, 0, 0, -pt, p.margin + p.bleed*pt, p.ph - p.margin - p.bleed*pt}
}

// AddPage adds one page drawing c, whose canvas is width×height px.
// Objects c shares with tpl (the unpersonalised template it was bound
// from; nil if none) are written once per document and referenced.
func (d *Document) AddPage(ctx context.Context, c *fabric.Canvas, width, height float64, tpl *fabric.Canvas) error {
	if d.err != nil {
		return d.err
	}
	if width <= 0 || height <= 0 {
		return fmt.Errorf("pdf: canvas size %gx%g", width, height)
	}
	ro := d.opts.Render
	ro.Width, ro.Height, ro.Scale = width, height, d.opts.DPI/96
	plan, err := render.Compile(ctx, c, ro)
	if err != nil {
		return err
	}
	pg := &page{w: width, h: height, bleed: d.opts.Bleed}
	if d.opts.CropMarks {
		pg.margin = markMargin
	}
	pg.pw = (width+2*pg.bleed)*pt + 2*pg.margin
	pg.ph = (height+2*pg.bleed)*pt + 2*pg.margin
	if d.gp == nil {
		d.gp = &gopdf.GoPdf{}
		d.gp.Start(gopdf.Config{PageSize: gopdf.Rect{W: pg.pw, H: pg.ph}, Unit: gopdf.UnitPT})
		d.gp.SetInfo(gopdf.PdfInfo{Title: d.opts.Title, Author: d.opts.Author, Subject: d.opts.Subject, Creator: d.opts.Creator, Producer: "fabricpress (gopdf)"})
	}
	trim := [4]float64{pg.margin + pg.bleed*pt, pg.margin + pg.bleed*pt, pg.pw - pg.margin - pg.bleed*pt, pg.ph - pg.margin - pg.bleed*pt}
	d.gp.AddPageWithOption(gopdf.PageOption{
		PageSize: &gopdf.Rect{W: pg.pw, H: pg.ph},
		// gopdf writes these in order as [llx lly urx ury].
		TrimBox: &gopdf.Box{Left: trim[0], Top: trim[1], Right: trim[2], Bottom: trim[3]},
	})
	d.boxes = append(d.boxes, pageBoxes{
		media: [4]float64{0, 0, pg.pw, pg.ph},
		trim:  trim,
		bleed: [4]float64{pg.margin, pg.margin, pg.pw - pg.margin, pg.ph - pg.margin},
	})
	d.pages++
	e := &emitter{d: d, ctx: ctx, plan: plan, pg: pg, canvas: c, tpl: tpl}
	if err := e.canvas2(); err != nil {
		d.err = err
		return err
	}
	if d.opts.CropMarks {
		d.cropMarks(pg)
	}
	return nil
}

// cropMarks draws the trim marks at each corner, outside the bleed.
func (d *Document) cropMarks(pg *page) {
	gp := d.gp
	gp.SetStrokeColor(0, 0, 0)
	gp.SetLineWidth(0.25)
	gp.SetLineType("solid")
	x0, y0 := pg.at(0, 0)
	x1, y1 := pg.at(pg.w, pg.h)
	gap := pg.bleed*pt + 3
	l := 15.0
	for _, x := range []float64{x0, x1} {
		for _, y := range []float64{y0, y1} {
			sx, sy := -1.0, -1.0
			if x == x1 {
				sx = 1
			}
			if y == y1 {
				sy = 1
			}
			gp.Line(x+sx*gap, y, x+sx*(gap+l), y)
			gp.Line(x, y+sy*gap, x, y+sy*(gap+l))
		}
	}
}

// WriteTo writes the document. It can be called once.
func (d *Document) WriteTo(w io.Writer) (int64, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.gp == nil {
		return 0, errors.New("pdf: no pages")
	}
	var buf bytes.Buffer
	if err := d.gp.Write(&buf); err != nil {
		return 0, fmt.Errorf("pdf: %w", err)
	}
	out := addBleedBoxes(buf.Bytes(), d.boxes)
	n, err := w.Write(out)
	return int64(n), err
}

// Write renders one canvas as a one-page PDF to w.
func Write(ctx context.Context, w io.Writer, c *fabric.Canvas, width, height float64, opts Options) error {
	d := NewDocument(opts)
	if err := d.AddPage(ctx, c, width, height, nil); err != nil {
		return err
	}
	_, err := d.WriteTo(w)
	return err
}

// fontName registers a face with gopdf once and returns its name there.
func (d *Document) fontName(f *font.Font) (string, error) {
	if n, ok := d.fonts[f]; ok {
		return n, nil
	}
	// The name is the PostScript-style subset name: a six-letter tag, "+",
	// and the face (gopdf embeds only the glyphs used).
	tag := make([]byte, 6)
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%d|%s|%d", f.File, f.Weight, f.Style, len(d.fonts))
	sum := h.Sum64()
	for i := range tag {
		tag[i] = byte('A' + sum%26)
		sum /= 26
	}
	face := strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' || strings.ContainsRune("()<>[]{}/%#", r) {
			return -1
		}
		return r
	}, f.Family)
	n := fmt.Sprintf("%s+%s-%d%s", tag, face, f.Weight, map[string]string{"italic": "Italic"}[f.Style])
	if err := d.gp.AddTTFFontData(n, f.Data()); err != nil {
		return "", fmt.Errorf("pdf: embedding %s %d %s: %w", f.Family, f.Weight, f.Style, err)
	}
	d.fonts[f] = n
	return n, nil
}

// holder returns the image object for img, encoding it once per document:
// JPEG for opaque photographs (sources that were JPEG), lossless PNG
// (with alpha) otherwise.
func (d *Document) holder(key string, img image.Image, photo bool) (gopdf.ImageHolder, error) {
	if h, ok := d.images[key]; ok {
		return h, nil
	}
	var buf bytes.Buffer
	if photo && opaque(img) {
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
			return nil, err
		}
	} else {
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(&buf, img); err != nil {
			return nil, err
		}
	}
	h, err := gopdf.ImageHolderByBytes(buf.Bytes())
	if err != nil {
		return nil, err
	}
	d.images[key] = h
	return h, nil
}

func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// addBleedBoxes adds a /BleedBox after each page's /TrimBox (gopdf writes
// only MediaBox and TrimBox) and rebuilds the cross-reference table.
func addBleedBoxes(pdf []byte, boxes []pageBoxes) []byte {
	var out bytes.Buffer
	out.Grow(len(pdf) + 64*len(boxes))
	i := 0
	rest := pdf
	for {
		k := bytes.Index(rest, []byte("/TrimBox ["))
		if k < 0 || i >= len(boxes) {
			break
		}
		end := bytes.IndexByte(rest[k:], ']')
		if end < 0 {
			break
		}
		end += k + 1
		out.Write(rest[:end])
		b := boxes[i].bleed
		fmt.Fprintf(&out, "\n /BleedBox [ %0.2f %0.2f %0.2f %0.2f ]", b[0], b[1], b[2], b[3])
		rest = rest[end:]
		i++
	}
	out.Write(rest)
	return fixXref(out.Bytes())
}

// fixXref recomputes the offsets of a classic xref table after edits.
func fixXref(pdf []byte) []byte {
	x := bytes.LastIndex(pdf, []byte("\nxref\n"))
	if x < 0 {
		return pdf
	}
	body := pdf[:x+1]
	tail := pdf[x+1:]
	offsets := map[int]int{}
	maxID := 0
	for pos := 0; pos < len(body); {
		nl := bytes.IndexByte(body[pos:], '\n')
		line := body[pos:]
		if nl >= 0 {
			line = body[pos : pos+nl]
		}
		if bytes.HasSuffix(line, []byte(" 0 obj")) {
			var id int
			if _, err := fmt.Sscanf(string(line), "%d 0 obj", &id); err == nil {
				offsets[id] = pos
				maxID = max(maxID, id)
			}
		}
		if nl < 0 {
			break
		}
		pos += nl + 1
	}
	trailer := tail[bytes.Index(tail, []byte("trailer")):]
	var out bytes.Buffer
	out.Write(body)
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", maxID+1)
	for id := 1; id <= maxID; id++ {
		if o, ok := offsets[id]; ok {
			fmt.Fprintf(&out, "%010d 00000 n \n", o)
		} else {
			out.WriteString("0000000000 65535 f \n")
		}
	}
	s := string(trailer)
	if k := strings.Index(s, "startxref"); k >= 0 {
		s = s[:k]
	}
	out.WriteString(s)
	fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", xref)
	return out.Bytes()
}
