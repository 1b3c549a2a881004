package render_test

import (
	"context"
	"encoding/json"
	"flag"
	"image"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/internal/imgtest"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/font"
)

var (
	update  = flag.Bool("update", false, "rewrite testdata/golden regression images (never the Fabric.js references)")
	outDir  = flag.String("golden.out", "", "also write every rendered PNG and diff to this folder")
	corpora = []string{"public", "v5", "v7"}
)

const corpusRoot = "../testdata/corpus"

type corpusCase struct {
	Name       string            `json:"name"`
	File       string            `json:"file"`
	Ref        string            `json:"ref"`
	Width      float64           `json:"width"`
	Height     float64           `json:"height"`
	Multiplier float64           `json:"multiplier"`
	Tags       []string          `json:"tags"`
	Data       map[string]string `json:"data"`
}

func (c corpusCase) hasText() bool {
	for _, t := range c.Tags {
		if t == "text" || t == "textbox" || t == "itext" || t == "design" || strings.HasPrefix(t, "text-") {
			return true
		}
	}
	return false
}

func loadCases(t testing.TB, set string) []corpusCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusRoot, set, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Cases []corpusCase }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Cases
}

var (
	fontsOnce sync.Once
	fonts     *font.Registry
	fontsErr  error
)

func corpusFonts(t testing.TB) *font.Registry {
	t.Helper()
	fontsOnce.Do(func() { fonts, fontsErr = font.LoadManifest(filepath.Join(corpusRoot, "fonts.json")) })
	if fontsErr != nil {
		t.Fatalf("fonts (run `make fonts`): %v", fontsErr)
	}
	return fonts
}

// loadCase parses one corpus case with its data substituted, and returns
// the options it is drawn with.
func loadCase(t testing.TB, set string, c corpusCase) (*fabric.Canvas, render.Options) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(corpusRoot, set, c.File))
	if err != nil {
		t.Fatal(err)
	}
	cv, err := fabric.Parse(src, nil)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if c.Data != nil {
		if cv, err = fabric.SubstituteText(cv, c.Data, fabric.MissingError); err != nil {
			t.Fatalf("data: %v", err)
		}
	}
	return cv, render.Options{
		Width: c.Width, Height: c.Height, Scale: c.Multiplier, Fonts: corpusFonts(t),
		AssetsDir: filepath.Join(corpusRoot, set, "assets"),
	}
}

// renderCase parses, substitutes and renders one corpus case.
func renderCase(t testing.TB, set string, c corpusCase) *image.RGBA {
	t.Helper()
	cv, opts := loadCase(t, set, c)
	plan, err := render.Compile(context.Background(), cv, opts)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	img, err := plan.Render(context.Background())
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return img
}

// Mismatch limits (percent of pixels, pixelmatch threshold 0.1, AA not
// counted): cases without text at or below 1% (median 0.1%), cases with
// text at or below 1.5% (median 0.6%).
const (
	shapeLimit      = 1.0
	shapeMedianLim  = 0.1
	textLimit       = 1.5
	textMedianLimit = 0.6
)

func limitFor(c corpusCase) float64 {
	if c.hasText() {
		return textLimit
	}
	return shapeLimit
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// TestGoldenFabric renders every corpus case and compares it with the PNG
// Fabric.js drew in Chromium.
func TestGoldenFabric(t *testing.T) {
	for _, set := range corpora {
		cases := loadCases(t, set)
		var shapeFigures, textFigures []float64
		var mu sync.Mutex
		t.Run(set, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.Name, func(t *testing.T) {
					t.Parallel()
					got := renderCase(t, set, c)
					want, err := imgtest.ReadPNG(filepath.Join(corpusRoot, set, c.Ref))
					if err != nil {
						t.Fatal(err)
					}
					res, err := imgtest.Compare(got, want, imgtest.DefaultOptions)
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("%s/%s: %.3f%% mismatched (%s)", set, c.Name, res.Percent, res)
					mu.Lock()
					if c.hasText() {
						textFigures = append(textFigures, res.Percent)
					} else {
						shapeFigures = append(shapeFigures, res.Percent)
					}
					mu.Unlock()
					dir := *outDir
					lim := limitFor(c)
					if res.Percent > lim && dir == "" {
						dir = t.TempDir()
					}
					if dir != "" {
						_ = os.MkdirAll(dir, 0o755)
						_ = imgtest.WritePNG(filepath.Join(dir, set+"-"+c.Name+".got.png"), got)
						_ = imgtest.WritePNG(filepath.Join(dir, set+"-"+c.Name+".diff.png"), res.Diff)
					}
					if res.Percent > lim {
						t.Errorf("%s/%s: %.3f%% mismatched, limit %.2f%%; wrote %s", set, c.Name, res.Percent, lim, dir)
					}
				})
			}
		})
		if set != "public" {
			continue
		}
		ms, mt := median(shapeFigures), median(textFigures)
		t.Logf("public: median mismatch %.3f%% over %d cases without text, %.3f%% over %d cases with text",
			ms, len(shapeFigures), mt, len(textFigures))
		if ms > shapeMedianLim {
			t.Errorf("median mismatch of cases without text %.3f%% > %.2f%%", ms, shapeMedianLim)
		}
		if mt > textMedianLimit {
			t.Errorf("median mismatch of cases with text %.3f%% > %.2f%%", mt, textMedianLimit)
		}
	}
}
