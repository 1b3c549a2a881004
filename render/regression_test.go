package render_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/internal/imgtest"
	"github.com/fabricpress/fabricpress/render"
)

// TestGoldenScenes renders our own scenes (features the Fabric.js corpus
// does not cover: patterns, blend modes, even-odd fills, arcs, nested and
// inverted clips, rtl text) and compares them with our earlier output in
// testdata/golden. These are regression goldens, not ground truth: after
// checking a change by eye, rewrite them with `make golden` (-update).
func TestGoldenScenes(t *testing.T) {
	const dir = "../testdata/scenes"
	b, err := os.ReadFile(filepath.Join(dir, "scenes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var scenes []struct {
		Name          string
		File          string
		Width, Height float64
		Multiplier    float64
	}
	if err := json.Unmarshal(b, &scenes); err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenes {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(filepath.Join(dir, sc.File))
			if err != nil {
				t.Fatal(err)
			}
			c, err := fabric.Parse(src, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c, err = fabric.SubstituteText(c, map[string]string{"name": "Łukasz"}, fabric.MissingError); err != nil {
				t.Fatal(err)
			}
			plan, err := render.Compile(context.Background(), c, render.Options{Width: sc.Width, Height: sc.Height, Scale: sc.Multiplier, Fonts: corpusFonts(t)})
			if err != nil {
				t.Fatal(err)
			}
			got, err := plan.Render(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("../testdata/golden", sc.Name+".png")
			if *update {
				if err := imgtest.WritePNG(golden, got); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := imgtest.ReadPNG(golden)
			if errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("no golden %s: run `make golden` and look at it", golden)
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := imgtest.Compare(got, want, imgtest.Options{Threshold: 0.05, IncludeAA: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Mismatched > 0 {
				out := t.TempDir()
				imgtest.WritePNG(filepath.Join(out, sc.Name+".got.png"), got)
				imgtest.WritePNG(filepath.Join(out, sc.Name+".diff.png"), res.Diff)
				t.Errorf("%s: %s against our golden; wrote %s", sc.Name, res, out)
			}
		})
	}
}
