package render_test

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/layout"
)

// postcardCase returns the 9x6 postcard back corpus case, parsed and with
// its data substituted.
func postcardCase(b *testing.B) (corpusCase, *fabric.Canvas) {
	b.Helper()
	var c corpusCase
	for _, cc := range loadCases(b, "public") {
		if cc.Name == "dm-postcard-9x6-back" {
			c = cc
		}
	}
	src, err := os.ReadFile(filepath.Join(corpusRoot, "public", c.File))
	if err != nil {
		b.Fatal(err)
	}
	cv, err := fabric.Parse(src, nil)
	if err != nil {
		b.Fatal(err)
	}
	if cv, err = fabric.SubstituteText(cv, c.Data, fabric.MissingError); err != nil {
		b.Fatal(err)
	}
	return c, cv
}

// benchPlan compiles the 9x6 postcard back with its data at scale.
func benchPlan(b *testing.B, scale float64) *render.Plan {
	b.Helper()
	c, cv := postcardCase(b)
	plan, err := render.Compile(context.Background(), cv, render.Options{
		Width: c.Width, Height: c.Height, Scale: scale, Fonts: corpusFonts(b),
	})
	if err != nil {
		b.Fatal(err)
	}
	return plan
}

// BenchmarkRender9x6 paints the 9x6 in postcard (864x576 px) at 300 DPI
// (multiplier 3.125, 2700x1800) and at preview size (multiplier 0.694).
func BenchmarkRender9x6(b *testing.B) {
	for _, bc := range []struct {
		name  string
		scale float64
	}{{"print-300dpi", 3.125}, {"preview", 0.694}} {
		b.Run(bc.name, func(b *testing.B) {
			plan := benchPlan(b, bc.scale)
			dst, err := plan.Render(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := plan.RenderTo(context.Background(), dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompile9x6 measures parsing-independent preparation: image
// decoding and text layout.
func BenchmarkCompile9x6(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchPlan(b, 3.125)
	}
}

// BenchmarkText9x6 lays out the 9x6 postcard's text blocks (with a warm
// engine, as a worker reuses one, and a cold one) and draws only them at
// 300 DPI. Fonts are parsed once, outside the loop.
func BenchmarkText9x6(b *testing.B) {
	c, cv := postcardCase(b)
	var texts []*fabric.Text
	fabric.WalkText(cv, func(t *fabric.Text) { texts = append(texts, t) })
	fonts := layout.NewFonts(corpusFonts(b), false)
	b.Run("layout-warm", func(b *testing.B) {
		eng := layout.NewEngine(fonts)
		b.ReportAllocs()
		for b.Loop() {
			for _, t := range texts {
				if _, err := eng.Layout(t); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("layout-cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			eng := layout.NewEngine(fonts)
			for _, t := range texts {
				if _, err := eng.Layout(t); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("draw-300dpi", func(b *testing.B) {
		only := &fabric.Canvas{Version: cv.Version}
		for _, t := range texts {
			only.Objects = append(only.Objects, t)
		}
		plan, err := render.Compile(context.Background(), only, render.Options{Width: c.Width, Height: c.Height, Scale: 3.125, Fonts: corpusFonts(b)})
		if err != nil {
			b.Fatal(err)
		}
		dst := image.NewRGBA(plan.Bounds())
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if err := plan.RenderTo(context.Background(), dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}
