package fabric_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
)

func mustParse(t *testing.T, doc string) *fabric.Canvas {
	t.Helper()
	c, err := fabric.Parse([]byte(doc), nil)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestParseErrorsNameThePath(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
		is              error
	}{
		{"unknown type", `{"objects":[{"type":"rect"},{"type":"sparkle"}]}`, `objects[1].type: unknown object type "sparkle"`, fabric.ErrUnknownType},
		{"nested fill", `{"objects":[{"type":"group","objects":[{"type":"rect"},{"type":"rect","fill":{"type":"conic"}}]}]}`, `objects[0].objects[1].fill.type: unknown paint type "conic"`, nil},
		{"bad number", `{"objects":[{"type":"Rect","left":"ten"}]}`, `objects[0].left: expected a number, got "ten"`, nil},
		{"missing type", `{"objects":[{"left":1}]}`, `objects[0].type: missing or not a string`, nil},
		{"objects not array", `{"objects":{}}`, `objects: expected an array of objects`, nil},
		{"no objects", `{"json":{"objects":[]}}`, `objects: missing: not a Fabric canvas document (top-level keys: json)`, nil},
		{"not json", `{"objects":[}`, `invalid JSON at byte`, fabric.ErrSyntax},
		{"bad origin", `{"objects":[{"type":"rect","originX":"middle"}]}`, `objects[0].originX: unknown origin "middle"`, nil},
		{"bad path", `{"objects":[{"type":"path","path":[["M",0,0],["L",1]]}]}`, `objects[0].path`, nil},
		{"clip path", `{"objects":[{"type":"rect","clipPath":{"type":"blob"}}]}`, `objects[0].clipPath.type: unknown object type "blob"`, fabric.ErrUnknownType},
		{"top array", `[1,2]`, `document is a JSON array`, nil},
		{"style value", `{"objects":[{"type":"textbox","text":"ab","styles":[{"start":0,"end":1,"style":{"fontSize":"big"}}]}]}`, `objects[0].styles[0].style.fontSize: expected a number`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fabric.Parse([]byte(tc.doc), nil)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	many := `{"objects":[` + strings.Repeat(`{"type":"rect"},`, 50) + `{"type":"rect"}]}`
	deep := `{"objects":[` + strings.Repeat(`{"type":"group","objects":[`, 40) + strings.Repeat(`]}`, 40) + `]}`
	for _, tc := range []struct {
		name, doc string
		lim       fabric.Limits
	}{
		{"objects", many, fabric.Limits{MaxObjects: 10}},
		{"depth", deep, fabric.Limits{}},
		{"bytes", many, fabric.Limits{MaxBytes: 100}},
		{"text", `{"objects":[{"type":"text","text":"` + strings.Repeat("x", 100) + `"}]}`, fabric.Limits{MaxTextBytes: 10}},
		{"canvas", `{"width":100000,"height":100000,"objects":[]}`, fabric.Limits{}},
		{"points", `{"objects":[{"type":"polygon","points":[` + strings.Repeat(`{"x":1,"y":2},`, 20) + `{"x":0,"y":0}]}]}`, fabric.Limits{MaxPoints: 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fabric.Parse([]byte(tc.doc), &fabric.ParseOptions{Limits: tc.lim})
			if !errors.Is(err, fabric.ErrLimit) {
				t.Fatalf("got %v, want ErrLimit", err)
			}
		})
	}
}

func TestParseTypeSpellingsAndDefaults(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		kind fabric.Kind
	}{
		{"rect", fabric.KindRect}, {"Rect", fabric.KindRect}, {"i-text", fabric.KindIText}, {"IText", fabric.KindIText},
		{"itext", fabric.KindIText}, {"textbox", fabric.KindTextbox}, {"Textbox", fabric.KindTextbox},
		{"activeSelection", fabric.KindActiveSelection}, {"ActiveSelection", fabric.KindActiveSelection},
		{"polyline", fabric.KindPolyline}, {"Polygon", fabric.KindPolygon}, {"image", fabric.KindImage},
	} {
		c := mustParse(t, fmt.Sprintf(`{"version":"6.9.1","objects":[{"type":%q}]}`, tc.typ))
		if got := c.Objects[0].Kind(); got != tc.kind {
			t.Errorf("type %q: kind %s, want %s", tc.typ, got, tc.kind)
		}
	}
	// Version defaults: v7 centre origin, v6 left/top; Triangle 100x100;
	// Image strokeWidth 0; stripped fill is black.
	v7 := mustParse(t, `{"version":"7.4.0","objects":[{"type":"Rect","left":10,"top":10,"width":20,"height":20}]}`)
	if b := v7.Objects[0].Props(); b.OriginX != 0.5 || b.OriginY != 0.5 {
		t.Errorf("v7 origin = %v,%v, want centre", b.OriginX, b.OriginY)
	}
	v6 := mustParse(t, `{"version":"6.9.1","objects":[{"type":"Rect"},{"type":"Triangle"},{"type":"Image","src":"x.png"}]}`)
	if b := v6.Objects[0].Props(); b.OriginX != 0 || b.StrokeWidth != 1 || b.Fill.Kind != fabric.PaintColor || b.Fill.Color.A != 255 {
		t.Errorf("v6 rect defaults wrong: %+v", b)
	}
	if b := v6.Objects[1].Props(); b.Width != 100 || b.Height != 100 {
		t.Errorf("triangle default size %vx%v", b.Width, b.Height)
	}
	if b := v6.Objects[2].Props(); b.StrokeWidth != 0 {
		t.Errorf("image strokeWidth %v", b.StrokeWidth)
	}
	// v4 circles store radians.
	v4 := mustParse(t, `{"version":"4.6.0","objects":[{"type":"circle","radius":5,"endAngle":3.141592653589793}]}`)
	if c := v4.Objects[0].(*fabric.Circle); math.Abs(c.EndAngle-180) > 1e-9 || c.Width != 10 {
		t.Errorf("v4 circle end %v width %v", c.EndAngle, c.Width)
	}
	// Negative scale is a flip.
	f := mustParse(t, `{"objects":[{"type":"rect","scaleX":-2}]}`)
	if b := f.Objects[0].Props(); !b.FlipX || b.ScaleX != 2 {
		t.Errorf("negative scale: flip %v scale %v", b.FlipX, b.ScaleX)
	}
}

func TestParseKeepsCustomProperties(t *testing.T) {
	c := mustParse(t, `{"objects":[{"type":"textbox","text":"hi","name":"headline","id":7,"data":{"x":[1,2]}}]}`)
	b := c.Objects[0].Props()
	if b.Name != "headline" || b.ID != "7" {
		t.Errorf("name %q id %q", b.Name, b.ID)
	}
	if _, ok := b.Custom["data"].(map[string]any); !ok {
		t.Errorf("custom data not kept: %#v", b.Custom)
	}
	if _, ok := b.Custom["fill"]; ok {
		t.Error("known key stored as custom")
	}
}

func TestParseStylesBothForms(t *testing.T) {
	// Nested form: line 1, char 2 -> overall char index 2 + len("ab") = 4.
	c := mustParse(t, `{"version":"5.1.0","objects":[{"type":"i-text","text":"ab\ncdef","styles":{"1":{"2":{"fill":"red"}}}}]}`)
	st := c.Objects[0].(*fabric.Text).Styles
	if len(st) != 1 || st[0].Start != 4 || st[0].End != 5 || st[0].Style.Fill == nil {
		t.Fatalf("nested styles = %+v", st)
	}
	// v5 arrays count UTF-16 units: "😀x" has x at unit 2, char 1.
	c = mustParse(t, `{"version":"5.3.0","objects":[{"type":"textbox","text":"😀x","styles":[{"start":2,"end":3,"style":{"fontSize":9}}]}]}`)
	st = c.Objects[0].(*fabric.Text).Styles
	if len(st) != 1 || st[0].Start != 1 || st[0].End != 2 {
		t.Fatalf("v5 array styles = %+v", st)
	}
	// v6 arrays count graphemes.
	c = mustParse(t, `{"version":"6.9.1","objects":[{"type":"Textbox","text":"😀x","styles":[{"start":1,"end":2,"style":{"fontSize":9}}]}]}`)
	st = c.Objects[0].(*fabric.Text).Styles
	if len(st) != 1 || st[0].Start != 1 || *st[0].Style.FontSize != 9 {
		t.Fatalf("v6 array styles = %+v", st)
	}
}

func TestGeometryMatchesFabric(t *testing.T) {
	// A 100x50 rect at 10,20 with stroke 1: centre at 10 + 50.5, 20 + 25.5.
	c := mustParse(t, `{"objects":[{"type":"rect","left":10,"top":20,"width":100,"height":50}]}`)
	b := c.Objects[0].Props()
	p := b.Center(b.Width, b.Height)
	if p.X != 60.5 || p.Y != 45.5 {
		t.Errorf("centre %v", p)
	}
	// Rotated 90° about the top-left origin: the centre swings round it.
	c = mustParse(t, `{"objects":[{"type":"rect","left":100,"top":100,"width":40,"height":20,"strokeWidth":0,"angle":90}]}`)
	b = c.Objects[0].Props()
	p = b.Center(b.Width, b.Height)
	if math.Abs(p.X-90) > 1e-9 || math.Abs(p.Y-120) > 1e-9 {
		t.Errorf("rotated centre %v, want (90,120)", p)
	}
	// Path and polygon sizes come from their geometry.
	c = mustParse(t, `{"objects":[{"type":"polygon","points":[{"x":10,"y":10},{"x":30,"y":10},{"x":20,"y":40}]},{"type":"path","path":[["M",0,0],["L",10,0],["L",10,5]]},{"type":"line","x1":-5,"y1":0,"x2":5,"y2":3}]}`)
	if b := c.Objects[0].(*fabric.Poly); b.Width != 20 || b.Height != 30 || b.PathOffset != (fabric.Point{X: 20, Y: 25}) {
		t.Errorf("polygon %v x %v offset %v", b.Width, b.Height, b.PathOffset)
	}
	if b := c.Objects[1].(*fabric.Path); b.Width != 10 || b.Height != 5 {
		t.Errorf("path %v x %v", b.Width, b.Height)
	}
	if b := c.Objects[2].(*fabric.Line); b.Width != 10 || b.Height != 3 {
		t.Errorf("line %v x %v", b.Width, b.Height)
	}
}

func TestParseCorpus(t *testing.T) {
	files, _ := filepath.Glob("../testdata/corpus/*/json/*.json")
	if len(files) == 0 {
		t.Fatal("no corpus files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fabric.Parse(b, nil); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("../testdata/corpus/public/json/dm-postcard-9x6-back.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := fabric.Parse(data, nil); err != nil {
			b.Fatal(err)
		}
	}
}
