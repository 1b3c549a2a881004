package fabric

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"sort"
	"strconv"
	"strings"
)

// Mapping says how the fields of a record reach a template. Three forms
// are accepted, as web apps send them:
//
//   - {{field}} placeholders in text (always on; {{field|default}} gives a
//     default);
//   - Objects: bindings keyed by an object's "name" or "id" custom property,
//     e.g. {"headline": {"text": "{{first_name}}, your offer"}},
//     {"photo": {"image": "photo_url"}} or
//     {"qr": {"qr": "https://example.com/r/{{id}}"}};
//   - Index: the original app's form, objects[i] -> field: a text object's
//     whole text, or an image's source, becomes the field's value.
type Mapping struct {
	Objects map[string]Binding
	Index   map[int]string
	// Missing says what a placeholder or bound field without a value
	// becomes; the zero value is MissingError.
	Missing MissingPolicy
}

// Binding is what one named object receives. Text, QR and Barcode are
// templates over the record ({{field}}, {{field|default}}); Image names the
// field that holds the new image source (a data: URL, a path inside the
// assets folder, or an allowed http(s) URL), or is itself a template when
// it contains {{.
type Binding struct {
	Text    string `json:"text,omitempty"`
	Image   string `json:"image,omitempty"`
	QR      string `json:"qr,omitempty"`
	Barcode string `json:"barcode,omitempty"`
	// Fit places a swapped image in the object's box: "stretch" (the
	// default: the whole image fills the box), "cover" (scaled to fill,
	// centred, cropped) or "contain" (scaled to fit, centred, the rest of
	// the box left empty).
	Fit string `json:"fit,omitempty"`
	// Level is the QR error correction: L, M (default), Q or H.
	Level string `json:"level,omitempty"`
	// Color and Background are CSS colours of the dark modules (default
	// black) and of the light modules and quiet zone (default white).
	Color      string `json:"color,omitempty"`
	Background string `json:"background,omitempty"`
	// Quiet is the quiet zone in modules (default 4 for QR, 10 for Code
	// 128).
	Quiet *int `json:"quiet,omitempty"`
}

// ParseMapping reads a mapping in JSON: an object whose keys are object
// names or ids (values: a Binding) or object indexes (values: a field
// name). Errors name the key at fault.
func ParseMapping(data []byte) (*Mapping, error) {
	m := &Mapping{Objects: map[string]Binding{}, Index: map[int]string{}}
	if len(bytes.TrimSpace(data)) == 0 {
		return m, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("mapping: expected a JSON object: %v", err)
	}
	for k, v := range raw {
		if i, err := strconv.Atoi(k); err == nil && i >= 0 {
			var field string
			if err := json.Unmarshal(v, &field); err != nil || field == "" {
				return nil, fmt.Errorf("mapping[%q]: an object index maps to a field name", k)
			}
			m.Index[i] = field
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		var b Binding
		if err := dec.Decode(&b); err != nil {
			return nil, fmt.Errorf("mapping[%q]: %v", k, err)
		}
		if err := b.validate(); err != nil {
			return nil, fmt.Errorf("mapping[%q]: %v", k, err)
		}
		m.Objects[k] = b
	}
	return m, nil
}

func (b Binding) validate() error {
	n := 0
	for _, s := range []string{b.Text, b.Image, b.QR, b.Barcode} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("give exactly one of text, image, qr or barcode")
	}
	switch b.Fit {
	case "", "stretch", "cover", "contain":
	default:
		return fmt.Errorf("fit %q: want stretch, cover or contain", b.Fit)
	}
	switch strings.ToUpper(b.Level) {
	case "", "L", "M", "Q", "H", "LOW", "MEDIUM", "QUARTILE", "HIGH":
	default:
		return fmt.Errorf("level %q: want L, M, Q or H", b.Level)
	}
	for _, c := range []string{b.Color, b.Background} {
		if c != "" {
			if _, ok := ParseCSSColor(c); !ok {
				return fmt.Errorf("colour %q is not a CSS colour", c)
			}
		}
	}
	if b.Quiet != nil && (*b.Quiet < 0 || *b.Quiet > 100) {
		return fmt.Errorf("quiet zone %d modules is out of range", *b.Quiet)
	}
	return nil
}

// Field is one record field a template uses.
type Field struct {
	Name string
	// Required is true when some use has no default; such a field must
	// have a non-empty value.
	Required bool
}

// Fields lists the record fields the canvas and mapping use, in a stable
// order (first use), for validation and column matching.
func (m *Mapping) Fields(c *Canvas) []Field {
	var order []string
	req := map[string]bool{}
	add := func(name string, required bool) {
		if _, seen := req[name]; !seen {
			order = append(order, name)
			req[name] = false
		}
		req[name] = req[name] || required
	}
	addTemplate := func(s string) {
		for _, mm := range placeholderRe.FindAllStringSubmatch(s, -1) {
			add(mm[1], mm[2] == "" && !strings.Contains(mm[0], "|"))
		}
	}
	WalkText(c, func(t *Text) { addTemplate(t.Text) })
	if m != nil {
		keys := make([]string, 0, len(m.Objects))
		for k := range m.Objects {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b := m.Objects[k]
			for _, s := range []string{b.Text, b.QR, b.Barcode} {
				addTemplate(s)
			}
			if b.Image != "" {
				if strings.Contains(b.Image, "{{") {
					addTemplate(b.Image)
				} else {
					add(b.Image, true)
				}
			}
		}
		idx := make([]int, 0, len(m.Index))
		for i := range m.Index {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		for _, i := range idx {
			add(m.Index[i], true)
		}
	}
	out := make([]Field, len(order))
	for i, n := range order {
		out[i] = Field{Name: n, Required: req[n]}
	}
	return out
}

// Variable reports, for each top-level object of c, whether binding a
// record may change it: the mapping binds it (or an object inside it) by
// name, id or index, or a text in it (or in its clip path) has
// placeholders. Bind shares every other object unchanged, so a renderer
// may paint those once for all records.
func (m *Mapping) Variable(c *Canvas) []bool {
	out := make([]bool, len(c.Objects))
	for i, o := range c.Objects {
		if m != nil {
			if _, ok := m.Index[i]; ok {
				out[i] = true
				continue
			}
			out[i] = m.bindsInside(o)
		}
		walkObjectText(o, func(t *Text) {
			out[i] = out[i] || placeholderRe.MatchString(t.Text)
		})
	}
	return out
}

// bindingOf returns the binding of o: the one keyed by its name, else by
// its id; ok is false when neither has one.
func (m *Mapping) bindingOf(o Object) (bd Binding, key string, ok bool) {
	b := o.Props()
	for _, k := range []string{b.Name, b.ID} {
		if k == "" {
			continue
		}
		if bd, ok := m.Objects[k]; ok {
			return bd, k, true
		}
	}
	return Binding{}, "", false
}

// bindsInside reports whether a binding names o or an object of its
// groups (as Bind looks them up).
func (m *Mapping) bindsInside(o Object) bool {
	if _, _, ok := m.bindingOf(o); ok {
		return true
	}
	if g, ok := o.(*Group); ok {
		for _, c := range g.Objects {
			if m.bindsInside(c) {
				return true
			}
		}
	}
	return false
}

// Barcode is a QR code or Code 128 barcode that replaced a bound object:
// it keeps that object's transform, and its Width×Height box holds the
// code (a QR square centred in it).
type Barcode struct {
	Base
	Symbology string // "qr" or "code128"
	Content   string
	Level     string // QR error correction: L, M, Q, H
	Dark      color.NRGBA
	Light     color.NRGBA
	Quiet     int // quiet zone in modules
}

// KindBarcode is a code made by a binding; it has no Fabric class.
const KindBarcode Kind = "Barcode"

// Kind implements Object.
func (*Barcode) Kind() Kind { return KindBarcode }

// FitMode places a swapped image in its box.
const (
	FitNone    = ""        // Fabric's own drawing of width/height/crop
	FitStretch = "stretch" // the whole image scaled to the box
	FitCover   = "cover"   // uniform scale filling the box, centred, cropped
	FitContain = "contain" // uniform scale inside the box, centred
)

// BindError is a problem binding one record: the object (JSON path and
// name) and the reason.
type BindError struct {
	Path, Name string
	Err        error
}

func (e *BindError) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("%s (%s): %v", e.Path, e.Name, e.Err)
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *BindError) Unwrap() error { return e.Err }

// Bind returns a personalised copy of tpl for one record: placeholders in
// every text replaced, and the mapping's bindings applied. tpl is never
// modified and unchanged objects are shared, so one parsed template serves
// many goroutines. Missing fields are reported together in a
// *MissingFieldError (unless m.Missing says otherwise).
func Bind(tpl *Canvas, record map[string]string, m *Mapping) (*Canvas, error) {
	if m == nil {
		m = &Mapping{}
	}
	b := &binder{m: m, record: record}
	// Bindings first (they may replace text), then placeholders.
	out := *tpl
	out.Objects = make([]Object, len(tpl.Objects))
	for i, o := range tpl.Objects {
		n, err := b.object(o, i, true)
		if err != nil {
			return nil, err
		}
		out.Objects[i] = n
	}
	if unused := b.unused(); len(unused) > 0 {
		return nil, fmt.Errorf("mapping: no object has the name or id %q", unused[0])
	}
	res, err := SubstituteText(&out, record, m.Missing)
	var mf *MissingFieldError
	switch {
	case err == nil:
	case errorsAs(err, &mf):
	default:
		return nil, err
	}
	if len(b.missing) > 0 || mf != nil {
		all := append([]string(nil), b.missing...)
		if mf != nil {
			all = append(all, mf.Missing...)
		}
		return nil, &MissingFieldError{Missing: all}
	}
	return res, nil
}

func errorsAs(err error, target **MissingFieldError) bool {
	e, ok := err.(*MissingFieldError)
	if ok {
		*target = e
	}
	return ok
}

// Check reports mapping entries that name no object of c (or of any of
// the other sides of a piece given), and index entries outside c.Objects,
// so a bad mapping fails before any record.
func (m *Mapping) Check(c *Canvas, otherSides ...*Canvas) error {
	names := map[string]bool{}
	var visit func(o Object)
	visit = func(o Object) {
		b := o.Props()
		names[b.Name], names[b.ID] = true, true
		if g, ok := o.(*Group); ok {
			for _, ch := range g.Objects {
				visit(ch)
			}
		}
	}
	for _, side := range append([]*Canvas{c}, otherSides...) {
		for _, o := range side.Objects {
			visit(o)
		}
	}
	keys := make([]string, 0, len(m.Objects))
	for k := range m.Objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !names[k] {
			return fmt.Errorf("mapping[%q]: no object has that name or id", k)
		}
	}
	for i := range m.Index {
		if i >= len(c.Objects) {
			return fmt.Errorf("mapping[\"%d\"]: the template has %d objects", i, len(c.Objects))
		}
	}
	return nil
}

// For returns the part of m that applies to one side of a two-sided
// piece: the object bindings whose name or id is on that side (the index
// form and the missing policy are kept).
func (m *Mapping) For(side *Canvas) *Mapping {
	names := map[string]bool{}
	var visit func(o Object)
	visit = func(o Object) {
		b := o.Props()
		names[b.Name], names[b.ID] = true, true
		if g, ok := o.(*Group); ok {
			for _, ch := range g.Objects {
				visit(ch)
			}
		}
	}
	for _, o := range side.Objects {
		visit(o)
	}
	out := &Mapping{Objects: map[string]Binding{}, Index: m.Index, Missing: m.Missing}
	for k, b := range m.Objects {
		if names[k] {
			out.Objects[k] = b
		}
	}
	return out
}

type binder struct {
	m       *Mapping
	record  map[string]string
	used    map[string]bool
	missing []string
}

func (b *binder) unused() []string {
	var out []string
	for k := range b.m.Objects {
		if !b.used[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// object applies bindings to o and, for groups, its children.
func (b *binder) object(o Object, index int, top bool) (Object, error) {
	if bind, key, ok := b.m.bindingOf(o); ok {
		if b.used == nil {
			b.used = map[string]bool{}
		}
		b.used[key] = true
		return b.apply(o, bind, key)
	}
	if top {
		if field, ok := b.m.Index[index]; ok {
			return b.applyIndex(o, field)
		}
	}
	if g, ok := o.(*Group); ok {
		var kids []Object
		changed := false
		for i, c := range g.Objects {
			n, err := b.object(c, i, false)
			if err != nil {
				return nil, err
			}
			if n != c && !changed {
				kids = append(make([]Object, 0, len(g.Objects)), g.Objects[:i]...)
				changed = true
			}
			if changed {
				kids = append(kids, n)
			}
		}
		if changed {
			cp := *g
			cp.Objects = kids
			return &cp, nil
		}
	}
	return o, nil
}

// fill expands a template over the record with the mapping's policy.
func (b *binder) fill(tpl, path string) string {
	var out strings.Builder
	last := 0
	for _, mm := range placeholderRe.FindAllStringSubmatchIndex(tpl, -1) {
		out.WriteString(tpl[last:mm[0]])
		last = mm[1]
		key := tpl[mm[2]:mm[3]]
		val, ok := b.record[key]
		if mm[4] >= 0 && (!ok || val == "") {
			val, ok = strings.TrimSpace(tpl[mm[4]:mm[5]]), true
		}
		if !ok {
			switch b.m.Missing {
			case MissingError:
				b.missing = append(b.missing, path+": {{"+key+"}}")
			case MissingKeep:
				val = tpl[mm[0]:mm[1]]
			}
		}
		out.WriteString(val)
	}
	out.WriteString(tpl[last:])
	return out.String()
}

func (b *binder) apply(o Object, bd Binding, key string) (Object, error) {
	base := o.Props()
	path := base.JSONPath
	switch {
	case bd.Text != "":
		t, ok := o.(*Text)
		if !ok {
			return nil, &BindError{Path: path, Name: key, Err: fmt.Errorf("a text binding needs a text object, not %s", o.Kind())}
		}
		cp := *t
		cp.Text = b.fill(bd.Text, path)
		cp.Styles = nil // the new text has no per-character styles
		return &cp, nil
	case bd.Image != "":
		src := bd.Image
		if strings.Contains(src, "{{") {
			src = b.fill(src, path)
		} else {
			v, ok := b.record[src]
			if !ok || v == "" {
				b.missing = append(b.missing, path+": "+src)
				return o, nil
			}
			src = v
		}
		return swapImage(o, src, bd.Fit, path, key)
	case bd.QR != "", bd.Barcode != "":
		code := &Barcode{Base: *base, Symbology: "qr", Level: "M", Dark: color.NRGBA{0, 0, 0, 255}, Light: color.NRGBA{255, 255, 255, 255}, Quiet: 4}
		content := bd.QR
		if bd.Barcode != "" {
			code.Symbology, code.Quiet, content = "code128", 10, bd.Barcode
		}
		code.Content = b.fill(content, path)
		if bd.Level != "" {
			code.Level = strings.ToUpper(bd.Level[:1])
		}
		if bd.Color != "" {
			code.Dark, _ = ParseCSSColor(bd.Color)
		}
		if bd.Background != "" {
			code.Light, _ = ParseCSSColor(bd.Background)
		}
		if bd.Quiet != nil {
			code.Quiet = *bd.Quiet
		}
		// The code keeps the object's transform and its Width×Height box;
		// nothing of the object itself is painted.
		if base.Width <= 0 || base.Height <= 0 {
			return nil, &BindError{Path: path, Name: key, Err: fmt.Errorf("the object has no size to hold a code")}
		}
		code.Fill, code.Stroke, code.BackgroundColor = Paint{}, Paint{}, Paint{}
		code.Shadow = nil
		code.Type = "fabricpress:" + code.Symbology
		return code, nil
	}
	return o, nil
}

// swapImage puts a new source into an image's box: the object keeps its
// transform (left, top, scale, angle, flip, skew, clipPath) and its
// width×height, and Fit says how the new image fills that box.
func swapImage(o Object, src, fit, path, key string) (Object, error) {
	im, ok := o.(*Image)
	if !ok {
		return nil, &BindError{Path: path, Name: key, Err: fmt.Errorf("an image binding needs an image object, not %s", o.Kind())}
	}
	if im.Width <= 0 || im.Height <= 0 {
		return nil, &BindError{Path: path, Name: key, Err: fmt.Errorf("the image has no stored size, so there is no box to fit the new image in")}
	}
	cp := *im
	cp.Src = src
	if fit == "" {
		fit = FitStretch
	}
	cp.Fit = fit
	cp.CropX, cp.CropY = 0, 0
	return &cp, nil
}

// applyIndex is the original app's index form.
func (b *binder) applyIndex(o Object, field string) (Object, error) {
	path := o.Props().JSONPath
	v, ok := b.record[field]
	if !ok || v == "" {
		if b.m.Missing == MissingError {
			b.missing = append(b.missing, path+": "+field)
		}
		if !ok && b.m.Missing != MissingEmpty {
			return o, nil
		}
	}
	switch s := o.(type) {
	case *Text:
		cp := *s
		cp.Text, cp.Styles = v, nil
		return &cp, nil
	case *Image:
		if v == "" {
			return o, nil
		}
		return swapImage(o, v, FitStretch, path, "")
	}
	return nil, &BindError{Path: path, Err: fmt.Errorf("an index mapping needs a text or image object, not %s", o.Kind())}
}
