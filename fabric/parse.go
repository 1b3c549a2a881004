package fabric

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// Limits bound what Parse accepts, so a hostile document cannot exhaust
// memory or time. A zero field means the default.
type Limits struct {
	MaxBytes        int     // whole document; default 64 MiB
	MaxObjects      int     // objects of every kind incl. group children and clip paths; default 20,000
	MaxDepth        int     // group and clipPath nesting; default 32
	MaxStringBytes  int     // any one string (data URLs included); default 32 MiB
	MaxTextBytes    int     // one text object's text; default 64 KiB
	MaxPoints       int     // points plus path commands, summed over the document; default 2,000,000
	MaxCanvasPixels float64 // stored canvas width × height; default 100,000,000
}

// DefaultLimits are the limits used when ParseOptions leaves them zero.
var DefaultLimits = Limits{
	MaxBytes:        64 << 20,
	MaxObjects:      20000,
	MaxDepth:        32,
	MaxStringBytes:  32 << 20,
	MaxTextBytes:    64 << 10,
	MaxPoints:       2000000,
	MaxCanvasPixels: 100e6,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxBytes > 0 {
		d.MaxBytes = l.MaxBytes
	}
	if l.MaxObjects > 0 {
		d.MaxObjects = l.MaxObjects
	}
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxStringBytes > 0 {
		d.MaxStringBytes = l.MaxStringBytes
	}
	if l.MaxTextBytes > 0 {
		d.MaxTextBytes = l.MaxTextBytes
	}
	if l.MaxPoints > 0 {
		d.MaxPoints = l.MaxPoints
	}
	if l.MaxCanvasPixels > 0 {
		d.MaxCanvasPixels = l.MaxCanvasPixels
	}
	return d
}

// ParseOptions configure Parse. The zero value (or nil) is fine.
type ParseOptions struct {
	Limits Limits
	// DefaultVersion is assumed for objects when neither they nor the
	// canvas carry a "version" key; default "5.3.0".
	DefaultVersion string
}

// Parse reads a Fabric canvas document (the JSON canvas.toJSON() writes)
// into typed values with every default applied. Errors are *Error values
// naming the JSON path at fault, or a *SyntaxError.
func Parse(data []byte, opts *ParseOptions) (*Canvas, error) {
	if opts == nil {
		opts = &ParseOptions{}
	}
	p := &parser{lim: opts.Limits.withDefaults(), defVersion: opts.DefaultVersion}
	if p.defVersion == "" {
		p.defVersion = "5.3.0"
	}
	if len(data) > p.lim.MaxBytes {
		return nil, &Error{Err: fmt.Errorf("%w: document is %d bytes, more than %d", ErrLimit, len(data), p.lim.MaxBytes)}
	}
	if !gjson.ValidBytes(data) {
		return nil, syntaxError(data)
	}
	root := gjson.ParseBytes(data)
	if !root.IsObject() {
		return nil, &Error{Err: fmt.Errorf("document is a JSON %s, not a Fabric canvas object", jsonKind(root))}
	}
	return p.canvas(root)
}

func syntaxError(data []byte) error {
	var v any
	err := json.NewDecoder(bytes.NewReader(data)).Decode(&v)
	var se *json.SyntaxError
	if ok := asSyntax(err, &se); ok {
		return &SyntaxError{Offset: se.Offset, Msg: se.Error()}
	}
	if err == nil {
		return &SyntaxError{Offset: int64(len(data)), Msg: "trailing data after the document"}
	}
	return &SyntaxError{Offset: int64(len(data)), Msg: err.Error()}
}

func asSyntax(err error, target **json.SyntaxError) bool {
	se, ok := err.(*json.SyntaxError)
	if ok {
		*target = se
	}
	return ok
}

type parser struct {
	lim        Limits
	defVersion string
	objects    int
	points     int
}

func jsonKind(r gjson.Result) string {
	switch r.Type {
	case gjson.Null:
		return "null"
	case gjson.False, gjson.True:
		return "boolean"
	case gjson.Number:
		return "number"
	case gjson.String:
		return "string"
	}
	if r.IsArray() {
		return "array"
	}
	return "object"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func (p *parser) canvas(root gjson.Result) (*Canvas, error) {
	c := &Canvas{}
	keys := fields(root)
	if v, ok := keys["version"]; ok && v.Type == gjson.String {
		c.Version = v.Str
	}
	ver := c.Version
	if ver == "" {
		ver = p.defVersion
	}
	var err error
	if c.Width, err = p.optNumber(keys, "", "width", 0); err != nil {
		return nil, err
	}
	if c.Height, err = p.optNumber(keys, "", "height", 0); err != nil {
		return nil, err
	}
	if c.Width < 0 || c.Height < 0 {
		return nil, errorf("width", "canvas size %gx%g is negative", c.Width, c.Height)
	}
	if c.Width*c.Height > p.lim.MaxCanvasPixels {
		return nil, &Error{Path: "width", Err: fmt.Errorf("%w: canvas %gx%g is more than %g pixels", ErrLimit, c.Width, c.Height, p.lim.MaxCanvasPixels)}
	}
	objs, ok := keys["objects"]
	if !ok || objs.Type == gjson.Null {
		var names []string
		for k := range keys {
			names = append(names, k)
		}
		return nil, errorf("objects", "missing: not a Fabric canvas document (top-level keys: %s)", strings.Join(sortedStrings(names), ", "))
	}
	if c.Objects, err = p.objectList(objs, "objects", ver, 1); err != nil {
		return nil, err
	}
	if c.Background, err = p.paint(keys["background"], "background", ver); err != nil {
		return nil, err
	}
	if c.Overlay, err = p.paint(keys["overlay"], "overlay", ver); err != nil {
		return nil, err
	}
	for _, k := range []struct {
		key string
		dst *Object
	}{{"backgroundImage", &c.BackgroundImage}, {"overlayImage", &c.OverlayImage}, {"clipPath", &c.ClipPath}} {
		v, ok := keys[k.key]
		if !ok || !v.IsObject() {
			if ok && v.Type != gjson.Null && v.Type != gjson.False && !(v.Type == gjson.String && v.Str == "") {
				return nil, errorf(k.key, "expected an object, got a JSON %s", jsonKind(v))
			}
			continue
		}
		if *k.dst, err = p.object(v, k.key, ver, 1); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// fields collects an object's keys; later duplicates win, as in JS.
func fields(r gjson.Result) map[string]gjson.Result {
	m := make(map[string]gjson.Result, 40)
	r.ForEach(func(k, v gjson.Result) bool {
		m[k.Str] = v
		return true
	})
	return m
}

func (p *parser) objectList(arr gjson.Result, path, ver string, depth int) ([]Object, error) {
	if !arr.IsArray() {
		return nil, errorf(path, "expected an array of objects, got a JSON %s", jsonKind(arr))
	}
	var out []Object
	var err error
	i := 0
	arr.ForEach(func(_, v gjson.Result) bool {
		var o Object
		o, err = p.object(v, index(path, i), ver, depth)
		if err != nil {
			return false
		}
		out = append(out, o)
		i++
		return true
	})
	return out, err
}

// typeKinds maps every spelling of "type" that Fabric 4–7 write or accept,
// lower-cased, to the class.
var typeKinds = map[string]Kind{
	"rect": KindRect, "circle": KindCircle, "ellipse": KindEllipse, "triangle": KindTriangle,
	"line": KindLine, "polyline": KindPolyline, "polygon": KindPolygon, "path": KindPath,
	"text": KindText, "i-text": KindIText, "itext": KindIText, "textbox": KindTextbox,
	"image": KindImage, "group": KindGroup, "activeselection": KindActiveSelection,
}

func (p *parser) object(v gjson.Result, path, canvasVer string, depth int) (Object, error) {
	if depth > p.lim.MaxDepth {
		return nil, &Error{Path: path, Err: fmt.Errorf("%w: nesting deeper than %d", ErrLimit, p.lim.MaxDepth)}
	}
	p.objects++
	if p.objects > p.lim.MaxObjects {
		return nil, &Error{Path: path, Err: fmt.Errorf("%w: more than %d objects", ErrLimit, p.lim.MaxObjects)}
	}
	if !v.IsObject() {
		return nil, errorf(path, "expected an object, got a JSON %s", jsonKind(v))
	}
	keys := fields(v)
	tv, ok := keys["type"]
	if !ok || tv.Type != gjson.String {
		return nil, errorf(join(path, "type"), "missing or not a string")
	}
	kind, ok := typeKinds[strings.ToLower(tv.Str)]
	if !ok {
		return nil, &Error{Path: join(path, "type"), Err: fmt.Errorf("%w %q", ErrUnknownType, tv.Str)}
	}
	ver := canvasVer
	if vv, ok := keys["version"]; ok && vv.Type == gjson.String && vv.Str != "" {
		ver = vv.Str
	}
	if ver == "" {
		ver = p.defVersion
	}
	ob := &objectBuilder{p: p, keys: keys, path: path, ver: ver, major: majorVersion(ver), kind: kind, used: map[string]bool{}}
	return ob.build(depth)
}

// majorVersion returns the leading number of a version string, 0 if none.
func majorVersion(v string) int {
	n := 0
	for _, r := range v {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
		if n > 1000 {
			return 0
		}
	}
	return n
}

type objectBuilder struct {
	p     *parser
	keys  map[string]gjson.Result
	path  string
	ver   string
	major int
	kind  Kind
	used  map[string]bool
	err   error
}

func (b *objectBuilder) get(key string) (gjson.Result, bool) {
	b.used[key] = true
	v, ok := b.keys[key]
	if ok && v.Type == gjson.Null {
		return v, false
	}
	return v, ok
}

func (b *objectBuilder) num(key string, def float64) float64 {
	if b.err != nil {
		return def
	}
	v, ok := b.get(key)
	if !ok {
		return def
	}
	f, err := number(v)
	if err != nil {
		b.err = errorf(join(b.path, key), "%v", err)
		return def
	}
	return f
}

func (b *objectBuilder) str(key, def string) string {
	if b.err != nil {
		return def
	}
	v, ok := b.get(key)
	if !ok {
		return def
	}
	switch v.Type {
	case gjson.String:
		if len(v.Str) > b.p.lim.MaxStringBytes {
			b.err = &Error{Path: join(b.path, key), Err: fmt.Errorf("%w: string of %d bytes", ErrLimit, len(v.Str))}
			return def
		}
		return v.Str
	case gjson.Number:
		return v.Raw
	case gjson.True, gjson.False:
		return v.Raw
	}
	b.err = errorf(join(b.path, key), "expected a string, got a JSON %s", jsonKind(v))
	return def
}

func (b *objectBuilder) boolean(key string, def bool) bool {
	if b.err != nil {
		return def
	}
	v, ok := b.get(key)
	if !ok {
		return def
	}
	switch v.Type {
	case gjson.True:
		return true
	case gjson.False:
		return false
	case gjson.Number:
		return v.Num != 0
	case gjson.String:
		// JS truthiness: any non-empty string is true.
		return v.Str != ""
	}
	return true
}

func (b *objectBuilder) paint(key string) Paint {
	if b.err != nil {
		return Paint{}
	}
	v, _ := b.get(key)
	pt, err := b.p.paint(v, join(b.path, key), b.ver)
	if err != nil {
		b.err = err
	}
	return pt
}

// number converts a JSON value to a float64, accepting numeric strings as
// JavaScript arithmetic would.
func number(v gjson.Result) (float64, error) {
	switch v.Type {
	case gjson.Number:
		if math.IsInf(v.Num, 0) || math.IsNaN(v.Num) {
			return 0, fmt.Errorf("number %s out of range", v.Raw)
		}
		return v.Num, nil
	case gjson.String:
		s := strings.TrimSpace(v.Str)
		s = strings.TrimSuffix(s, "px")
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, fmt.Errorf("expected a number, got %q", truncate(v.Str, 40))
		}
		return f, nil
	case gjson.True:
		return 1, nil
	case gjson.False:
		return 0, nil
	}
	return 0, fmt.Errorf("expected a number, got a JSON %s", jsonKind(v))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (p *parser) optNumber(keys map[string]gjson.Result, path, key string, def float64) (float64, error) {
	v, ok := keys[key]
	if !ok || v.Type == gjson.Null {
		return def, nil
	}
	f, err := number(v)
	if err != nil {
		return def, errorf(join(path, key), "%v", err)
	}
	return f, nil
}

func origin(s string, horizontal bool) (float64, bool) {
	switch s {
	case "left", "top":
		return 0, true
	case "center":
		return 0.5, true
	case "right", "bottom":
		return 1, true
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return f, true
	}
	return 0, false
}

func (b *objectBuilder) origin(key string, def float64) float64 {
	if b.err != nil {
		return def
	}
	v, ok := b.get(key)
	if !ok {
		return def
	}
	if v.Type == gjson.Number {
		return v.Num
	}
	if v.Type == gjson.String {
		if f, ok := origin(v.Str, key == "originX"); ok {
			return f
		}
	}
	b.err = errorf(join(b.path, key), "unknown origin %s", truncate(v.Raw, 40))
	return def
}

// knownKeys are the serialised Fabric properties fabricpress interprets or
// deliberately ignores; everything else lands in Base.Custom.
var knownKeys = map[string]bool{
	"type": true, "version": true, "originX": true, "originY": true, "left": true, "top": true,
	"width": true, "height": true, "fill": true, "stroke": true, "strokeWidth": true,
	"strokeDashArray": true, "strokeLineCap": true, "strokeDashOffset": true, "strokeLineJoin": true,
	"strokeUniform": true, "strokeMiterLimit": true, "scaleX": true, "scaleY": true, "angle": true,
	"flipX": true, "flipY": true, "opacity": true, "shadow": true, "visible": true,
	"backgroundColor": true, "fillRule": true, "paintFirst": true, "globalCompositeOperation": true,
	"skewX": true, "skewY": true, "clipPath": true, "inverted": true, "absolutePositioned": true,
	"rx": true, "ry": true, "radius": true, "startAngle": true, "endAngle": true, "counterClockwise": true,
	"x1": true, "y1": true, "x2": true, "y2": true, "points": true, "path": true, "exactBoundingBox": true,
	"text": true, "fontSize": true, "fontWeight": true, "fontFamily": true, "fontStyle": true,
	"lineHeight": true, "underline": true, "overline": true, "linethrough": true, "textAlign": true,
	"textBackgroundColor": true, "charSpacing": true, "styles": true, "direction": true,
	"pathStartOffset": true, "pathSide": true, "pathAlign": true, "textDecorationThickness": true,
	"textDecorationColor": true, "minWidth": true, "splitByGrapheme": true,
	"cropX": true, "cropY": true, "src": true, "crossOrigin": true, "filters": true, "resizeFilter": true,
	"objects": true, "subTargetCheck": true, "interactive": true, "layoutManager": true,
	"pathOffset": true, "objectCaching": true,
}

func (b *objectBuilder) build(depth int) (Object, error) {
	base := b.base(depth)
	if b.err != nil {
		return nil, b.err
	}
	var obj Object
	switch b.kind {
	case KindRect:
		r := &Rect{Base: base, RX: b.num("rx", 0), RY: b.num("ry", 0)}
		// A single non-zero radius is copied to the other at construction.
		if r.RX != 0 && r.RY == 0 {
			r.RY = r.RX
		} else if r.RY != 0 && r.RX == 0 {
			r.RX = r.RY
		}
		obj = r
	case KindCircle:
		c := &Circle{Base: base, Radius: b.num("radius", 0), CounterClockwise: b.boolean("counterClockwise", false)}
		if b.major > 0 && b.major < 5 {
			// v4 stores the arc in radians.
			c.StartAngle = b.num("startAngle", 0) * 180 / math.Pi
			c.EndAngle = b.num("endAngle", 2*math.Pi) * 180 / math.Pi
		} else {
			c.StartAngle = b.num("startAngle", 0)
			c.EndAngle = b.num("endAngle", 360)
		}
		if c.Radius < 0 {
			c.Radius = 0
		}
		c.Width, c.Height = 2*c.Radius, 2*c.Radius
		obj = c
	case KindEllipse:
		e := &Ellipse{Base: base, RX: math.Abs(b.num("rx", 0)), RY: math.Abs(b.num("ry", 0))}
		e.Width, e.Height = 2*e.RX, 2*e.RY
		obj = e
	case KindTriangle:
		t := &Triangle{Base: base}
		if _, ok := b.keys["width"]; !ok {
			t.Width = 100
		}
		if _, ok := b.keys["height"]; !ok {
			t.Height = 100
		}
		obj = t
	case KindLine:
		l := &Line{Base: base, X1: b.num("x1", 0), Y1: b.num("y1", 0), X2: b.num("x2", 0), Y2: b.num("y2", 0)}
		l.Width, l.Height = math.Abs(l.X2-l.X1), math.Abs(l.Y2-l.Y1)
		obj = l
	case KindPolyline, KindPolygon:
		obj = b.poly(base)
	case KindPath:
		obj = b.pathObject(base)
	case KindText, KindIText, KindTextbox:
		obj = b.text(base)
	case KindImage:
		obj = b.image(base)
	case KindGroup, KindActiveSelection:
		g := &Group{Base: base, Selection: b.kind == KindActiveSelection}
		if v, ok := b.get("objects"); ok {
			var err error
			if g.Objects, err = b.p.objectList(v, join(b.path, "objects"), b.ver, depth+1); err != nil {
				return nil, err
			}
		}
		obj = g
	}
	if b.err != nil {
		return nil, b.err
	}
	b.custom(obj.Props())
	return obj, nil
}

func (b *objectBuilder) custom(base *Base) {
	for k, v := range b.keys {
		if knownKeys[k] {
			continue
		}
		if base.Custom == nil {
			base.Custom = map[string]any{}
		}
		base.Custom[k] = v.Value()
		switch k {
		case "name":
			base.Name = scalarString(v)
		case "id":
			base.ID = scalarString(v)
		}
	}
}

func scalarString(v gjson.Result) string {
	switch v.Type {
	case gjson.String:
		return v.Str
	case gjson.Number:
		return v.Raw
	}
	return ""
}

func (b *objectBuilder) base(depth int) Base {
	defOrigin := 0.0
	if b.major >= 7 {
		defOrigin = 0.5
	}
	defStroke := 1.0
	if b.kind == KindImage || b.kind == KindGroup || b.kind == KindActiveSelection {
		defStroke = 0
	}
	o := Base{
		Type:     b.keys["type"].Str,
		Version:  b.ver,
		JSONPath: b.path,
	}
	o.OriginX = b.origin("originX", defOrigin)
	o.OriginY = b.origin("originY", defOrigin)
	o.Left = b.num("left", 0)
	o.Top = b.num("top", 0)
	o.Width = b.num("width", 0)
	o.Height = b.num("height", 0)
	if _, present := b.keys["fill"]; present {
		o.Fill = b.paint("fill")
	} else {
		o.Fill = Paint{Kind: PaintColor, Color: color.NRGBA{0, 0, 0, 255}, Raw: "rgb(0,0,0)"}
	}
	o.Stroke = b.paint("stroke")
	o.StrokeWidth = b.num("strokeWidth", defStroke)
	o.StrokeDashArray = b.dashArray()
	o.StrokeLineCap = b.enum("strokeLineCap", "butt", "butt", "round", "square")
	o.StrokeDashOffset = b.num("strokeDashOffset", 0)
	o.StrokeLineJoin = b.enum("strokeLineJoin", "miter", "miter", "round", "bevel", "miter-clip")
	if o.StrokeLineJoin == "miter-clip" {
		o.StrokeLineJoin = "miter"
	}
	o.StrokeUniform = b.boolean("strokeUniform", false)
	o.StrokeMiterLimit = b.num("strokeMiterLimit", 4)
	o.ScaleX = b.num("scaleX", 1)
	o.ScaleY = b.num("scaleY", 1)
	o.Angle = b.num("angle", 0)
	o.FlipX = b.boolean("flipX", false)
	o.FlipY = b.boolean("flipY", false)
	// A negative scale becomes a flip; zero becomes 0.0001 (fabric-model.md §1.6).
	if o.ScaleX < 0 {
		o.ScaleX, o.FlipX = -o.ScaleX, !o.FlipX
	}
	if o.ScaleY < 0 {
		o.ScaleY, o.FlipY = -o.ScaleY, !o.FlipY
	}
	if o.ScaleX == 0 {
		o.ScaleX = 0.0001
	}
	if o.ScaleY == 0 {
		o.ScaleY = 0.0001
	}
	o.SkewX = b.num("skewX", 0)
	o.SkewY = b.num("skewY", 0)
	o.Opacity = b.num("opacity", 1)
	o.Visible = b.boolean("visible", true)
	o.Shadow = b.shadow()
	o.BackgroundColor = b.paint("backgroundColor")
	o.FillRule = b.enum("fillRule", "nonzero", "nonzero", "evenodd")
	o.PaintFirst = b.enum("paintFirst", "fill", "fill", "stroke")
	o.GlobalCompositeOperation = b.str("globalCompositeOperation", "source-over")
	if o.GlobalCompositeOperation == "" {
		o.GlobalCompositeOperation = "source-over"
	}
	o.Inverted = b.boolean("inverted", false)
	o.AbsolutePositioned = b.boolean("absolutePositioned", false)
	if v, ok := b.get("clipPath"); ok && v.IsObject() && b.err == nil {
		cp, err := b.p.object(v, join(b.path, "clipPath"), b.ver, depth+1)
		if err != nil {
			b.err = err
		} else {
			o.ClipPath = cp
		}
	}
	return o
}

// enum reads a string restricted to values; anything else keeps def, as the
// canvas ignores invalid lineCap/lineJoin values.
func (b *objectBuilder) enum(key, def string, values ...string) string {
	s := b.str(key, def)
	for _, v := range values {
		if s == v {
			return s
		}
	}
	return def
}

func (b *objectBuilder) dashArray() []float64 {
	v, ok := b.get("strokeDashArray")
	if !ok || b.err != nil {
		return nil
	}
	if !v.IsArray() {
		if v.Type == gjson.False || (v.Type == gjson.String && v.Str == "") {
			return nil
		}
		b.err = errorf(join(b.path, "strokeDashArray"), "expected an array of numbers, got a JSON %s", jsonKind(v))
		return nil
	}
	var out []float64
	i := 0
	v.ForEach(func(_, e gjson.Result) bool {
		f, err := number(e)
		if err != nil {
			b.err = errorf(index(join(b.path, "strokeDashArray"), i), "%v", err)
			return false
		}
		out = append(out, f)
		i++
		return i <= 1024
	})
	return out
}

var shadowRe = regexp.MustCompile(`(?:\s|^)(-?\d+(?:\.\d*)?(?:px)?(?:\s?|$))?(-?\d+(?:\.\d*)?(?:px)?(?:\s?|$))?(\d+(?:\.\d*)?(?:px)?)?(?:\s?|$)(?:$|\s)`)

func (b *objectBuilder) shadow() *Shadow {
	v, ok := b.get("shadow")
	if !ok || b.err != nil {
		return nil
	}
	path := join(b.path, "shadow")
	switch {
	case v.Type == gjson.String:
		if strings.TrimSpace(v.Str) == "" {
			return nil
		}
		return parseShadowString(v.Str)
	case v.IsObject():
		k := fields(v)
		s := &Shadow{}
		colour := "rgb(0,0,0)"
		if c, ok := k["color"]; ok && c.Type == gjson.String {
			colour = c.Str
		}
		s.Color = shadowColor(colour)
		var err error
		for _, f := range []struct {
			key string
			dst *float64
		}{{"blur", &s.Blur}, {"offsetX", &s.OffsetX}, {"offsetY", &s.OffsetY}} {
			if *f.dst, err = b.p.optNumber(k, path, f.key, 0); err != nil {
				b.err = err
				return nil
			}
		}
		s.AffectStroke = k["affectStroke"].Bool()
		s.NonScaling = k["nonScaling"].Bool()
		return s
	case v.Type == gjson.False:
		return nil
	}
	b.err = errorf(path, "expected an object or string, got a JSON %s", jsonKind(v))
	return nil
}

// parseShadowString reads Fabric's "offsetX offsetY blur colour" shorthand.
func parseShadowString(s string) *Shadow {
	s = strings.TrimSpace(s)
	out := &Shadow{}
	m := shadowRe.FindStringSubmatchIndex(s)
	rest := s
	if m != nil {
		vals := make([]float64, 3)
		for i := 0; i < 3; i++ {
			if m[2+2*i] >= 0 {
				t := strings.TrimSuffix(strings.TrimSpace(s[m[2+2*i]:m[3+2*i]]), "px")
				vals[i], _ = strconv.ParseFloat(t, 64)
			}
		}
		out.OffsetX, out.OffsetY, out.Blur = vals[0], vals[1], vals[2]
		rest = s[:m[0]] + s[m[1]:]
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		rest = "rgb(0,0,0)"
	}
	out.Color = shadowColor(rest)
	return out
}

// shadowColor parses a shadow colour; the canvas ignores an invalid one and
// keeps its default, transparent black, which draws no shadow.
func shadowColor(s string) color.NRGBA {
	c, ok := ParseCSSColor(s)
	if !ok {
		return color.NRGBA{}
	}
	return c
}

// paint reads a fill/stroke/background value: a CSS colour string, a
// gradient or a pattern object; null, false and "" paint nothing.
func (p *parser) paint(v gjson.Result, path, ver string) (Paint, error) {
	switch v.Type {
	case gjson.Null, gjson.False:
		return Paint{}, nil
	case gjson.String:
		if v.Str == "" {
			return Paint{}, nil
		}
		if len(v.Str) > 1024 {
			return Paint{}, errorf(path, "colour string of %d bytes", len(v.Str))
		}
		c, ok := ParseCSSColor(v.Str)
		if !ok {
			// The browser ignores it; the style stays the canvas default.
			c = color.NRGBA{0, 0, 0, 255}
		}
		return Paint{Kind: PaintColor, Color: c, Raw: v.Str}, nil
	case gjson.JSON:
		if !v.IsObject() {
			return Paint{}, errorf(path, "expected a colour, gradient or pattern, got a JSON %s", jsonKind(v))
		}
		k := fields(v)
		t := strings.ToLower(k["type"].Str)
		switch {
		case t == "linear" || t == "radial" || (t == "" && k["colorStops"].IsArray()):
			g, err := p.gradient(k, path, ver)
			if err != nil {
				return Paint{}, err
			}
			return Paint{Kind: PaintGradient, Gradient: g}, nil
		case t == "pattern" || (t == "" && k["source"].Exists()):
			pt, err := p.pattern(k, path)
			if err != nil {
				return Paint{}, err
			}
			return Paint{Kind: PaintPattern, Pattern: pt}, nil
		}
		return Paint{}, errorf(join(path, "type"), "unknown paint type %q", k["type"].Str)
	}
	return Paint{}, errorf(path, "expected a colour, gradient or pattern, got a JSON %s", jsonKind(v))
}

func (p *parser) gradient(k map[string]gjson.Result, path, ver string) (*Gradient, error) {
	g := &Gradient{Type: strings.ToLower(k["type"].Str)}
	if g.Type == "" {
		g.Type = "linear"
	}
	var err error
	if c := k["coords"]; c.IsObject() {
		ck := fields(c)
		cp := join(path, "coords")
		for _, f := range []struct {
			key string
			dst *float64
		}{{"x1", &g.X1}, {"y1", &g.Y1}, {"x2", &g.X2}, {"y2", &g.Y2}, {"r1", &g.R1}, {"r2", &g.R2}} {
			if *f.dst, err = p.optNumber(ck, cp, f.key, 0); err != nil {
				return nil, err
			}
		}
	}
	if g.OffsetX, err = p.optNumber(k, path, "offsetX", 0); err != nil {
		return nil, err
	}
	if g.OffsetY, err = p.optNumber(k, path, "offsetY", 0); err != nil {
		return nil, err
	}
	g.Percentage = k["gradientUnits"].Str == "percentage"
	if g.Transform, err = matrixValue(k["gradientTransform"], join(path, "gradientTransform")); err != nil {
		return nil, err
	}
	major := majorVersion(ver)
	stops := k["colorStops"]
	if stops.Exists() && !stops.IsArray() {
		return nil, errorf(join(path, "colorStops"), "expected an array, got a JSON %s", jsonKind(stops))
	}
	i := 0
	stops.ForEach(func(_, s gjson.Result) bool {
		sp := index(join(path, "colorStops"), i)
		i++
		if !s.IsObject() {
			err = errorf(sp, "expected a colour stop object")
			return false
		}
		sk := fields(s)
		off, e := p.optNumber(sk, sp, "offset", 0)
		if e != nil {
			err = e
			return false
		}
		raw := sk["color"].String()
		var c color.NRGBA
		op, hasOpacity := sk["opacity"]
		if hasOpacity && op.Type != gjson.Null && major < 7 {
			// v5/v6: new Color(color).setAlpha(opacity).toRgba().
			a, e := number(op)
			if e != nil {
				err = errorf(join(sp, "opacity"), "%v", e)
				return false
			}
			src := ParseFabricSource(raw)
			if major > 0 && major < 6 {
				src = ParseFabricSourceV5(raw)
			}
			var ok bool
			if c, ok = src.WithAlpha(a).CanvasColor(); !ok {
				return true // the browser rejects the colour: the stop is lost
			}
		} else {
			var ok bool
			if c, ok = ParseCSSColor(raw); !ok {
				// addColorStop throws on a bad colour: the stop is lost.
				return true
			}
		}
		g.Stops = append(g.Stops, ColorStop{Offset: off, Color: c})
		return true
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

func matrixValue(v gjson.Result, path string) (*Matrix, error) {
	if !v.Exists() || v.Type == gjson.Null || v.Type == gjson.False {
		return nil, nil
	}
	if !v.IsArray() {
		return nil, errorf(path, "expected an array of 6 numbers")
	}
	arr := v.Array()
	if len(arr) != 6 {
		return nil, errorf(path, "expected 6 numbers, got %d", len(arr))
	}
	var m Matrix
	for i, e := range arr {
		f, err := number(e)
		if err != nil {
			return nil, errorf(index(path, i), "%v", err)
		}
		m[i] = f
	}
	return &m, nil
}

func (p *parser) pattern(k map[string]gjson.Result, path string) (*Pattern, error) {
	pt := &Pattern{Repeat: "repeat"}
	src := k["source"]
	if src.Type != gjson.String {
		return nil, errorf(join(path, "source"), "expected an image URL string")
	}
	if len(src.Str) > p.lim.MaxStringBytes {
		return nil, &Error{Path: join(path, "source"), Err: fmt.Errorf("%w: string of %d bytes", ErrLimit, len(src.Str))}
	}
	pt.Source = src.Str
	if r := k["repeat"].Str; r != "" {
		pt.Repeat = r
	}
	var err error
	if pt.OffsetX, err = p.optNumber(k, path, "offsetX", 0); err != nil {
		return nil, err
	}
	if pt.OffsetY, err = p.optNumber(k, path, "offsetY", 0); err != nil {
		return nil, err
	}
	if pt.Transform, err = matrixValue(k["patternTransform"], join(path, "patternTransform")); err != nil {
		return nil, err
	}
	return pt, nil
}

func (b *objectBuilder) countPoints(n int) bool {
	b.p.points += n
	if b.p.points > b.p.lim.MaxPoints {
		b.err = &Error{Path: b.path, Err: fmt.Errorf("%w: more than %d points and path commands", ErrLimit, b.p.lim.MaxPoints)}
		return false
	}
	return true
}

func (b *objectBuilder) poly(base Base) Object {
	po := &Poly{Base: base, Closed: b.kind == KindPolygon}
	v, ok := b.get("points")
	if ok && !v.IsArray() {
		b.err = errorf(join(b.path, "points"), "expected an array of {x, y}")
		return po
	}
	path := join(b.path, "points")
	i := 0
	v.ForEach(func(_, e gjson.Result) bool {
		if !b.countPoints(1) {
			return false
		}
		if !e.IsObject() {
			b.err = errorf(index(path, i), "expected {x, y}")
			return false
		}
		k := fields(e)
		x, err := b.p.optNumber(k, index(path, i), "x", 0)
		if err != nil {
			b.err = err
			return false
		}
		y, err := b.p.optNumber(k, index(path, i), "y", 0)
		if err != nil {
			b.err = err
			return false
		}
		po.Points = append(po.Points, Point{x, y})
		i++
		return true
	})
	if len(po.Points) > 0 {
		minX, minY, maxX, maxY := pointBounds(po.Points)
		po.Width, po.Height = maxX-minX, maxY-minY
		po.PathOffset = Point{(minX + maxX) / 2, (minY + maxY) / 2}
	} else {
		po.Width, po.Height = 0, 0
	}
	return po
}

func pointBounds(pts []Point) (minX, minY, maxX, maxY float64) {
	minX, minY = math.Inf(1), math.Inf(1)
	maxX, maxY = math.Inf(-1), math.Inf(-1)
	for _, p := range pts {
		minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
		minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
	}
	return
}

// pathCommands reads a "path" value: Fabric's array of [cmd, ...numbers]
// or an SVG path string, simplified to absolute M, L, C, Q, Z.
func (b *objectBuilder) pathCommands(v gjson.Result, path string) []PathCommand {
	var cmds []PathCommand
	switch {
	case v.Type == gjson.String:
		if len(v.Str) > b.p.lim.MaxStringBytes {
			b.err = &Error{Path: path, Err: fmt.Errorf("%w: path string of %d bytes", ErrLimit, len(v.Str))}
			return nil
		}
		var err error
		if cmds, err = ParsePathString(v.Str); err != nil {
			b.err = errorf(path, "%v", err)
			return nil
		}
		if !b.countPoints(len(cmds)) {
			return nil
		}
	case v.IsArray():
		i := 0
		v.ForEach(func(_, e gjson.Result) bool {
			if !b.countPoints(1) {
				return false
			}
			ep := index(path, i)
			i++
			if !e.IsArray() {
				b.err = errorf(ep, "expected [command, numbers...]")
				return false
			}
			parts := e.Array()
			if len(parts) == 0 || parts[0].Type != gjson.String || len(parts[0].Str) != 1 {
				b.err = errorf(ep, "expected a one-letter path command first")
				return false
			}
			c := PathCommand{Op: parts[0].Str[0], Args: make([]float64, 0, len(parts)-1)}
			args := parts[1:]
			if n, ok := pathArity(c.Op); ok && len(args) > n {
				args = args[:n] // Fabric reads only the arguments it needs
			}
			for j, a := range args {
				f, err := number(a)
				if err != nil {
					b.err = errorf(index(ep, j+1), "%v", err)
					return false
				}
				c.Args = append(c.Args, f)
			}
			cmds = append(cmds, c)
			return true
		})
		if b.err != nil {
			return nil
		}
	default:
		b.err = errorf(path, "expected an array of path commands or a path string, got a JSON %s", jsonKind(v))
		return nil
	}
	simple, err := SimplifyPath(cmds)
	if err != nil {
		b.err = errorf(path, "%v", err)
		return nil
	}
	return simple
}

func (b *objectBuilder) pathObject(base Base) Object {
	po := &Path{Base: base}
	v, ok := b.get("path")
	if !ok {
		return po
	}
	po.Commands = b.pathCommands(v, join(b.path, "path"))
	if b.err != nil || len(po.Commands) == 0 {
		return po
	}
	left, top, w, h := PathBBox(po.Commands)
	if math.IsInf(left, 0) || math.IsNaN(left) || math.IsNaN(top) || math.IsNaN(w) || math.IsNaN(h) {
		return po
	}
	po.Width, po.Height = w, h
	po.PathOffset = Point{left + w/2, top + h/2}
	return po
}

func (b *objectBuilder) image(base Base) Object {
	im := &Image{Base: base, ImageSmoothing: true}
	im.Src = b.str("src", "")
	im.CrossOrigin = b.str("crossOrigin", "")
	im.CropX = b.num("cropX", 0)
	im.CropY = b.num("cropY", 0)
	if v, ok := b.get("filters"); ok && b.err == nil {
		if !v.IsArray() {
			b.err = errorf(join(b.path, "filters"), "expected an array")
			return im
		}
		i := 0
		v.ForEach(func(_, e gjson.Result) bool {
			fp := index(join(b.path, "filters"), i)
			i++
			if e.Type == gjson.Null {
				return true // Fabric leaves holes as null
			}
			f, err := filterValue(e, fp)
			if err != nil {
				b.err = err
				return false
			}
			im.Filters = append(im.Filters, f)
			return true
		})
	}
	if v, ok := b.get("resizeFilter"); ok && v.IsObject() && b.err == nil {
		f, err := filterValue(v, join(b.path, "resizeFilter"))
		if err != nil {
			b.err = err
		} else {
			im.ResizeFilter = &f
		}
	}
	return im
}

func filterValue(v gjson.Result, path string) (Filter, error) {
	if !v.IsObject() {
		return Filter{}, errorf(path, "expected a filter object")
	}
	f := Filter{Params: map[string]any{}}
	v.ForEach(func(k, val gjson.Result) bool {
		if k.Str == "type" {
			f.Type = val.String()
		} else {
			f.Params[k.Str] = val.Value()
		}
		return true
	})
	if f.Type == "" {
		return Filter{}, errorf(join(path, "type"), "missing filter type")
	}
	return f, nil
}
