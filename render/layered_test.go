package render_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render"
)

// TestLayeredMatchesRender checks that a layered render (static objects
// painted once, only the variable ones again) is pixel for pixel the
// uncached render of the same bound canvas, on every corpus case and every
// wild document that draws, with the variable objects chosen in several
// patterns (below, between and above static ones) and changed: moved, and
// text made longer.
func TestLayeredMatchesRender(t *testing.T) {
	ctx := context.Background()
	sets := corpora
	if raceEnabled {
		sets = corpora[:1] // v5 and v7 are the same designs
	}
	for _, set := range sets {
		for _, c := range loadCases(t, set) {
			t.Run(set+"/"+c.Name, func(t *testing.T) {
				t.Parallel()
				cv, opts := loadCase(t, set, c)
				checkLayered(ctx, t, cv, opts)
			})
		}
	}
	files, _ := filepath.Glob(filepath.Join(wildDir, "*.json"))
	for _, f := range files {
		t.Run("wild/"+filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cv, err := fabric.Parse(data, nil)
			if err != nil {
				t.Skipf("refused: %v", err)
			}
			w, h := cv.Width, cv.Height
			if w == 0 || h == 0 {
				w, h = 900, 1200 // as TestWildDocuments draws them
			}
			checkLayered(ctx, t, cv, render.Options{Width: w, Height: h, Scale: 0.5, Fonts: corpusFonts(t), FontFallback: true, SkipBrokenImages: true})
		})
	}
}

func checkLayered(ctx context.Context, t *testing.T, cv *fabric.Canvas, opts render.Options) {
	t.Helper()
	plan, err := render.Compile(ctx, cv, opts)
	if err != nil {
		t.Skipf("compile: %v", err)
	}
	n := len(cv.Objects)
	patterns := map[string]func(i int) bool{
		"none":  func(int) bool { return false },
		"all":   func(int) bool { return true },
		"even":  func(i int) bool { return i%2 == 0 },
		"odd":   func(i int) bool { return i%2 == 1 },
		"first": func(i int) bool { return i == 0 },
		"last":  func(i int) bool { return i == n-1 },
		"mid":   func(i int) bool { return i == n/2 },
	}
	if raceEnabled {
		for _, name := range []string{"all", "even", "first", "mid"} {
			delete(patterns, name)
		}
	}
	for name, isVar := range patterns {
		variable := make([]bool, n)
		for i := range variable {
			variable[i] = isVar(i)
		}
		l, err := render.NewLayered(ctx, cv, variable, opts)
		if err != nil {
			t.Fatalf("%s: layers: %v", name, err)
		}
		// One raster for every frame of the layers, as a worker keeps it.
		got := image.NewRGBA(plan.Bounds())
		var prev []image.Rectangle
		for _, changed := range []bool{true, false, true} {
			bound := cv
			if changed {
				bound = changeObjects(cv, variable)
			}
			want := uncached(ctx, t, bound, opts)
			var f render.Frame
			if prev == nil {
				f, err = l.RenderTo(ctx, bound, got)
			} else {
				f, err = l.RenderOver(ctx, bound, got, prev)
			}
			prev = f.Dirty
			if err != nil {
				t.Fatalf("%s: layered render: %v", name, err)
			}
			if !bytes.Equal(got.Pix, want.Pix) {
				t.Errorf("variable %s (changed %v): %s", name, changed, firstDiff(got, want))
			}
			// Outside the dirty rectangles the frame is the static layer.
			outside := image.NewRGBA(got.Rect)
			copy(outside.Pix, got.Pix)
			for _, d := range f.Dirty {
				for y := d.Min.Y; y < d.Max.Y; y++ {
					copy(outside.Pix[outside.PixOffset(d.Min.X, y):outside.PixOffset(d.Max.X, y)], l.Static().Pix[l.Static().PixOffset(d.Min.X, y):])
				}
			}
			if !bytes.Equal(outside.Pix, l.Static().Pix) {
				t.Errorf("variable %s (changed %v): the frame differs from the static layer outside its dirty rectangles", name, changed)
			}
		}
	}
}

func uncached(ctx context.Context, t *testing.T, c *fabric.Canvas, opts render.Options) *image.RGBA {
	t.Helper()
	p, err := render.Compile(ctx, c, opts)
	if err != nil {
		t.Fatalf("compile bound: %v", err)
	}
	img, err := p.Render(ctx)
	if err != nil {
		t.Fatalf("render bound: %v", err)
	}
	return img
}

// changeObjects returns c with the marked objects replaced by moved
// copies (text copies also get longer), the others shared, as
// fabric.Bind returns a bound canvas.
func changeObjects(c *fabric.Canvas, variable []bool) *fabric.Canvas {
	out := *c
	out.Objects = make([]fabric.Object, len(c.Objects))
	for i, o := range c.Objects {
		out.Objects[i] = o
		if !variable[i] {
			continue
		}
		v := reflect.New(reflect.TypeOf(o).Elem())
		v.Elem().Set(reflect.ValueOf(o).Elem())
		cp := v.Interface().(fabric.Object)
		b := cp.Props()
		b.Left += 9.7
		b.Top += 5.3
		if tx, ok := cp.(*fabric.Text); ok {
			tx.Text += " Zq"
		}
		out.Objects[i] = cp
	}
	return &out
}

func firstDiff(a, b *image.RGBA) string {
	n := 0
	var at image.Point
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		for x := a.Rect.Min.X; x < a.Rect.Max.X; x++ {
			if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
				if n == 0 {
					at = image.Pt(x, y)
				}
				n++
			}
		}
	}
	return fmt.Sprintf("%d pixels differ, first at %v: %v, want %v", n, at, a.RGBAAt(at.X, at.Y), b.RGBAAt(at.X, at.Y))
}
