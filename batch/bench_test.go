package batch

import (
	"bytes"
	"context"
	"image"

	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/internal/jpegenc"
	"github.com/fabricpress/fabricpress/internal/pngenc"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/font"
)

const (
	sampleTemplate = "../testdata/sample/postcard-9x6.json"
	sampleMapping  = "../testdata/sample/postcard-9x6.mapping.json"
	sampleCSV      = "../testdata/sample/recipients.csv"
	corpusFonts    = "../testdata/corpus/fonts.json"
)

// sampleTemplate loads the sample postcard with its mapping and the corpus
// fonts, at scale, with an image cache.
func loadSample(tb testing.TB, scale float64) *Template {
	tb.Helper()
	src, err := os.ReadFile(sampleTemplate)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := fabric.Parse(src, nil)
	if err != nil {
		tb.Fatal(err)
	}
	mb, err := os.ReadFile(sampleMapping)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := fabric.ParseMapping(mb)
	if err != nil {
		tb.Fatal(err)
	}
	fonts, err := font.Load(corpusFonts)
	if err != nil {
		tb.Skipf("corpus fonts not installed (make fonts): %v", err)
	}
	return &Template{Canvas: c, Mapping: m, Render: render.Options{
		Width: 864, Height: 576, Scale: scale, Fonts: fonts, Cache: render.NewImageCache(0),
	}}
}

// sampleRecords reads the good rows of the sample CSV as template records.
func sampleRecords(tb testing.TB, t *Template) []map[string]string {
	tb.Helper()
	f, err := os.Open(sampleCSV)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(f, ReaderOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, fd := range t.Mapping.Fields(t.Canvas) {
		names = append(names, fd.Name)
	}
	cols, err := MatchColumns(names, r.Header(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	var out []map[string]string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			continue // the deliberately bad rows
		}
		m := cols.Apply(rec)
		if t.Validate(m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// BenchmarkBatch9x6 renders pieces of the sample postcard for the sample
// recipients with one worker per CPU, as the batch command does, and
// reports pieces per second. Each iteration is a fixed number of pieces.
func BenchmarkBatch9x6(b *testing.B) {
	for _, bc := range []struct {
		name   string
		scale  float64
		pieces int
		w, h   int
	}{
		{"preview", 0.694, 32, 600, 400},
		{"print", 3.125, 8, 2700, 1800},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tpl := loadSample(b, bc.scale)
			recs := sampleRecords(b, tpl)
			// Warm the image cache and check the size once.
			data, _, err := tpl.RenderPiece(context.Background(), recs[0])
			if err != nil {
				b.Fatal(err)
			}
			checkSize(b, data, bc.w, bc.h)
			workers := runtime.NumCPU()
			var next atomic.Int64
			var bytes atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				jobs := make(chan map[string]string)
				var wg sync.WaitGroup
				for range workers {
					wg.Go(func() {
						for rec := range jobs {
							data, _, err := tpl.RenderPiece(context.Background(), rec)
							if err != nil {
								b.Error(err)
								return
							}
							bytes.Add(int64(len(data)))
						}
					})
				}
				for range bc.pieces {
					jobs <- recs[int(next.Add(1))%len(recs)]
				}
				close(jobs)
				wg.Wait()
			}
			el := time.Since(start).Seconds()
			b.ReportMetric(float64(b.N*bc.pieces)/el, "pieces/s")
			b.ReportMetric(float64(bytes.Load())/float64(b.N*bc.pieces), "B/piece")
			b.ReportMetric(float64(workers), "workers")
		})
	}
}

func checkSize(tb testing.TB, data []byte, w, h int) {
	tb.Helper()
	cfg, err := decodeConfig(data)
	if err != nil {
		tb.Fatal(err)
	}
	if cfg.Width != w || cfg.Height != h {
		tb.Fatalf("piece is %dx%d, want %dx%d", cfg.Width, cfg.Height, w, h)
	}
}

// BenchmarkPiece9x6 makes one piece of the sample postcard at a time, on
// one goroutine, for a recipient after another: a 300 DPI PNG, a preview
// PNG (600 px wide), a 300 DPI JPEG and a one-recipient print PDF. The
// template is compiled (static layers painted and compressed) before the
// timer starts, as a batch does once for all its pieces.
func BenchmarkPiece9x6(b *testing.B) {
	for _, bc := range []struct {
		name   string
		scale  float64
		format string
	}{
		{"png-300dpi", 3.125, FormatPNG},
		{"png-preview", 0.694, FormatPNG},
		{"jpeg-300dpi", 3.125, FormatJPEG},
		{"pdf", 1, FormatPDF},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tpl := loadSample(b, bc.scale)
			tpl.Format = bc.format
			recs := sampleRecords(b, tpl)
			// Two pieces first: the first is drawn whole, the second makes
			// the template's layers.
			for _, rec := range recs[:2] {
				if _, _, err := tpl.RenderPiece(context.Background(), rec); err != nil {
					b.Fatal(err)
				}
			}
			var size int
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				data, _, err := tpl.RenderPiece(context.Background(), recs[i%len(recs)])
				if err != nil {
					b.Fatal(err)
				}
				size += len(data)
				i++
			}
			b.ReportMetric(float64(size)/float64(i), "B/piece")
		})
	}
}

// renderedPostcard is the sample postcard compiled for format at 300 DPI
// and one recipient's frame drawn through its layers.
func renderedPostcard(b *testing.B, format string) (*compiledFront, *image.RGBA, render.Frame) {
	tpl := loadSample(b, 3.125)
	tpl.Format = format
	c, err := tpl.bind(tpl.Canvas, sampleRecords(b, tpl)[0])
	if err != nil {
		b.Fatal(err)
	}
	front, err := tpl.compiled(context.Background(), format)
	if err != nil {
		b.Fatal(err)
	}
	img := image.NewRGBA(front.layers.Bounds())
	frame, err := front.layers.RenderTo(context.Background(), c, img)
	if err != nil {
		b.Fatal(err)
	}
	return front, img, frame
}

// BenchmarkEncodePNG encodes one rendered 300 DPI postcard: whole, and
// from the template's static layer (only the rows the recipient changed
// compressed again).
func BenchmarkEncodePNG(b *testing.B) {
	front, img, frame := renderedPostcard(b, FormatPNG)
	benchEncode(b, img,
		func(w io.Writer) error { return pngenc.Encode(w, img) },
		func(w io.Writer) error { return front.png.Encode(w, img, frame.Dirty) })
}

// BenchmarkEncodeJPEG encodes one rendered 300 DPI postcard at the
// default quality: whole, and from the template's static layer (only the
// MCUs the recipient changed coded again, in 43 of the 113 MCU rows).
func BenchmarkEncodeJPEG(b *testing.B) {
	front, img, frame := renderedPostcard(b, FormatJPEG)
	benchEncode(b, img,
		func(w io.Writer) error { return jpegenc.Encode(w, img, DefaultJPEGQuality) },
		func(w io.Writer) error { return front.jpeg.Encode(w, img, frame.Dirty) })
}

// benchEncode times an encoding of img whole and from the static layer.
func benchEncode(b *testing.B, img *image.RGBA, whole, layered func(io.Writer) error) {
	for _, mode := range []struct {
		name   string
		encode func(io.Writer) error
	}{{"whole", whole}, {"layered", layered}} {
		b.Run(mode.name, func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			b.SetBytes(int64(len(img.Pix)))
			for b.Loop() {
				buf.Reset()
				if err := mode.encode(&buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "B/piece")
		})
	}
}
