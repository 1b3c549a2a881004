package pdf_test

import (
	"context"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/pdf"
	"github.com/fabricpress/fabricpress/render"
)

// BenchmarkMergedPage measures one merged-PDF page of the sample postcard
// as a batch pays for it: binding a recipient (text and QR code from the
// sample mapping) and adding the page to a pdf.Merged that writes its
// files (DefaultMaxPages pages each) into a temporary folder.
func BenchmarkMergedPage(b *testing.B) {
	c := postcard(b)
	mp := sampleMapping(b)
	// Varied records (built once; binding them is timed).
	recs := make([]map[string]string, 997)
	for i := range recs {
		recs[i] = record(i)
	}
	ctx := context.Background()
	m := pdf.NewMerged(b.TempDir(), "bench", 0, pdf.Options{Title: "bench",
		Render: render.Options{Fonts: corpusFonts(b), Cache: render.NewImageCache(0)}})
	b.ReportAllocs()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		bound, err := fabric.Bind(c, recs[i%len(recs)], mp)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.AddPage(ctx, bound, 864, 576, c); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := m.Close(); err != nil {
		b.Fatal(err)
	}
	// ns/op leaves out Close, which writes the last, partly filled file:
	// ns/page counts it.
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N), "ns/page")
}
