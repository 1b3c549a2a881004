package fabric

// Text is a Fabric Text, IText or Textbox (they render identically; a
// Textbox also wraps to its width).
type Text struct {
	Base
	Class Kind // KindText, KindIText or KindTextbox

	Text                    string
	FontSize                float64
	FontWeight              string // "normal", "bold" or a number such as "600"
	FontFamily              string
	FontStyle               string // normal, italic, oblique
	LineHeight              float64
	Underline               bool
	Overline                bool
	Linethrough             bool
	TextAlign               string // left, center, right, justify, justify-left, justify-center, justify-right
	TextBackgroundColor     Paint
	CharSpacing             float64 // thousandths of an em
	Direction               string  // ltr, rtl
	TextDecorationThickness float64 // thousandths of the font size
	TextDecorationColor     Paint

	// Styles are the per-character overrides, normalised to runs over
	// character indices that do not count newlines (the v6 array form),
	// whatever form and version wrote them.
	Styles []StyleRun

	// PathCommands is the path the text follows, or nil.
	PathCommands    []PathCommand
	PathStartOffset float64
	PathSide        string
	PathAlign       string

	// Textbox only.
	MinWidth        float64
	SplitByGrapheme bool
}

// Kind implements Object.
func (t *Text) Kind() Kind { return t.Class }

// StyleRun applies Style to characters [Start, End) of the text, counting
// characters (Unicode code points joined into Fabric's graphemes) and not
// counting newlines.
type StyleRun struct {
	Start, End int
	Style      CharStyle
}

// CharStyle is a per-character override; nil fields keep the object value.
type CharStyle struct {
	FontSize                *float64
	FontWeight              *string
	FontFamily              *string
	FontStyle               *string
	Underline               *bool
	Overline                *bool
	Linethrough             *bool
	Fill                    *Paint
	Stroke                  *Paint
	StrokeWidth             *float64
	DeltaY                  *float64
	TextBackgroundColor     *Paint
	TextDecorationThickness *float64
	TextDecorationColor     *Paint
}

// IsZero reports whether the style overrides nothing.
func (s CharStyle) IsZero() bool { return s == CharStyle{} }
