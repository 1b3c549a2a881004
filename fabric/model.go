package fabric

import "image/color"

// Canvas is a parsed Fabric.js canvas document.
type Canvas struct {
	// Version is the top-level "version" key ("6.9.1"); "" when absent.
	Version string
	// Width and Height are the canvas size when the document stores it
	// (apps that call toObject(['width','height'])); 0 otherwise. Fabric's
	// own toJSON does not write them, so callers usually supply the size.
	Width, Height float64
	Objects       []Object
	// Background and Overlay are the canvas colour or gradient painted
	// below (above) all objects; the zero Paint paints nothing.
	Background, Overlay Paint
	// BackgroundImage and OverlayImage are full objects (usually *Image).
	BackgroundImage, OverlayImage Object
	// ClipPath clips everything but the overlay.
	ClipPath Object
}

// Kind names the class of an object, independent of the spelling a Fabric
// version used for its "type" key.
type Kind string

// The classes fabricpress understands.
const (
	KindRect            Kind = "Rect"
	KindCircle          Kind = "Circle"
	KindEllipse         Kind = "Ellipse"
	KindTriangle        Kind = "Triangle"
	KindLine            Kind = "Line"
	KindPolyline        Kind = "Polyline"
	KindPolygon         Kind = "Polygon"
	KindPath            Kind = "Path"
	KindText            Kind = "Text"
	KindIText           Kind = "IText"
	KindTextbox         Kind = "Textbox"
	KindImage           Kind = "Image"
	KindGroup           Kind = "Group"
	KindActiveSelection Kind = "ActiveSelection"
)

// Object is any drawable Fabric object. Every concrete type embeds Base.
type Object interface {
	// Props returns the properties every Fabric object has.
	Props() *Base
	// Kind returns the object's class.
	Kind() Kind
}

// Point is a 2-D point in an object's own coordinates.
type Point struct{ X, Y float64 }

// Base holds the properties shared by every Fabric object (fabric-model.md
// §1.3), after the writing version's defaults have been applied.
type Base struct {
	// Type is the "type" value exactly as written ("rect", "Rect", "i-text").
	Type string
	// Version is the object's own "version" key, else the canvas's.
	Version string
	// JSONPath locates the object in the document ("objects[3].objects[1]").
	JSONPath string

	// OriginX and OriginY are origin factors: left/top 0, center 0.5,
	// right/bottom 1, or the number Fabric stores.
	OriginX, OriginY float64
	Left, Top        float64
	Width, Height    float64

	Fill, Stroke     Paint
	StrokeWidth      float64
	StrokeDashArray  []float64
	StrokeLineCap    string // butt, round, square
	StrokeDashOffset float64
	StrokeLineJoin   string // miter, round, bevel
	StrokeUniform    bool
	StrokeMiterLimit float64

	ScaleX, ScaleY float64
	Angle          float64 // degrees, clockwise
	FlipX, FlipY   bool
	SkewX, SkewY   float64 // degrees
	Opacity        float64
	Visible        bool

	Shadow                   *Shadow
	BackgroundColor          Paint
	FillRule                 string // nonzero, evenodd
	PaintFirst               string // fill, stroke
	GlobalCompositeOperation string

	// ClipPath clips this object; it lives in this object's local space
	// unless its AbsolutePositioned is set.
	ClipPath           Object
	Inverted           bool
	AbsolutePositioned bool

	// Name and ID are the common custom properties apps add; Custom holds
	// every key fabricpress does not interpret (including name and id),
	// decoded from JSON, for bindings.
	Name, ID string
	Custom   map[string]any
}

// Props implements Object.
func (b *Base) Props() *Base { return b }

// Major returns the major Fabric version that wrote the object (4 to 7),
// or 0 if unknown.
func (b *Base) Major() int { return majorVersion(b.Version) }

// PaintKind says what a Paint paints.
type PaintKind int

// Kinds of Paint.
const (
	PaintNone PaintKind = iota
	PaintColor
	PaintGradient
	PaintPattern
)

// Paint is a fill or stroke: nothing, a CSS colour, a gradient or a pattern.
type Paint struct {
	Kind PaintKind
	// Color is the parsed colour when Kind is PaintColor. A string the
	// browser's CSS parser rejects leaves the canvas style unchanged, which
	// for a fresh object is opaque black; Raw keeps the original text.
	Color    color.NRGBA
	Raw      string
	Gradient *Gradient
	Pattern  *Pattern
}

// IsNone reports whether the paint paints nothing.
func (p Paint) IsNone() bool { return p.Kind == PaintNone }

// Gradient is a Fabric linear or radial gradient.
type Gradient struct {
	Type   string // linear, radial
	X1, Y1 float64
	X2, Y2 float64
	R1, R2 float64
	Stops  []ColorStop
	// OffsetX/OffsetY shift the gradient in the object's space.
	OffsetX, OffsetY float64
	// Percentage is true for gradientUnits 'percentage' (coordinates are
	// fractions of the object's width and height).
	Percentage bool
	// Transform is gradientTransform, or nil.
	Transform *Matrix
}

// ColorStop is one gradient stop with the stop opacity already applied
// as the writing Fabric version applies it.
type ColorStop struct {
	Offset float64
	Color  color.NRGBA
}

// Pattern is a Fabric image pattern.
type Pattern struct {
	Source           string
	Repeat           string // repeat, repeat-x, repeat-y, no-repeat
	OffsetX, OffsetY float64
	Transform        *Matrix
}

// Shadow is a Fabric drop shadow.
type Shadow struct {
	Color            color.NRGBA
	Blur             float64
	OffsetX, OffsetY float64
	AffectStroke     bool
	NonScaling       bool
}

// Rect is a rectangle with optional rounded corners.
type Rect struct {
	Base
	RX, RY float64
}

// Circle is a circle or an arc (angles in degrees).
type Circle struct {
	Base
	Radius               float64
	StartAngle, EndAngle float64
	CounterClockwise     bool
}

// Ellipse is an axis-aligned ellipse in local space.
type Ellipse struct {
	Base
	RX, RY float64
}

// Triangle is an isosceles triangle filling its box.
type Triangle struct{ Base }

// Line is a straight stroke. X1..Y2 are relative to the object centre as
// Fabric serialises them.
type Line struct {
	Base
	X1, Y1, X2, Y2 float64
}

// Poly is a Polyline or, when Closed, a Polygon.
type Poly struct {
	Base
	Points     []Point
	Closed     bool
	PathOffset Point
}

// Path is an SVG-style path simplified to absolute M, L, C, Q and Z.
type Path struct {
	Base
	Commands   []PathCommand
	PathOffset Point
}

// Image is a bitmap drawn into its box.
type Image struct {
	Base
	Src          string
	CrossOrigin  string
	CropX, CropY float64
	Filters      []Filter
	ResizeFilter *Filter
	// ImageSmoothing is Fabric's imageSmoothing (not serialised; true).
	ImageSmoothing bool
	// Fit is set by Bind when a new source was swapped in: how it fills
	// the Width×Height box (FitStretch, FitCover, FitContain); FitNone
	// draws as Fabric does.
	Fit string
}

// Group holds child objects positioned relative to the group centre.
type Group struct {
	Base
	Objects []Object
	// Selection is true for an ActiveSelection.
	Selection bool
}

// Kind implements Object.
func (*Rect) Kind() Kind { return KindRect }

// Kind implements Object.
func (*Circle) Kind() Kind { return KindCircle }

// Kind implements Object.
func (*Ellipse) Kind() Kind { return KindEllipse }

// Kind implements Object.
func (*Triangle) Kind() Kind { return KindTriangle }

// Kind implements Object.
func (*Line) Kind() Kind { return KindLine }

// Kind implements Object.
func (p *Poly) Kind() Kind {
	if p.Closed {
		return KindPolygon
	}
	return KindPolyline
}

// Kind implements Object.
func (*Path) Kind() Kind { return KindPath }

// Kind implements Object.
func (*Image) Kind() Kind { return KindImage }

// Kind implements Object.
func (g *Group) Kind() Kind {
	if g.Selection {
		return KindActiveSelection
	}
	return KindGroup
}
