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
	// Layers, when set, shares the drawn art of templates between the
	// documents made with these options (one PDF per recipient).
	Layers *LayerCache
}

// Document is a PDF being assembled, one page per piece. Pages that come
// from one template share what no binding changed: it is stored once as
// layers (see slot), and each page only adds its personalised objects
// (the PDF/VT idea). A Document is not safe for concurrent use.
type Document struct {
	opts   Options
	gp     *gopdf.GoPdf
	pages  int
	fonts  map[*font.Font]string
	images map[imageID]gopdf.ImageHolder // each image embedded once
	layers map[layerKey]int              // imported template of each stored layer
	// runs are the vector runs of all pages, by marker number, and gs
	// their ExtGStates; finish writes them into the content streams.
	runs [][]byte
	gs   gstates
	// streams keeps every PDF handed to gofpdi alive: gofpdi names a
	// source by the address of its *io.ReadSeeker, so a freed one whose
	// address came back would be taken for an earlier import (and the
	// page would show that import's content).
	streams []*io.ReadSeeker
	boxes   []pageBoxes
	err     error
	// part tells a layer's document (1, 2, ...) from the one it is
	// imported into (0), so that their font subsets get distinct tags.
	part int
}

type pageBoxes struct{ media, trim, bleed [4]float64 }

// NewDocument starts an empty document.
func NewDocument(opts Options) *Document {
	opts = opts.withDefaults()
	return &Document{opts: opts, fonts: map[*font.Font]string{}, images: map[imageID]gopdf.ImageHolder{}, layers: map[layerKey]int{}, gs: gstates{names: map[string]string{}}}
}

// withDefaults fills in the options left zero.
func (o Options) withDefaults() Options {
	if o.DPI <= 0 {
		o.DPI = 300
	}
	if o.Creator == "" {
		o.Creator = "fabricpress"
	}
	return o
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
	p, err := Prepare(ctx, c, width, height, tpl, d.opts)
	if err != nil {
		return err
	}
	return d.AddPrepared(ctx, p)
}

// Page is a page compiled ahead of being added: what it does not share
// with its template laid out, its codes and images ready. That is most of
// a page's cost, so many goroutines can prepare pages that one writer then
// adds in order.
type Page struct {
	c, tpl        *fabric.Canvas
	width, height float64
	plan          *render.Plan
	opts          Options
}

// Prepare compiles the page of c, bound from tpl (nil: nothing shared), for
// a document made with opts. It is safe for concurrent use.
func Prepare(ctx context.Context, c *fabric.Canvas, width, height float64, tpl *fabric.Canvas, opts Options) (*Page, error) {
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("pdf: canvas size %gx%g", width, height)
	}
	opts = opts.withDefaults()
	// Only what the page does not share with tpl is compiled: the rest is
	// in layers stored once per document.
	plan, err := render.Compile(ctx, personal(c, tpl), renderOptions(opts, width, height))
	if err != nil {
		return nil, err
	}
	return &Page{c: c, tpl: tpl, width: width, height: height, plan: plan, opts: opts}, nil
}

// AddPrepared adds a page Prepare made with the document's options.
func (d *Document) AddPrepared(ctx context.Context, p *Page) error {
	if d.err != nil {
		return d.err
	}
	if p.opts.DPI != d.opts.DPI || p.opts.Render.Fonts != d.opts.Render.Fonts {
		return errors.New("pdf: page prepared with other options than the document's")
	}
	c, tpl, width, height, plan := p.c, p.tpl, p.width, p.height, p.plan
	pg := d.page(width, height)
	if d.gp == nil {
		d.start(pg)
		d.gp.SetInfo(gopdf.PdfInfo{Title: d.opts.Title, Author: d.opts.Author, Subject: d.opts.Subject, Creator: d.opts.Creator, Producer: "fabricpress (gopdf)"})
	}
	if err := d.storeLayers(ctx, pg, c, tpl); err != nil {
		return err
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

// renderOptions are the options of the plans of a width×height canvas.
func (d *Document) renderOptions(width, height float64) render.Options {
	return renderOptions(d.opts, width, height)
}

func renderOptions(o Options, width, height float64) render.Options {
	ro := o.Render
	ro.Width, ro.Height, ro.Scale = width, height, o.DPI/96
	return ro
}

// page is the geometry of a width×height canvas's page.
func (d *Document) page(width, height float64) *page {
	pg := &page{w: width, h: height, bleed: d.opts.Bleed}
	if d.opts.CropMarks {
		pg.margin = markMargin
	}
	pg.pw = (width+2*pg.bleed)*pt + 2*pg.margin
	pg.ph = (height+2*pg.bleed)*pt + 2*pg.margin
	return pg
}

// start begins the gopdf document. gopdf writes content streams
// uncompressed: finish adds the vector runs and compresses them.
func (d *Document) start(pg *page) {
	d.gp = &gopdf.GoPdf{}
	d.gp.Start(gopdf.Config{PageSize: gopdf.Rect{W: pg.pw, H: pg.ph}, Unit: gopdf.UnitPT})
	d.gp.SetNoCompression()
}

// importPage imports page 1 of a PDF as a form XObject and returns its
// template id.
func (d *Document) importPage(pdf []byte) (id int, err error) {
	defer func() {
		// gofpdi panics on what it cannot parse.
		if r := recover(); r != nil {
			err = fmt.Errorf("pdf: importing a layer: %v", r)
		}
	}()
	rs := io.ReadSeeker(bytes.NewReader(pdf))
	d.streams = append(d.streams, &rs)
	return d.gp.ImportPageStream(&rs, 1, "/MediaBox"), nil
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
	out, err := d.bytes()
	if err != nil {
		return 0, err
	}
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
	fmt.Fprintf(h, "%s|%d|%s|%d|%d", f.File, f.Weight, f.Style, len(d.fonts), d.part)
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

// imageID names an image object of a document by what it shows: the
// source and filters the plan decoded, the part drawn and the size it was
// resampled to (0 if not). Not by the decoded bitmap's address: a page's
// bitmap may be freed once the page is written, and its address reused
// by another recipient's image.
type imageID struct {
	src, filters string
	sub          image.Rectangle
	w, h         int
}

// holder encodes img as an image object: JPEG for opaque photographs
// (sources that were JPEG), lossless PNG (with alpha) otherwise.
func (d *Document) holder(img image.Image, photo bool) (gopdf.ImageHolder, error) {
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
	return gopdf.ImageHolderByBytes(buf.Bytes())
}

func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}
