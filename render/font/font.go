// Package font is fabricpress's font registry: it loads TrueType and
// OpenType faces from a manifest (the ../shared/corpus/fonts.json format)
// and resolves a Fabric fontFamily, fontWeight and fontStyle to one face,
// exactly as the manifest's matching rules say.
//
// A *Font is immutable after loading and safe for concurrent use; each
// goroutine measuring or drawing uses its own *Face (a Font plus scratch
// buffers).
package font

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/go-text/typesetting/di"
	tsfont "github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// ErrNotFound reports a family, weight and style no registered face has.
var ErrNotFound = errors.New("font not registered")

// Font is one parsed face.
type Font struct {
	Family string
	Weight int    // 100–900
	Style  string // normal, italic
	File   string // source file, or "gofont:…" for the embedded faces
	sfnt   *sfnt.Font
	ts     *tsfont.Font // for shaping (HarfBuzz port)
	data   []byte
	upem   float64

	// src is the file a registered face is read from on first use, so a
	// manifest of many fonts costs only the memory of those used.
	src  *fontFile
	once sync.Once
	err  error
}

// ready reads and parses the face's file if that has not happened yet.
func (f *Font) ready() error {
	if f.src == nil {
		return nil
	}
	f.once.Do(func() {
		pf, err := f.src.get()
		if err != nil {
			f.err = err
			return
		}
		f.sfnt, f.ts, f.data, f.upem = pf.sfnt, pf.ts, pf.data, float64(pf.sfnt.UnitsPerEm())
	})
	return f.err
}

// fontFile is a font file parsed once, on first use, for every face
// registered from it.
type fontFile struct {
	path string
	once sync.Once
	pf   *parsed
	err  error
}

func (ff *fontFile) get() (*parsed, error) {
	ff.once.Do(func() {
		data, err := os.ReadFile(ff.path)
		if err != nil {
			ff.err = err
			return
		}
		if ff.pf, err = parse(data); err != nil {
			ff.err = fmt.Errorf("%s: %v", ff.path, err)
		}
	})
	return ff.pf, ff.err
}

// Data returns the font file's bytes (for embedding in a PDF). Do not
// modify them.
func (f *Font) Data() []byte { return f.data }

// IsTrueType reports whether the font has TrueType outlines (glyf), as
// opposed to CFF.
func (f *Font) IsTrueType() bool {
	return len(f.data) >= 4 && (string(f.data[:4]) == "\x00\x01\x00\x00" || string(f.data[:4]) == "true")
}

// UnitsPerEm is the font's design grid size.
func (f *Font) UnitsPerEm() float64 { return f.upem }

// Registry maps (family, weight, style) to fonts. It is safe for
// concurrent use once loaded.
type Registry struct {
	mu    sync.RWMutex
	faces map[string]*Font
	files map[string]*fontFile // read and parsed once per file
}

// parsed is one font file parsed for outlines (sfnt) and shaping.
type parsed struct {
	sfnt *sfnt.Font
	ts   *tsfont.Font
	data []byte
}

func parse(data []byte) (*parsed, error) {
	sf, err := sfnt.Parse(data)
	if err != nil {
		return nil, err
	}
	tf, err := tsfont.ParseTTF(bytes.NewReader(withoutDroppedKern(data)))
	if err != nil {
		return nil, err
	}
	return &parsed{sfnt: sf, ts: tf.Font, data: data}, nil
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{faces: map[string]*Font{}, files: map[string]*fontFile{}}
}

type manifest struct {
	Faces []struct {
		Family string          `json:"family"`
		Weight json.RawMessage `json:"weight"`
		Style  string          `json:"style"`
		File   string          `json:"file"`
	} `json:"faces"`
}

// LoadManifest reads a fonts.json manifest and registers every face. A
// relative file path is taken relative to the manifest.
func LoadManifest(path string) (*Registry, error) {
	r := NewRegistry()
	if err := r.AddManifest(path); err != nil {
		return nil, err
	}
	return r, nil
}

// AddManifest registers every face of a manifest file.
func (r *Registry) AddManifest(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("font manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("font manifest %s: %w", path, err)
	}
	if len(m.Faces) == 0 {
		return fmt.Errorf("font manifest %s: no faces", path)
	}
	var missing []string
	for i, f := range m.Faces {
		w, err := ParseWeight(strings.Trim(string(f.Weight), `"`))
		if err != nil {
			return fmt.Errorf("font manifest %s: faces[%d].weight: %v", path, i, err)
		}
		file := f.File
		if !filepath.IsAbs(file) {
			file = filepath.Join(filepath.Dir(path), file)
		}
		if err := r.AddFile(f.Family, w, f.Style, file); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				missing = append(missing, file)
				continue
			}
			return fmt.Errorf("font manifest %s: faces[%d]: %v", path, i, err)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("font manifest %s: %d font files missing (first: %s); install the packages the manifest names", path, len(missing), missing[0])
	}
	return nil
}

// AddFile registers the font in file under family, weight and style. The
// file must exist; it is read and parsed when a face from it is first
// resolved (and a file that is not a font fails then).
func (r *Registry) AddFile(family string, weight int, style, file string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ff, ok := r.files[file]
	if !ok {
		fi, err := os.Stat(file)
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return fmt.Errorf("%s: a folder, not a font file", file)
		}
		ff = &fontFile{path: file}
		r.files[file] = ff
	}
	return r.addFace(family, weight, style, file, &Font{src: ff})
}

// add registers a face parsed already.
func (r *Registry) add(family string, weight int, style, file string, pf *parsed) error {
	return r.addFace(family, weight, style, file, &Font{sfnt: pf.sfnt, ts: pf.ts, data: pf.data, upem: float64(pf.sfnt.UnitsPerEm())})
}

func (r *Registry) addFace(family string, weight int, style, file string, f *Font) error {
	st, err := ParseStyle(style)
	if err != nil {
		return err
	}
	fam, err := NormalizeFamily(family)
	if err != nil {
		return err
	}
	f.Family, f.Weight, f.Style, f.File = fam, weight, st, file
	r.faces[key(fam, weight, st)] = f
	return nil
}

func key(family string, weight int, style string) string {
	return strings.ToLower(family) + "|" + strconv.Itoa(weight) + "|" + style
}

// Resolve finds the face for a Fabric fontFamily, fontWeight and fontStyle.
func (r *Registry) Resolve(family, weight, style string) (*Font, error) {
	fam, err := NormalizeFamily(family)
	if err != nil {
		return nil, err
	}
	w, err := ParseWeight(weight)
	if err != nil {
		return nil, err
	}
	st, err := ParseStyle(style)
	if err != nil {
		return nil, err
	}
	r.mu.RLock()
	f := r.faces[key(fam, w, st)]
	if f == nil {
		if alias, ok := aliases[strings.ToLower(fam)]; ok {
			f = r.faces[key(alias, w, st)]
		}
	}
	r.mu.RUnlock()
	if f == nil {
		return nil, fmt.Errorf("%w: family %q weight %d style %s", ErrNotFound, fam, w, st)
	}
	if err := f.ready(); err != nil {
		return nil, fmt.Errorf("font %q weight %d style %s: %w", fam, w, st, err)
	}
	return f, nil
}

// Len reports how many faces are registered.
func (r *Registry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.faces)
}

// NormalizeFamily trims a fontFamily and removes one pair of quotes.
// Fallback lists are not supported.
func NormalizeFamily(family string) (string, error) {
	f := strings.TrimSpace(family)
	if len(f) >= 2 && (f[0] == '"' || f[0] == '\'') && f[len(f)-1] == f[0] {
		f = strings.TrimSpace(f[1 : len(f)-1])
	}
	if f == "" {
		return "", fmt.Errorf("empty fontFamily")
	}
	if strings.Contains(f, ",") {
		return "", fmt.Errorf("fontFamily %q: fallback lists are not supported", family)
	}
	return f, nil
}

// ParseWeight maps a CSS font weight to 100–900 (normal 400, bold 700).
func ParseWeight(w string) (int, error) {
	switch strings.TrimSpace(w) {
	case "", "normal":
		return 400, nil
	case "bold":
		return 700, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(w))
	if err != nil || n < 1 || n > 1000 {
		return 0, fmt.Errorf("unsupported fontWeight %q", w)
	}
	return n, nil
}

// ParseStyle maps a CSS font style to normal or italic.
func ParseStyle(s string) (string, error) {
	switch strings.TrimSpace(s) {
	case "", "normal":
		return "normal", nil
	case "italic":
		return "italic", nil
	}
	return "", fmt.Errorf("unsupported fontStyle %q", s)
}

var (
	goOnce sync.Once
	goReg  *Registry
)

// GoFonts returns a registry of the Go fonts embedded in the binary,
// registered as family "Go" (400/700, normal/italic): the last resort that
// works with no font files installed.
func GoFonts() *Registry {
	goOnce.Do(func() {
		r := NewRegistry()
		for _, f := range []struct {
			data   []byte
			weight int
			style  string
			name   string
		}{
			{goregular.TTF, 400, "normal", "gofont:regular"},
			{gobold.TTF, 700, "normal", "gofont:bold"},
			{goitalic.TTF, 400, "italic", "gofont:italic"},
			{gobolditalic.TTF, 700, "italic", "gofont:bolditalic"},
		} {
			pf, err := parse(f.data)
			if err != nil {
				panic("font: embedded Go font: " + err.Error())
			}
			if err := r.add("Go", f.weight, f.style, f.name, pf); err != nil {
				panic(err)
			}
		}
		goReg = r
	})
	return goReg
}

// Face measures and outlines glyphs of one Font. It is not safe for
// concurrent use; make one per goroutine.
type Face struct {
	Font   *Font
	buf    sfnt.Buffer
	ppem   fixed.Int26_6
	ts     *tsfont.Face
	shaper shaping.HarfbuzzShaper
	runes  []rune
}

// NewFace returns a Face for f.
func NewFace(f *Font) *Face {
	return &Face{Font: f, ppem: fixed.Int26_6(int(f.upem) << 6), ts: tsfont.NewFace(f.ts)}
}

// ShapedGlyph is one glyph of shaped text, in font units; YOffset is up.
type ShapedGlyph struct {
	ID               Glyph
	Advance          float64
	XOffset, YOffset float64
	Cluster          int // index of the first rune of its cluster
}

// Shape lays out text with OpenType shaping (kerning, ligatures, marks)
// as the browser does, and returns the glyphs in visual order and the
// total advance, in font units.
func (fc *Face) Shape(dst []ShapedGlyph, text string, rtl bool) ([]ShapedGlyph, float64) {
	fc.runes = fc.runes[:0]
	for _, r := range text {
		fc.runes = append(fc.runes, r)
	}
	if len(fc.runes) == 0 {
		return dst, 0
	}
	dir := di.DirectionLTR
	if rtl {
		dir = di.DirectionRTL
	}
	script := language.Latin
	for _, r := range fc.runes {
		if s := language.LookupScript(r); s != language.Common && s != language.Inherited && s != language.Unknown {
			script = s
			break
		}
	}
	out := fc.shaper.Shape(shaping.Input{
		Text: fc.runes, RunStart: 0, RunEnd: len(fc.runes), Direction: dir,
		Face: fc.ts, Size: fixed.Int26_6(int(fc.Font.upem) << 6), Script: script,
		Language: language.NewLanguage("en"),
	})
	total := 0.0
	for _, g := range out.Glyphs {
		sg := ShapedGlyph{
			ID: Glyph(g.GlyphID), Advance: float64(g.Advance) / 64,
			XOffset: float64(g.XOffset) / 64, YOffset: float64(g.YOffset) / 64, Cluster: g.ClusterIndex,
		}
		total += sg.Advance
		dst = append(dst, sg)
	}
	return dst, total
}

// Glyph is a glyph index in a font; 0 is .notdef.
type Glyph = sfnt.GlyphIndex

// Index returns the glyph for r, 0 if the font has none.
func (fc *Face) Index(r rune) Glyph {
	g, err := fc.Font.sfnt.GlyphIndex(&fc.buf, r)
	if err != nil {
		return 0
	}
	return g
}

// Has reports whether the font maps r to a glyph.
func (fc *Face) Has(r rune) bool { return fc.Index(r) != 0 }

// Advance returns the advance width of g in font units.
func (fc *Face) Advance(g Glyph) float64 {
	a, err := fc.Font.sfnt.GlyphAdvance(&fc.buf, g, fc.ppem, 0)
	if err != nil {
		return 0
	}
	return float64(a) / 64
}

// Kern returns the 'kern' table adjustment between two glyphs in font
// units.
func (fc *Face) Kern(a, b Glyph) float64 {
	k, err := fc.Font.sfnt.Kern(&fc.buf, a, b, fc.ppem, 0)
	if err != nil {
		return 0
	}
	return float64(k) / 64
}

// Metrics returns ascent and descent (positive, font units).
func (fc *Face) Metrics() (ascent, descent float64) {
	m, err := fc.Font.sfnt.Metrics(&fc.buf, fc.ppem, 0)
	if err != nil {
		return fc.Font.upem * 0.8, fc.Font.upem * 0.2
	}
	return float64(m.Ascent) / 64, float64(m.Descent) / 64
}

// Segment is one outline command in font units, y down.
type Segment struct {
	Op   byte // 'M', 'L', 'Q', 'C'
	Args [3][2]float64
}

// Outline appends g's outline to dst.
func (fc *Face) Outline(dst []Segment, g Glyph) []Segment {
	segs, err := fc.Font.sfnt.LoadGlyph(&fc.buf, g, fc.ppem, nil)
	if err != nil {
		return dst
	}
	for _, s := range segs {
		var out Segment
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			out.Op = 'M'
		case sfnt.SegmentOpLineTo:
			out.Op = 'L'
		case sfnt.SegmentOpQuadTo:
			out.Op = 'Q'
		case sfnt.SegmentOpCubeTo:
			out.Op = 'C'
		}
		for i := 0; i < 3; i++ {
			out.Args[i] = [2]float64{float64(s.Args[i].X) / 64, float64(s.Args[i].Y) / 64}
		}
		dst = append(dst, out)
	}
	return dst
}

// Top returns the top of a glyph's outline above the baseline in font
// units (0 for an empty glyph).
func (fc *Face) Top(g Glyph) float64 {
	b, _, err := fc.Font.sfnt.GlyphBounds(&fc.buf, g, fc.ppem, 0)
	if err != nil {
		return 0
	}
	return -float64(b.Min.Y) / 64
}

// Bottom returns how far a glyph's outline reaches below the baseline in
// font units (positive below).
func (fc *Face) Bottom(g Glyph) float64 {
	b, _, err := fc.Font.sfnt.GlyphBounds(&fc.buf, g, fc.ppem, 0)
	if err != nil {
		return 0
	}
	return float64(b.Max.Y) / 64
}

// Fonts returns the registered fonts in a stable order (family, weight,
// style); a font registered under several names appears once per name.
// It reads every font file not read yet.
func (r *Registry) Fonts() []*Font {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Font, 0, len(r.faces))
	for _, f := range r.faces {
		if f.ready() == nil { // a file that does not parse offers nothing
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Family != b.Family {
			return a.Family < b.Family
		}
		if a.Weight != b.Weight {
			return a.Weight < b.Weight
		}
		return a.Style < b.Style
	})
	return out
}

// AddDir registers every TrueType and OpenType font found under dir
// (recursively), under the family, weight and style the font's own name
// and OS/2 tables give. A font already registered under the same family,
// weight and style is kept. Files that do not parse are skipped and
// reported together in the error, after the others are registered.
func (r *Registry) AddDir(dir string) error {
	var bad []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".ttf", ".otf":
		default:
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pf, err := parse(data)
		if err != nil {
			bad = append(bad, filepath.Base(path))
			return nil
		}
		desc := pf.ts.Describe()
		style := "normal"
		if desc.Aspect.Style == tsfont.StyleItalic {
			style = "italic"
		}
		weight := int(desc.Aspect.Weight)
		if weight <= 0 {
			weight = 400
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		fam, err := NormalizeFamily(desc.Family)
		if err != nil {
			bad = append(bad, filepath.Base(path))
			return nil
		}
		if _, dup := r.faces[key(fam, weight, style)]; dup {
			return nil
		}
		return r.add(fam, weight, style, path, pf)
	})
	if err != nil {
		return fmt.Errorf("font folder %s: %w", dir, err)
	}
	if len(bad) > 0 {
		return fmt.Errorf("font folder %s: %d files are not usable fonts (first: %s)", dir, len(bad), bad[0])
	}
	return nil
}

// Load reads fonts from a manifest file (fonts.json format) or a folder.
func Load(path string) (*Registry, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("fonts: %w", err)
	}
	r := NewRegistry()
	if fi.IsDir() {
		err = r.AddDir(path)
	} else {
		err = r.AddManifest(path)
	}
	if err != nil {
		return nil, err
	}
	if r.Len() == 0 {
		return nil, fmt.Errorf("fonts: no fonts in %s", path)
	}
	return r, nil
}

// aliases maps the families every design tool offers to their
// metric-compatible free faces, used when the family itself is not
// registered.
var aliases = map[string]string{
	"arial":           "Liberation Sans",
	"helvetica":       "Liberation Sans",
	"times new roman": "Liberation Serif",
	"times":           "Liberation Serif",
	"courier new":     "Liberation Mono",
	"courier":         "Liberation Mono",
}
