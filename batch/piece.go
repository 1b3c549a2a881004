package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fabricpress/fabricpress/internal/jpegenc"
	"github.com/fabricpress/fabricpress/internal/pngenc"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/pdf"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/code"
)

// Output formats of a Template.
const (
	FormatPNG  = "png"
	FormatJPEG = "jpeg"
)

// DefaultJPEGQuality is the JPEG quality when Template.JPEGQuality is 0.
const DefaultJPEGQuality = 90

// ErrMissingField is wrapped by the error Validate returns when a record
// lacks a value for a required field.
var ErrMissingField = errors.New("missing required field")

// Template is one parsed design ready to be personalised: the canvas, the
// mapping of record fields to it, the render options and the output format.
//
// A Template is safe for concurrent use once set up: RenderPiece may be
// called from many goroutines at once. Set Render.Cache (one
// render.NewImageCache per batch) so the template's artwork is decoded once,
// not once per recipient.
type Template struct {
	Canvas  *fabric.Canvas
	Mapping *fabric.Mapping // nil: placeholders in text only
	Render  render.Options
	// Format is FormatPNG (the default when empty), FormatJPEG or
	// FormatPDF.
	Format string
	// JPEGQuality is 1 to 100; 0 means DefaultJPEGQuality.
	JPEGQuality int
	// Back is the other side of a two-sided piece (same canvas size,
	// bound with the same record and mapping); PDF pieces get a page for
	// each side.
	Back *fabric.Canvas
	// PDF holds the print options of PDF pieces (bleed, crop marks, DPI);
	// its Render options are taken from Render.
	PDF pdf.Options

	// front is the front compiled once, its static objects painted and
	// compressed once (made by the first piece; the fields above must not
	// change after).
	front   atomic.Pointer[compiledFront]
	frontMu sync.Mutex
	pieces  atomic.Int64 // pieces asked for so far
	// pdfLayers are the template's static runs drawn as PDF once.
	pdfLayers pdf.LayerCache
}

// compiledFront is what every piece of a template shares.
type compiledFront struct {
	layers *render.Layered
	png    *pngenc.Static  // the static layer's PNG rows; nil unless PNG
	jpeg   *jpegenc.Static // its JPEG MCU rows; nil unless JPEG
}

// compiled returns the compiled front, making it on first use. An error
// is not kept: the next piece tries again (and reports it again).
func (t *Template) compiled(ctx context.Context, format string) (*compiledFront, error) {
	if f := t.front.Load(); f != nil {
		return f, nil
	}
	t.frontMu.Lock()
	defer t.frontMu.Unlock()
	if f := t.front.Load(); f != nil {
		return f, nil
	}
	var quality int
	if format == FormatJPEG {
		q, err := t.jpegQuality() // before painting layers it could not encode
		if err != nil {
			return nil, err
		}
		quality = q
	}
	l, err := render.NewLayered(ctx, t.Canvas, t.mappingFor(t.Canvas).Variable(t.Canvas), t.Render)
	if err != nil {
		return nil, err
	}
	f := &compiledFront{layers: l}
	switch format {
	case FormatPNG:
		f.png = pngenc.NewStatic(l.Static())
	case FormatJPEG:
		f.jpeg = jpegenc.NewStatic(l.Static(), quality)
	}
	t.front.Store(f)
	return f, nil
}

// mappingFor is the part of the mapping that binds one side.
func (t *Template) mappingFor(side *fabric.Canvas) *fabric.Mapping {
	if t.Mapping != nil && t.Back != nil {
		// Two sides share one mapping: each side takes the bindings
		// naming its own objects.
		return t.Mapping.For(side)
	}
	return t.Mapping
}

// FormatPDF makes each piece a print PDF (one page per side).
const FormatPDF = "pdf"

// Sides binds record to the front (and back) and returns the personalised
// canvases with the templates they came from, after Validate's checks.
func (t *Template) Sides(record map[string]string) (bound, tpls []*fabric.Canvas, err error) {
	c, err := t.bind(t.Canvas, record)
	if err != nil {
		return nil, nil, err
	}
	bound, tpls = []*fabric.Canvas{c}, []*fabric.Canvas{t.Canvas}
	if t.Back != nil {
		b, err := t.bind(t.Back, record)
		if err != nil {
			return nil, nil, err
		}
		bound, tpls = append(bound, b), append(tpls, t.Back)
	}
	return bound, tpls, nil
}

// PDFOptions returns the PDF options with the template's render options.
func (t *Template) PDFOptions() pdf.Options {
	o := t.PDF
	o.Render = t.Render
	if o.Layers == nil {
		// Every PDF of the template imports its art drawn once.
		o.Layers = &t.pdfLayers
	}
	return o
}

// Piece is one rendered recipient.
type Piece struct {
	Data []byte // the encoded image
	Ext  string // its file extension with the dot: ".png" or ".jpg"
	// Warnings are what the renderer substituted for this recipient (a
	// glyph taken from another font, an image skipped), one line each.
	Warnings []string
}

// Validate checks a record (template field -> value) before anything is
// rendered: every required field (see fabric.Mapping.Fields) has a
// non-empty value (absent, empty and all-space values are missing), every QR code's content fits its error-correction level,
// and every Code 128 content can be encoded. The error is one line and names
// the fields or the object at fault.
func (t *Template) Validate(record map[string]string) error {
	_, _, err := t.Sides(record)
	return err
}

// bind validates record against one side and returns it personalised.
func (t *Template) bind(side *fabric.Canvas, record map[string]string) (*fabric.Canvas, error) {
	if side == nil {
		return nil, errors.New("batch: template has no canvas")
	}
	var missing []string
	for _, f := range t.Mapping.Fields(side) {
		if f.Required && strings.TrimSpace(record[f.Name]) == "" {
			missing = append(missing, f.Name)
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		return nil, fmt.Errorf("%w %s", ErrMissingField, missing[0])
	default: // "missing required fields a, b"
		return nil, fmt.Errorf("%ws %s", ErrMissingField, strings.Join(missing, ", "))
	}
	c, err := fabric.Bind(side, record, t.mappingFor(side))
	if err != nil {
		return nil, oneLineError(err)
	}
	if err := checkCodes(c.Objects); err != nil {
		return nil, err
	}
	return c, nil
}

// qrAlwaysFits is the byte capacity of the largest QR symbol (version 40)
// at the highest error correction (H) in byte mode: content no longer than
// this fits at every level, whatever its characters.
const qrAlwaysFits = 1273

// checkCodes encodes every barcode of objs (and of their groups) to catch
// content that no symbol can hold.
func checkCodes(objs []fabric.Object) error {
	for _, o := range objs {
		switch b := o.(type) {
		case *fabric.Group:
			if err := checkCodes(b.Objects); err != nil {
				return err
			}
		case *fabric.Barcode:
			where := b.JSONPath
			if b.Name != "" {
				where += " (" + b.Name + ")"
			} else if b.ID != "" {
				where += " (" + b.ID + ")"
			}
			switch b.Symbology {
			case "code128":
				if _, err := code.Code128(b.Content); err != nil {
					return fmt.Errorf("%s: %w", where, err)
				}
			default:
				if n := len(b.Content); n > 0 && n <= qrAlwaysFits {
					continue // no need to build the symbol just to know it fits
				}
				level := code.Medium
				if b.Level != "" {
					l, err := code.ParseLevel(b.Level)
					if err != nil {
						return fmt.Errorf("%s: %w", where, err)
					}
					level = l
				}
				if _, err := code.QR(b.Content, level); err != nil {
					return fmt.Errorf("%s: %w", where, err)
				}
			}
		}
	}
	return nil
}

// RenderPiece validates record, binds it to the template, renders it and
// encodes the image. It returns the encoded bytes and their file extension
// (".png" or ".jpg"). Errors concern this record only and are one line.
func (t *Template) RenderPiece(ctx context.Context, record map[string]string) ([]byte, string, error) {
	p, err := t.Piece(ctx, record)
	if err != nil {
		return nil, "", err
	}
	return p.Data, p.Ext, nil
}

// Piece is RenderPiece with the renderer's warnings for this record.
func (t *Template) Piece(ctx context.Context, record map[string]string) (*Piece, error) {
	format, ext := t.Format, ".png"
	switch strings.ToLower(format) {
	case "", FormatPNG:
		format = FormatPNG
	case FormatJPEG, "jpg":
		format, ext = FormatJPEG, ".jpg"
	case FormatPDF:
		return t.pdfPiece(ctx, record)
	default:
		return nil, fmt.Errorf("batch: unknown format %q (want png, jpeg or pdf)", t.Format)
	}
	sides, _, err := t.Sides(record)
	if err != nil {
		return nil, err
	}
	var front *compiledFront
	var fr *frameBuf
	var warnings []string
	var dirty []image.Rectangle
	if t.pieces.Add(1) == 1 {
		// The first piece is drawn whole: a template rendered once (a
		// single proof or sync render) would not repay its layers.
		plan, err := render.Compile(ctx, sides[0], t.Render)
		if err != nil {
			return nil, oneLineError(err)
		}
		fr = getFrame(plan.Bounds())
		fr.layers = nil
		if err := plan.RenderTo(ctx, fr.img); err != nil {
			framePool.Put(fr)
			return nil, oneLineError(err)
		}
		warnings = plan.Warnings()
	} else {
		if front, err = t.compiled(ctx, format); err != nil {
			return nil, oneLineError(err)
		}
		fr = getFrame(front.layers.Bounds())
		frame, err := fr.render(ctx, front.layers, sides[0])
		if err != nil {
			framePool.Put(fr)
			return nil, oneLineError(err)
		}
		warnings, dirty = frame.Plan.Warnings(), frame.Dirty
	}
	defer framePool.Put(fr)
	img := fr.img

	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if format == FormatJPEG {
		// jpegenc composites over white as it converts: the frame stays a
		// frame of the layers, for the next piece to draw over.
		var q int
		if q, err = t.jpegQuality(); err != nil {
			return nil, err
		}
		if front != nil && front.jpeg != nil {
			err = front.jpeg.Encode(buf, img, dirty)
		} else {
			err = jpegenc.Encode(buf, img, q)
		}
	} else if front != nil && front.png != nil {
		err = front.png.Encode(buf, img, dirty)
	} else {
		err = pngenc.Encode(buf, img)
	}
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", format, err)
	}
	return &Piece{Data: bytes.Clone(buf.Bytes()), Ext: ext, Warnings: slices.Clone(warnings)}, nil
}

// jpegQuality is the template's JPEG quality, checked.
func (t *Template) jpegQuality() (int, error) {
	q := t.JPEGQuality
	if q == 0 {
		q = DefaultJPEGQuality
	}
	if q < 1 || q > 100 {
		return 0, fmt.Errorf("batch: JPEG quality %d is out of range 1-100", q)
	}
	return q, nil
}

// oneLineError flattens line breaks in err's message, keeping err for
// errors.Is and errors.As.
func oneLineError(err error) error {
	msg := err.Error()
	if !strings.ContainsAny(msg, "\r\n") {
		return err
	}
	return &flatError{msg: strings.Join(strings.FieldsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' }), " "), err: err}
}

type flatError struct {
	msg string
	err error
}

func (e *flatError) Error() string { return e.msg }
func (e *flatError) Unwrap() error { return e.err }

// Buffers shared by every Template: rendering targets and encoder scratch.
var (
	framePool sync.Pool // *frameBuf
	bufPool   = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// frameBuf is a pooled output raster that remembers the last frame drawn
// into it, so the next frame of the same layers resets only what that one
// changed.
type frameBuf struct {
	img    *image.RGBA
	layers *render.Layered   // whose frame img holds; nil: none
	dirty  []image.Rectangle // that frame's Dirty
}

// getFrame returns a pooled raster of bounds r, or a new one.
func getFrame(r image.Rectangle) *frameBuf {
	for range 2 {
		f, ok := framePool.Get().(*frameBuf)
		if !ok {
			break
		}
		if f.img.Rect == r {
			return f
		}
		// A piece of another size (another template): let it go.
	}
	return &frameBuf{img: image.NewRGBA(r)}
}

// render draws c with l into the raster.
func (f *frameBuf) render(ctx context.Context, l *render.Layered, c *fabric.Canvas) (render.Frame, error) {
	var fr render.Frame
	var err error
	if f.layers == l {
		fr, err = l.RenderOver(ctx, c, f.img, f.dirty)
	} else {
		fr, err = l.RenderTo(ctx, c, f.img)
	}
	f.layers, f.dirty = l, fr.Dirty
	if err != nil {
		f.layers = nil
	}
	return fr, err
}

// pdfPiece renders a recipient as a print PDF, a page per side.
func (t *Template) pdfPiece(ctx context.Context, record map[string]string) (*Piece, error) {
	sides, tpls, err := t.Sides(record)
	if err != nil {
		return nil, err
	}
	doc := pdf.NewDocument(t.PDFOptions())
	for i, c := range sides {
		if err := doc.AddPage(ctx, c, t.Render.Width, t.Render.Height, tpls[i]); err != nil {
			return nil, oneLineError(err)
		}
	}
	var buf bytes.Buffer
	if _, err := doc.WriteTo(&buf); err != nil {
		return nil, err
	}
	return &Piece{Data: buf.Bytes(), Ext: ".pdf"}, nil
}
