package render_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render"
)

// wildDir holds real Fabric JSON saved by other apps' editors; it lives in
// the shared folder beside the repository and is not copied here.
const wildDir = "../../shared/wild"

// TestWildDocuments draws every wild document or refuses it with a clear
// one-line reason: never a panic, never a hang.
func TestWildDocuments(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(wildDir, "*.json"))
	if len(files) == 0 {
		t.Skipf("no wild documents in %s", wildDir)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			// Strict: unknown fonts and broken images are refused.
			reason := drawOrRefuse(ctx, t, data, render.Options{})
			// Lenient: what parses must draw with fallbacks (reported).
			if _, err := fabric.Parse(data, nil); err == nil {
				if r2 := drawOrRefuse(ctx, t, data, render.Options{FontFallback: true, SkipBrokenImages: true}); r2 != "" {
					t.Errorf("parsed but did not draw with fallbacks: %s", r2)
				}
			}
			if ctx.Err() != nil {
				t.Fatalf("did not finish in time")
			}
			if reason != "" {
				if strings.ContainsAny(reason, "\n\r") || len(reason) > 400 {
					t.Errorf("refusal is not a short single line: %q", reason)
				}
				t.Logf("refused: %s", reason)
			} else {
				t.Logf("drawn")
			}
		})
	}
}

func drawOrRefuse(ctx context.Context, t *testing.T, data []byte, opts render.Options) string {
	c, err := fabric.Parse(data, nil)
	if err != nil {
		return err.Error()
	}
	w, h := c.Width, c.Height
	if w == 0 || h == 0 {
		w, h = 900, 1200 // the canvas size is not in the document
	}
	opts.Width, opts.Height, opts.Scale, opts.Fonts = w, h, 0.5, corpusFonts(t)
	plan, err := render.Compile(ctx, c, opts)
	if err != nil {
		return err.Error()
	}
	if _, err := plan.Render(ctx); err != nil {
		return err.Error()
	}
	return ""
}
