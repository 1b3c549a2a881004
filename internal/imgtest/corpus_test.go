package imgtest

import (
	"crypto/sha256"
	"encoding/hex"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// Reference PNGs rendered by real Fabric.js, when present: the repository's
// testdata/ref, else the shared corpus. The test is skipped without them or
// when a file is not the one the figures were recorded for.
var corpusDirs = []string{"../../testdata/corpus/public/ref"}

// corpusFile is a reference PNG and the first 16 hex digits of its sha256.
type corpusFile struct{ name, sha string }

// TestCorpusMatchesCompareMJS compares reference renders against variants of
// themselves and against each other. The expected numbers are what
// `node compare.mjs WANT_DIR GOT_DIR --json` (pixelmatch 8.0.0) printed for
// the same pairs written as PNG files with WritePNG (mismatchPixels,
// mismatchPixelsAA, mae).
func TestCorpusMatchesCompareMJS(t *testing.T) {
	dir := ""
	for _, d := range corpusDirs {
		if _, err := os.Stat(d); err == nil {
			dir = d
			break
		}
	}
	if dir == "" {
		t.Skip("no reference PNGs")
	}
	load := func(t *testing.T, f corpusFile) *image.NRGBA {
		t.Helper()
		p := filepath.Join(dir, f.name+".png")
		data, err := os.ReadFile(p)
		if err != nil {
			t.Skip(err)
		}
		if s := sha256.Sum256(data); hex.EncodeToString(s[:8]) != f.sha {
			t.Skipf("%s changed since the figures were recorded", p)
		}
		img, err := ReadPNG(p)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	var (
		textStroke     = corpusFile{"text-stroke", "f52d2bbcbd1b8346"}
		dmLetter       = corpusFile{"dm-letter", "78e33f29b081a358"}
		bgOverlay      = corpusFile{"canvas-bg-overlay", "e4cb719ee45c090a"}
		clipAbsolute   = corpusFile{"clip-absolute", "9df978a4897ac186"}
		clipCanvas     = corpusFile{"clip-canvas", "7e1f2dd12b78ab3d"} // has transparent pixels
		clipInverted   = corpusFile{"clip-inverted", "30ee5f0e66c99542"}
		textStyles     = corpusFile{"text-styles", "cad66ec31d8ef753"}
		textTransform  = corpusFile{"text-transform", "fda72440e9e20333"}
		transformSkew  = corpusFile{"transform-skew", "f2d0b0cc495f912f"}
		groupNegOffset = corpusFile{"group-negative-offsets", "098f0cca01237a4c"}
	)
	for _, tc := range []struct {
		name      string
		want, got func(*testing.T) image.Image
		n, nAA    int
		mae       float64
	}{
		{"text-stroke/shift1", ref(load, textStroke), shift1(load, textStroke), 4766, 14215, 3.3707607142857143},
		{"dm-letter/blur", ref(load, dmLetter), blur(load, dmLetter), 34821, 50703, 2.8726612981840463},
		{"transform-skew/shift1", ref(load, transformSkew), shift1(load, transformSkew), 420, 3721, 0.7005875},
		{"group-negative-offsets/shift1", ref(load, groupNegOffset), shift1(load, groupNegOffset), 3, 845, 0.20884270833333332},
		{"canvas-bg-overlay/clip-absolute", ref(load, bgOverlay), ref(load, clipAbsolute), 224510, 233431, 56.01804791666667},
		{"clip-canvas/clip-inverted", ref(load, clipCanvas), ref(load, clipInverted), 184975, 195242, 60.482620776143605},
		{"text-styles/text-transform", ref(load, textStyles), ref(load, textTransform), 16352, 29406, 8.159989285714286},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, got := tc.want(t), tc.got(t)
			r := mustCompare(t, got, want, DefaultOptions)
			rAA := mustCompare(t, got, want, Options{Threshold: 0.1, IncludeAA: true})
			if r.Mismatched != tc.n || rAA.Mismatched != tc.nAA || r.MAE != tc.mae {
				t.Errorf("got %d / +AA %d / MAE %v, compare.mjs says %d / %d / %v", r.Mismatched, rAA.Mismatched, r.MAE, tc.n, tc.nAA, tc.mae)
			}
		})
	}
}

type loader func(*testing.T, corpusFile) *image.NRGBA

func ref(load loader, f corpusFile) func(*testing.T) image.Image {
	return func(t *testing.T) image.Image { return load(t, f) }
}

func shift1(load loader, f corpusFile) func(*testing.T) image.Image {
	return func(t *testing.T) image.Image { return shifted(nrgbaToRGBA(load(t, f)), 1, 0) }
}

func blur(load loader, f corpusFile) func(*testing.T) image.Image {
	return func(t *testing.T) image.Image { return blurred(nrgbaToRGBA(load(t, f))) }
}

// nrgbaToRGBA premultiplies img with image/color's conversion.
func nrgbaToRGBA(img *image.NRGBA) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(x, y, img.NRGBAAt(x, y))
		}
	}
	return out
}
