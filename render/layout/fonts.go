package layout

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/font"
)

// Fonts resolves the faces text needs and records every substitution. It
// is safe for concurrent use; share one per template.
type Fonts struct {
	reg      *font.Registry
	fallback bool

	mu       sync.Mutex
	cache    sync.Map // family|weight|style -> *font.Font
	cover    map[coverKey]*font.Font
	warnings []string
	warned   map[string]bool
	shown    atomic.Pointer[[]string] // warnings, read without the lock
}

type coverKey struct {
	f *font.Font
	g string
}

// NewFonts resolves families in reg (which may be nil). With fallback, a
// family that is not registered is drawn with the embedded Go fonts and
// reported; without it, it is an error.
func NewFonts(reg *font.Registry, fallback bool) *Fonts {
	return &Fonts{reg: reg, fallback: fallback, cover: map[coverKey]*font.Font{}, warned: map[string]bool{}}
}

// Warnings lists the substitutions made so far, one line each.
func (fs *Fonts) Warnings() []string {
	if w := fs.shown.Load(); w != nil {
		return append([]string(nil), (*w)...)
	}
	return nil
}

func (fs *Fonts) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !fs.warned[msg] {
		fs.warned[msg] = true
		fs.warnings = append(fs.warnings, msg)
		w := slices.Clip(fs.warnings)
		fs.shown.Store(&w)
	}
}

// Resolve finds the face for a family, weight and style.
func (fs *Fonts) Resolve(family, weight, style string) (*font.Font, error) {
	key := family + "|" + weight + "|" + style
	// Every text run asks: answers already found are read without a lock.
	if f, ok := fs.cache.Load(key); ok {
		return f.(*font.Font), nil
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f, ok := fs.cache.Load(key); ok {
		return f.(*font.Font), nil
	}
	var f *font.Font
	var err error
	if fs.reg != nil {
		f, err = fs.reg.Resolve(family, weight, style)
	} else {
		err = fmt.Errorf("%w: family %q (no fonts configured)", font.ErrNotFound, family)
	}
	if err != nil {
		if !fs.fallback {
			return nil, err
		}
		w, st := "normal", "normal"
		if fw, e := font.ParseWeight(weight); e == nil && fw >= 600 {
			w = "bold"
		}
		if style == "italic" || style == "oblique" {
			st = "italic"
		}
		if f, err = font.GoFonts().Resolve("Go", w, st); err != nil {
			return nil, err
		}
		fs.warnf("font %q %s %s is not registered: drawn with the embedded Go font", family, weight, style)
	}
	fs.cache.Store(key, f)
	return f, nil
}

// cover returns a face that has every character of grapheme g: f itself
// when it has them, else the first registered face (same weight and style
// preferred, then by family name), else an embedded Go font. ok is false
// when no face has them all (f is kept, drawing .notdef boxes).
func (fs *Fonts) coverFor(f *font.Font, g string, face func(*font.Font) *font.Face, path string) *font.Font {
	if hasAll(face(f), g) {
		return f
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	k := coverKey{f, g}
	if c, ok := fs.cover[k]; ok {
		return c
	}
	var cands []*font.Font
	if fs.reg != nil {
		cands = fs.reg.Fonts()
	}
	cands = append(cands, font.GoFonts().Fonts()...)
	sort.SliceStable(cands, func(i, j int) bool {
		return closeness(f, cands[i]) < closeness(f, cands[j])
	})
	found := f
	for _, c := range cands {
		if hasAll(face(c), g) {
			found = c
			break
		}
	}
	fs.cover[k] = found
	if found == f {
		fs.warnf("%s: no registered font has %s: drawn as a missing glyph", path, describe(g))
	} else {
		fs.warnf("%s: %s is not in %s %d %s: drawn with %s %d %s", path, describe(g), f.Family, f.Weight, f.Style, found.Family, found.Weight, found.Style)
	}
	return found
}

// closeness orders fallback candidates: same weight and style first.
func closeness(want, c *font.Font) int {
	d := 0
	if c.Style != want.Style {
		d += 1000
	}
	w := c.Weight - want.Weight
	if w < 0 {
		w = -w
	}
	return d + w
}

func hasAll(fc *font.Face, g string) bool {
	for _, r := range g {
		if !needsGlyph(r) {
			continue
		}
		if !fc.Has(r) {
			return false
		}
	}
	return true
}

// needsGlyph reports characters that must come from a font: not controls,
// joiners or variation selectors, which shaping handles without a glyph.
func needsGlyph(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r == 0x200b, r == 0x200c, r == 0x200d, r == 0xfeff:
		return false
	case r >= 0xfe00 && r <= 0xfe0f, r >= 0xe0100 && r <= 0xe01ef:
		return false
	}
	return !unicode.Is(unicode.Cc, r)
}

func describe(g string) string {
	for _, r := range g {
		if needsGlyph(r) {
			return fmt.Sprintf("U+%04X %q", r, g)
		}
	}
	return fmt.Sprintf("%q", g)
}

// style merges a character's overrides onto the object's values and
// resolves its face.
func (fs *Fonts) style(t *fabric.Text, o *fabric.CharStyle) (*Style, error) {
	s := &Style{
		FontSize: t.FontSize, FontWeight: t.FontWeight, FontFamily: t.FontFamily, FontStyle: t.FontStyle,
		Underline: t.Underline, Overline: t.Overline, Linethrough: t.Linethrough,
		Fill: t.Fill, Stroke: t.Stroke, StrokeWidth: t.StrokeWidth,
		TextBackgroundColor: t.TextBackgroundColor, TextDecorationThickness: t.TextDecorationThickness,
		TextDecorationColor: t.TextDecorationColor,
	}
	if o != nil {
		if o.FontSize != nil {
			s.FontSize = *o.FontSize
		}
		if o.FontWeight != nil {
			s.FontWeight = *o.FontWeight
		}
		if o.FontFamily != nil {
			s.FontFamily = *o.FontFamily
		}
		if o.FontStyle != nil {
			s.FontStyle = *o.FontStyle
		}
		if o.Underline != nil {
			s.Underline = *o.Underline
		}
		if o.Overline != nil {
			s.Overline = *o.Overline
		}
		if o.Linethrough != nil {
			s.Linethrough = *o.Linethrough
		}
		if o.Fill != nil {
			s.Fill = *o.Fill
		}
		if o.Stroke != nil {
			s.Stroke = *o.Stroke
		}
		if o.StrokeWidth != nil {
			s.StrokeWidth = *o.StrokeWidth
		}
		if o.DeltaY != nil {
			s.DeltaY = *o.DeltaY
		}
		if o.TextBackgroundColor != nil {
			s.TextBackgroundColor = *o.TextBackgroundColor
		}
		if o.TextDecorationThickness != nil {
			s.TextDecorationThickness = *o.TextDecorationThickness
		}
		if o.TextDecorationColor != nil {
			s.TextDecorationColor = *o.TextDecorationColor
		}
	}
	f, err := fs.Resolve(s.FontFamily, s.FontWeight, s.FontStyle)
	if err != nil {
		return nil, &fabric.Error{Path: t.JSONPath, Err: err}
	}
	s.Font = f
	return s, nil
}
