package pdf

import (
	"context"
	"sync"

	"github.com/signintech/gopdf"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render"
)

// A page is painted, below its overlay, as a list of slots: the canvas
// background (slot 0), the background image (slot 1), then each object
// (slot 2+i). A slot is static when the page shares it with its template
// (fabric.Bind shares what a record does not change). Consecutive static
// slots form a layer: they are drawn once per document into a page of
// their own, imported as a form XObject and placed on every page, so a
// page costs only its personal objects (the PDF/VT idea).
type slot struct {
	index  int
	obj    fabric.Object // nil for the background fill
	static bool
}

// layerKey names a stored layer: the template side and the range of its
// slots (all of them: a range that holds a personal slot is never a
// layer), on a page of the given size.
type layerKey struct {
	side        *fabric.Canvas
	first, last int
	w, h        float64
}

// slots lists what c paints below its overlay. Slots empty in both c and
// tpl are left out; one empty only in c is personal (it draws nothing but
// ends a layer), so a layer's range always holds the same objects.
func slots(c, tpl *fabric.Canvas) []slot {
	out := make([]slot, 0, 2+len(c.Objects))
	add := func(i int, o fabric.Object, empty, tplEmpty, same bool) {
		if empty && tplEmpty {
			return
		}
		out = append(out, slot{index: i, obj: o, static: tpl != nil && !empty && same})
	}
	var tb fabric.Paint
	var tbi fabric.Object
	if tpl != nil {
		tb, tbi = tpl.Background, tpl.BackgroundImage
	}
	add(0, nil, c.Background.IsNone(), tb.IsNone(), tpl != nil && c.Background == tb)
	add(1, c.BackgroundImage, c.BackgroundImage == nil, tbi == nil, c.BackgroundImage == tbi)
	for i, o := range c.Objects {
		var t fabric.Object
		if tpl != nil && i < len(tpl.Objects) {
			t = tpl.Objects[i]
		}
		add(2+i, o, o == nil, t == nil, o == t)
	}
	return out
}

// stretches calls fn with each run of consecutive slots that are all
// static or all personal, in order.
func stretches(ss []slot, fn func(ss []slot, static bool) error) error {
	for i := 0; i < len(ss); {
		j := i + 1
		for j < len(ss) && ss[j].static == ss[i].static {
			j++
		}
		if err := fn(ss[i:j], ss[i].static); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// storeLayers makes sure every layer of page c (bound from tpl) is
// stored, so that an object of the template that cannot be drawn fails
// the page before it is added.
func (d *Document) storeLayers(ctx context.Context, pg *page, c, tpl *fabric.Canvas) error {
	if tpl == nil || c.ClipPath != nil {
		return nil
	}
	return stretches(slots(c, tpl), func(ss []slot, static bool) error {
		if !static {
			return nil
		}
		_, err := d.layer(ctx, pg, c, tpl, ss)
		return err
	})
}

// personal returns the part of c a page writes itself: c without what
// it shares with tpl (see slots), for a plan that prepares only that. A
// canvas clip makes the whole page one raster: c is returned whole.
func personal(c, tpl *fabric.Canvas) *fabric.Canvas {
	if tpl == nil || c.ClipPath != nil {
		return c
	}
	p := *c
	p.Objects = nil
	for _, s := range slots(c, tpl) {
		switch {
		case s.index >= 2 && !s.static:
			p.Objects = append(p.Objects, s.obj)
		case s.index == 0 && s.static:
			p.Background = fabric.Paint{}
		case s.index == 1 && s.static:
			p.BackgroundImage = nil
		}
	}
	return &p
}

// layer returns the template id of the layer of static slots ss of c (a
// page bound from tpl), importing it the first time: a one-page PDF of
// just those objects, made by a document of its own, so its text keeps
// real fonts and its images and rasters are embedded once. With a
// LayerCache the one-page PDF is drawn once for every document.
func (d *Document) layer(ctx context.Context, pg *page, c, tpl *fabric.Canvas, ss []slot) (int, error) {
	key := layerKey{side: tpl, first: ss[0].index, last: ss[len(ss)-1].index, w: pg.pw, h: pg.ph}
	if id, ok := d.layers[key]; ok {
		return id, nil
	}
	var data []byte
	var err error
	if lc := d.opts.Layers; lc != nil {
		data, err = lc.get(key, func(part int) ([]byte, error) { return d.drawLayer(ctx, pg, c, ss, part) })
	} else {
		data, err = d.drawLayer(ctx, pg, c, ss, len(d.layers)+1)
	}
	if err != nil {
		return 0, err
	}
	id, err := d.importPage(data)
	if err != nil {
		return 0, err
	}
	d.layers[key] = id
	return id, nil
}

// drawLayer draws static slots ss of c as a one-page PDF; part tells its
// font subsets from those of the other layers of a document.
func (d *Document) drawLayer(ctx context.Context, pg *page, c *fabric.Canvas, ss []slot, part int) ([]byte, error) {
	lc := &fabric.Canvas{Version: c.Version, Width: c.Width, Height: c.Height}
	for _, s := range ss {
		switch s.index {
		case 0:
			lc.Background = c.Background
		case 1:
			lc.BackgroundImage = s.obj
		default:
			lc.Objects = append(lc.Objects, s.obj)
		}
	}
	plan, err := render.Compile(ctx, lc, d.renderOptions(pg.w, pg.h))
	if err != nil {
		return nil, err
	}
	sub := NewDocument(d.opts)
	sub.part = part
	sub.start(pg)
	sub.gp.AddPageWithOption(gopdf.PageOption{PageSize: &gopdf.Rect{W: pg.pw, H: pg.ph}})
	e := &emitter{d: sub, ctx: ctx, plan: plan, pg: pg, canvas: lc}
	for _, s := range ss {
		if err := e.slot(s); err != nil {
			return nil, err
		}
	}
	if err := e.flush(); err != nil {
		return nil, err
	}
	return sub.bytes()
}

// LayerCache keeps the layers of templates (their static runs drawn as
// one-page PDFs) for every document made with the same Options, so a PDF
// per recipient imports its template's art instead of drawing it again.
// It is safe for concurrent use. A layer that failed is not kept.
type LayerCache struct {
	mu     sync.Mutex
	layers map[layerKey]*cachedLayer
	parts  int // numbers handed out: unique, so layers never share a font subset name
}

type cachedLayer struct {
	ready chan struct{} // closed when data or err is set
	data  []byte
	err   error
}

// get returns the layer of key, drawing it with draw (given a part number
// of its own) if no document has.
func (lc *LayerCache) get(key layerKey, draw func(part int) ([]byte, error)) ([]byte, error) {
	lc.mu.Lock()
	if lc.layers == nil {
		lc.layers = map[layerKey]*cachedLayer{}
	}
	if l, ok := lc.layers[key]; ok {
		lc.mu.Unlock()
		<-l.ready
		if l.err == nil {
			return l.data, nil
		}
		return draw(lc.nextPart())
	}
	l := &cachedLayer{ready: make(chan struct{})}
	lc.layers[key] = l
	lc.parts++
	part := lc.parts
	lc.mu.Unlock()
	l.data, l.err = draw(part)
	if l.err != nil {
		lc.mu.Lock()
		delete(lc.layers, key)
		lc.mu.Unlock()
	}
	close(l.ready)
	return l.data, l.err
}

func (lc *LayerCache) nextPart() int {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.parts++
	return lc.parts
}
