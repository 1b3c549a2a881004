package filter

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"strconv"
	"strings"

	"github.com/fabricpress/fabricpress/fabric"
)

var (
	// ErrUnknownType means a filter's type names no Fabric filter.
	ErrUnknownType = errors.New("unknown filter type")
	// ErrUnsupported means a Fabric filter this package does not implement
	// (BlendImage, Resize).
	ErrUnsupported = errors.New("filter type not supported")
	// ErrBadParam means a parameter of the wrong JSON type or an unusable
	// value.
	ErrBadParam = errors.New("bad filter parameter")
)

// Error reports a filter that cannot be applied. Path is relative to the
// filters array, "[2].mode" or "[0].subFilters[1].type", so that a caller
// holding the array's JSON path can prefix it:
//
//	fmt.Errorf("objects[3].filters%w", err)
type Error struct {
	Path string // "[i]" plus the key at fault
	Type string // the filter's type as written
	Err  error  // wraps ErrUnknownType, ErrUnsupported or ErrBadParam
}

func (e *Error) Error() string {
	if e.Type == "" || errors.Is(e.Err, ErrUnknownType) {
		return e.Path + ": " + e.Err.Error()
	}
	return e.Path + ": " + e.Type + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Apply runs filters on img in place, as Fabric 6.9.1's
// Canvas2dFilterBackend does when an Image is loaded. The image keeps its
// size: no supported filter resizes (the Resize filter, which Fabric keeps
// apart in "resizeFilter", is not handled here).
//
// Filters are checked first; on error img is untouched. Filters in their
// neutral state (brightness 0, blur 0, invert false, gamma [1,1,1], …) are
// skipped as Fabric skips them, and with none left img is not touched at
// all, as Fabric then draws the original element.
//
// Otherwise, before the first filter, every pixel with alpha < 255 goes
// through the premultiply/unpremultiply round trip that drawing the image
// onto a browser canvas and reading it back with getImageData causes in
// Chromium (Skia's exact premultiplication, then its float32 unpremultiply
// with ties to even), and transparent pixels become (0,0,0,0). The result
// is straight-alpha, as putImageData receives it; Chromium premultiplies it
// again with round(c·a/255) when it is stored, so callers compositing the
// result should premultiply the same way.
//
// Noise is random in Fabric (Math.random); here it draws from a
// generator with a fixed seed, so a given input always gives the same
// output, which cannot match any particular browser run.
func Apply(img *image.NRGBA, filters []fabric.Filter) error {
	ops, err := compileList(filters, "")
	if err != nil {
		return err
	}
	active := ops[:0:0]
	for _, o := range ops {
		if !o.neutral() {
			active = append(active, o)
		}
	}
	if len(active) == 0 || img == nil || img.Rect.Empty() {
		return nil
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	var buf []uint8
	contiguous := img.Stride == 4*w
	if contiguous {
		off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y)
		buf = img.Pix[off : off+4*w*h : off+4*w*h]
	} else {
		buf = make([]uint8, 4*w*h)
		for y := 0; y < h; y++ {
			off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y)
			copy(buf[4*w*y:4*w*(y+1)], img.Pix[off:off+4*w])
		}
	}
	emulateReadBack(buf)
	st := &state{data: buf, w: w, h: h}
	for _, o := range active {
		o.apply(st)
	}
	if !contiguous || &st.data[0] != &buf[0] {
		for y := 0; y < h; y++ {
			off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y)
			copy(img.Pix[off:off+4*w], st.data[4*w*y:4*w*(y+1)])
		}
	}
	return nil
}

// Validate checks filters as Apply would, without an image.
func Validate(filters []fabric.Filter) error {
	_, err := compileList(filters, "")
	return err
}

// Neutral reports whether Apply would leave an image untouched: every
// filter is in its neutral state (or there are none). It returns the error
// Validate would.
func Neutral(filters []fabric.Filter) (bool, error) {
	ops, err := compileList(filters, "")
	if err != nil {
		return false, err
	}
	for _, o := range ops {
		if !o.neutral() {
			return false, nil
		}
	}
	return true, nil
}

// op is one compiled filter.
type op interface {
	// neutral is Fabric's isNeutralState(): true means applyFilters drops
	// the filter.
	neutral() bool
	apply(s *state)
}

// state is Fabric's T2DPipelineState: the ImageData being filtered.
type state struct {
	data []uint8 // RGBA, straight alpha, 4·w·h bytes, rows contiguous
	w, h int
	rng  *noiseRand
}

func compileList(filters []fabric.Filter, path string) ([]op, error) {
	ops := make([]op, 0, len(filters))
	for i, f := range filters {
		o, err := compile(f, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		ops = append(ops, o)
	}
	return ops, nil
}

// mainParameter maps a lower-cased type to Fabric 5's mainParameter, the
// one key v5 wrote for it.
var mainParameter = map[string]string{
	"grayscale": "mode", "brightness": "brightness", "contrast": "contrast",
	"saturation": "saturation", "vibrance": "vibrance", "noise": "noise",
	"pixelate": "blocksize", "huerotation": "rotation", "gamma": "gamma",
	"blur": "blur", "invert": "invert", "colormatrix": "matrix",
}

func compile(f fabric.Filter, path string) (op, error) {
	key := strings.ToLower(f.Type)
	p := &params{typ: f.Type, path: path, m: f.Params}
	// Some Fabric 5 documents carry the value under "mainParameter"
	// instead of the parameter's own name; a string there is normally just
	// that name (only Grayscale's main parameter is itself a string).
	if name, ok := mainParameter[key]; ok {
		if mp, ok := f.Params["mainParameter"]; ok && mp != nil && mp != name {
			if _, isString := mp.(string); !isString || key == "grayscale" {
				if _, has := f.Params[name]; !has {
					p.alias = map[string]any{name: mp}
				}
			}
		}
	}
	var o op
	switch key {
	case "grayscale":
		o = &grayscale{mode: p.str("mode", "average")}
	case "sepia", "brownie", "vintage", "kodachrome", "technicolor", "polaroid", "blackwhite":
		m := presets[key]
		o = &colorMatrix{m: p.matrix("matrix", m[:]), colorsOnly: p.boolean("colorsOnly", false)}
	case "colormatrix":
		o = &colorMatrix{m: p.matrix("matrix", identityMatrix[:]), colorsOnly: p.boolean("colorsOnly", true)}
	case "huerotation":
		rot := p.num("rotation", 0)
		o = &colorMatrix{m: hueMatrix(rot), colorsOnly: p.boolean("colorsOnly", true), hue: true, rotation: rot}
	case "brightness":
		o = &brightness{v: p.num("brightness", 0)}
	case "contrast":
		o = &contrast{v: p.num("contrast", 0)}
	case "saturation":
		o = &saturation{v: p.num("saturation", 0)}
	case "vibrance":
		o = &vibrance{v: p.num("vibrance", 0)}
	case "invert":
		o = &invert{invert: p.boolean("invert", true), alpha: p.boolean("alpha", false)}
	case "gamma":
		g := p.nums("gamma", []float64{1, 1, 1})
		if p.err == nil && len(g) < 3 {
			p.fail("gamma", fmt.Errorf("%w: want 3 numbers, got %d", ErrBadParam, len(g)))
		}
		var v [3]float64
		copy(v[:], g)
		o = &gamma{g: v}
	case "noise":
		o = &noise{v: p.num("noise", 0)}
	case "pixelate":
		bs := p.num("blocksize", 4)
		if p.err == nil && !(bs > 0) {
			p.fail("blocksize", fmt.Errorf("%w: want a positive number, got %v", ErrBadParam, bs))
		}
		o = &pixelate{bs: bs}
	case "removecolor":
		o = &removeColor{src: parseColor(p.str("color", "#FFFFFF")), distance: p.num("distance", 0.02)}
	case "blendcolor":
		o = &blendColor{src: parseColor(p.str("color", "#F95C63")), mode: p.str("mode", "multiply"), alpha: p.num("alpha", 1)}
	case "blur":
		o = &blur{v: p.num("blur", 0)}
	case "convolute":
		o = &convolute{m: p.nums("matrix", []float64{0, 0, 0, 0, 1, 0, 0, 0, 0}), opaque: p.boolean("opaque", false)}
	case "composed":
		o = p.composed()
	case "blendimage", "resize":
		return nil, &Error{Path: path + ".type", Type: f.Type, Err: ErrUnsupported}
	default:
		return nil, &Error{Path: path + ".type", Type: f.Type,
			Err: fmt.Errorf("%w %q", ErrUnknownType, f.Type)}
	}
	if p.err != nil {
		return nil, p.err
	}
	return o, nil
}

// params reads a filter's parameters, falling back to Fabric's defaults
// for absent (or null) keys and recording the first error.
type params struct {
	typ, path string
	m         map[string]any
	alias     map[string]any // v5 mainParameter value, under its real name
	err       error
}

func (p *params) get(key string) (any, bool) {
	v, ok := p.m[key]
	if !ok {
		v, ok = p.alias[key]
	}
	if !ok || v == nil {
		return nil, false
	}
	return v, true
}

func (p *params) fail(key string, err error) {
	if p.err == nil {
		p.err = &Error{Path: p.path + "." + key, Type: p.typ, Err: err}
	}
}

func (p *params) wrongType(key, want string, v any) {
	p.fail(key, fmt.Errorf("%w: want %s, got %s", ErrBadParam, want, describe(v)))
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return "string " + strconv.Quote(x)
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	if f, ok := asNumber(v); ok {
		return "number " + strconv.FormatFloat(f, 'g', -1, 64)
	}
	return fmt.Sprintf("%T", v)
}

func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func (p *params) num(key string, def float64) float64 {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	f, ok := asNumber(v)
	if !ok {
		p.wrongType(key, "a number", v)
		return def
	}
	return f
}

func (p *params) boolean(key string, def bool) bool {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		p.wrongType(key, "a boolean", v)
		return def
	}
	return b
}

func (p *params) str(key, def string) string {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	s, ok := v.(string)
	if !ok {
		p.wrongType(key, "a string", v)
		return def
	}
	return s
}

func (p *params) nums(key string, def []float64) []float64 {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	var out []float64
	switch a := v.(type) {
	case []any:
		out = make([]float64, len(a))
		for i, e := range a {
			f, ok := asNumber(e)
			if !ok {
				p.fail(fmt.Sprintf("%s[%d]", key, i),
					fmt.Errorf("%w: want a number, got %s", ErrBadParam, describe(e)))
				return def
			}
			out[i] = f
		}
	case []float64:
		out = append([]float64(nil), a...)
	default:
		p.wrongType(key, "an array of numbers", v)
		return def
	}
	return out
}

// matrix reads a 20-number colour matrix.
func (p *params) matrix(key string, def []float64) [20]float64 {
	var m [20]float64
	v := p.nums(key, def)
	if p.err == nil && len(v) < 20 {
		p.fail(key, fmt.Errorf("%w: want 20 numbers, got %d", ErrBadParam, len(v)))
	}
	copy(m[:], v)
	return m
}

func (p *params) composed() op {
	v, ok := p.get("subFilters")
	if !ok {
		return &composed{}
	}
	list, ok := v.([]any)
	if !ok {
		p.wrongType("subFilters", "an array of filters", v)
		return &composed{}
	}
	c := &composed{}
	for i, e := range list {
		sub := fmt.Sprintf("%s.subFilters[%d]", p.path, i)
		obj, ok := e.(map[string]any)
		if !ok {
			if p.err == nil {
				p.err = &Error{Path: sub, Type: p.typ,
					Err: fmt.Errorf("%w: want a filter object, got %s", ErrBadParam, describe(e))}
			}
			return c
		}
		f := fabric.Filter{Params: make(map[string]any, len(obj))}
		for k, val := range obj {
			if k == "type" {
				f.Type, _ = val.(string)
				continue
			}
			f.Params[k] = val
		}
		o, err := compile(f, sub)
		if err != nil {
			if p.err == nil {
				p.err = err
			}
			return c
		}
		c.subs = append(c.subs, o)
	}
	return c
}

// noiseRand is a small deterministic stand-in for Math.random (a 64-bit
// xorshift*; V8 uses xorshift128+ with a random seed).
type noiseRand struct{ s uint64 }

func (r *noiseRand) float64() float64 {
	r.s ^= r.s >> 12
	r.s ^= r.s << 25
	r.s ^= r.s >> 27
	return float64((r.s*2685821657736338717)>>11) / (1 << 53)
}
