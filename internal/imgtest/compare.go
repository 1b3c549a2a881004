package imgtest

import (
	"encoding/binary"
	"fmt"
	"image"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Options are the pixelmatch options that compare.mjs varies.
type Options struct {
	// Threshold is pixelmatch's matching threshold: the largest OKLab HyAB
	// distance (0..1; 1 is black vs white) at which two pixels still count
	// as equal. Smaller is more sensitive. compare.mjs uses 0.1.
	Threshold float64
	// IncludeAA counts pixels that pixelmatch detects as anti-aliasing as
	// mismatches instead of ignoring them. compare.mjs's main figure uses
	// false, its "+AA%" column true.
	IncludeAA bool
}

// DefaultOptions are the options of compare.mjs's main figure (mismatch%):
// threshold 0.1, anti-aliased pixels ignored.
var DefaultOptions = Options{Threshold: 0.1, IncludeAA: false}

// Result is the outcome of Compare.
type Result struct {
	// Mismatched is pixelmatch's count of mismatched pixels.
	Mismatched int
	// AntiAliased is the number of pixels above the threshold that were
	// ignored as anti-aliasing (yellow in Diff); always 0 with IncludeAA.
	AntiAliased int
	// Total is the number of pixels compared (width*height).
	Total int
	// Percent is 100*Mismatched/Total, compare.mjs's mismatch% (or +AA%
	// with IncludeAA); 0 for empty images.
	Percent float64
	// MAE is compare.mjs's meanAbsDiff: the mean absolute per-channel
	// difference (0-255) over R, G, B composited over white, plus alpha.
	// It does not depend on Options.
	MAE float64
	// Diff is pixelmatch's diff image: matching pixels as a faint grey copy
	// of want, mismatches red, ignored anti-aliasing yellow. Its bounds
	// start at (0, 0).
	Diff *image.RGBA
}

// String formats r like a row of compare.mjs's table.
func (r Result) String() string {
	return fmt.Sprintf("mismatch %d/%d px (%.3f%%), MAE %.2f", r.Mismatched, r.Total, r.Percent, r.MAE)
}

// Compare compares got (the image under test) with want (the reference)
// exactly as compare.mjs does with want as the reference PNG and got as the
// test PNG. It returns an error if the sizes differ; the images' bounds may
// have different origins.
//
// Both images are first converted to the straight-alpha 8-bit bytes their PNG
// encoding would decode to (see ToNRGBA); an *image.NRGBA, or an opaque
// *image.RGBA, whose stride is 4*width is used in place without copying.
// Compare does not modify its inputs and may be called concurrently.
func Compare(got, want image.Image, opt Options) (Result, error) {
	gb, wb := got.Bounds(), want.Bounds()
	if gb.Dx() != wb.Dx() || gb.Dy() != wb.Dy() {
		return Result{}, fmt.Errorf("imgtest: image sizes differ: got %dx%d, want %dx%d", gb.Dx(), gb.Dy(), wb.Dx(), wb.Dy())
	}
	w, h := wb.Dx(), wb.Dy()
	img1 := straightPix(want) // pixelmatch's img1: the reference
	img2 := straightPix(got)
	res := Result{Total: w * h, Diff: image.NewRGBA(image.Rect(0, 0, w, h))}
	if res.Total == 0 {
		return res, nil
	}

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		res.MAE = meanAbsDiff(img1, img2)
	}()

	// Split the rows into bands handed out to workers. Every pixel's result
	// depends only on the input images, so the counts are exact whatever
	// the split.
	const band = 32
	nBands := (h + band - 1) / band
	workers := min(runtime.GOMAXPROCS(0), nBands)
	var next atomic.Int64
	var diff, aa atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d, a int
			cache := new(oklabCache)
			for {
				b := int(next.Add(1)) - 1
				if b >= nBands {
					break
				}
				bd, ba := pixelmatchRows(img1, img2, res.Diff.Pix, w, h, b*band, min((b+1)*band, h), opt.Threshold, opt.IncludeAA, cache)
				d += bd
				a += ba
			}
			diff.Add(int64(d))
			aa.Add(int64(a))
		}()
	}
	wg.Wait()
	res.Mismatched = int(diff.Load())
	res.AntiAliased = int(aa.Load())
	res.Percent = 100 * float64(res.Mismatched) / float64(res.Total)
	return res, nil
}

// meanAbsDiff is compare.mjs's meanAbsDiff over two straight-alpha RGBA
// buffers of equal length: the mean absolute difference per channel (0-255)
// over R, G, B composited over white, plus alpha. The sum is accumulated
// sequentially in the same order as the JavaScript, so the result is the same
// float64; identical pixels add exactly 0 and are skipped.
func meanAbsDiff(a, b []byte) float64 {
	var sum float64
	for i := 0; i+4 <= len(a); i += 4 {
		if i+8 <= len(a) && binary.LittleEndian.Uint64(a[i:]) == binary.LittleEndian.Uint64(b[i:]) {
			i += 4 // two identical pixels
			continue
		}
		pa := a[i : i+4 : i+4]
		pb := b[i : i+4 : i+4]
		if binary.LittleEndian.Uint32(pa) == binary.LittleEndian.Uint32(pb) {
			continue
		}
		aa, ba := float64(pa[3])/255, float64(pb[3])/255
		wa, wb := float64(255*(1-aa)), float64(255*(1-ba))
		for c := range 3 {
			va := float64(float64(pa[c])*aa) + wa
			vb := float64(float64(pb[c])*ba) + wb
			sum += math.Abs(va - vb)
		}
		sum += math.Abs(float64(pa[3]) - float64(pb[3]))
	}
	return sum / float64(len(a))
}
