package layout

import (
	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/font"
)

// Block is one text object laid out in its own local coordinates: the
// origin is the centre of its Width×Height box, y grows downwards, as
// Fabric's Text._render draws. Backends paint, in this order: Backgrounds,
// the Decorations with Under set, the glyph Runs of every line (fill and
// stroke in the object's paintFirst order), then the other Decorations.
type Block struct {
	Width, Height float64
	Lines         []Line
	Backgrounds   []Box
	Decorations   []Decoration
}

// Line is one wrapped line.
type Line struct {
	Top      float64 // top of the line box
	Height   float64 // the line's font height (1.13 × largest size), without lineHeight
	Baseline float64 // y of the alphabetic baseline
	Width    float64 // Fabric's measured width
	Runs     []Run
	// Text is the line's characters, for backends that write text (PDF).
	Text string
}

// Run is a stretch of glyphs shaped in one font, size, style and direction.
type Run struct {
	Style  *Style
	RTL    bool
	Text   string
	Glyphs []Glyph
}

// Glyph is one glyph at its origin on the baseline (deltaY included).
// Cluster is the index, in runes of the run's Text, of the first
// character the glyph stands for.
type Glyph struct {
	ID      font.Glyph
	X, Y    float64
	Cluster int
}

// Box is a filled rectangle.
type Box struct {
	X, Y, W, H float64
	Paint      fabric.Paint
}

// Decoration is an underline, overline or line-through rectangle.
type Decoration struct {
	Box
	Kind  string // underline, overline, linethrough
	Under bool   // drawn before the glyphs (underline)
}

// Style is the complete style of a character: the object's values with
// its per-character overrides, and the face that draws it.
type Style struct {
	FontSize                float64
	FontWeight, FontFamily  string
	FontStyle               string
	Underline, Overline     bool
	Linethrough             bool
	Fill, Stroke            fabric.Paint
	StrokeWidth             float64
	DeltaY                  float64
	TextBackgroundColor     fabric.Paint
	TextDecorationThickness float64
	TextDecorationColor     fabric.Paint
	Font                    *font.Font
}
