package pdf_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/internal/imgtest"
	"github.com/fabricpress/fabricpress/pdf"
	"github.com/fabricpress/fabricpress/render"
)

func sampleMapping(t testing.TB) *fabric.Mapping {
	t.Helper()
	src, err := os.ReadFile("../testdata/sample/postcard-9x6.mapping.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := fabric.ParseMapping(src)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// rasterisePages draws pages first..last of a PDF at dpi with pdftoppm,
// with its further arguments (such as a crop box).
func rasterisePages(t testing.TB, data []byte, first, last, dpi int, args ...string) []*image.NRGBA {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	args = append([]string{"-png", "-r", strconv.Itoa(dpi), "-f", strconv.Itoa(first), "-l", strconv.Itoa(last)}, args...)
	cmd := exec.Command("pdftoppm", append(args, in, filepath.Join(dir, "p"))...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, b)
	}
	var out []*image.NRGBA
	for i := first; i <= last; i++ {
		// pdftoppm pads the page number to the width of the last one.
		name := filepath.Join(dir, fmt.Sprintf("p-%0*d.png", len(strconv.Itoa(last)), i))
		img, err := imgtest.ReadPNG(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, img)
	}
	return out
}

// Every page of a merged document shows its own recipient: pages are
// added with garbage collections in between, which once let gofpdi take
// a new page's QR code for an earlier one whose stream had the same
// address.
func TestMergedPagesCarryTheirOwnQRCode(t *testing.T) {
	needTool(t, "pdftoppm")
	c := postcard(t)
	m := sampleMapping(t)
	doc := pdf.NewDocument(pdf.Options{Render: render.Options{Fonts: corpusFonts(t), Cache: render.NewImageCache(0)}})
	n := 40
	if testing.Short() {
		n = 8
	}
	for i := 0; i < n; i++ {
		addRecord(t, doc, c, record(i), m)
		runtime.GC()
	}
	data := written(t, doc)
	// At 96 dpi a canvas pixel is a device pixel: the code's light square
	// is at (318, 412), 125 px wide. Drawing only that is much faster.
	crop := []string{"-x", "300", "-y", "395", "-W", "160", "-H", "160"}
	for i, img := range rasterisePages(t, data, 1, n, 96, crop...) {
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
		if err != nil {
			t.Fatalf("page %d: %v", i+1, err)
		}
		if want := "https://brightside.example/r/" + record(i)["id"]; res.GetText() != want {
			t.Errorf("page %d: QR code %q, want %q", i+1, res.GetText(), want)
		}
	}
}

// A merged page looks as the same canvas written alone: the layers a
// document stores once (whatever the page shares with its template) are
// drawn where the objects would be. Pages share more or less with the
// template: all of it, the usual personal objects, or also a static
// object replaced, which splits a layer.
func TestMergedPagesMatchSinglePages(t *testing.T) {
	needTool(t, "pdftoppm")
	c := postcard(t)
	m := sampleMapping(t)
	bind := func(i int) *fabric.Canvas {
		b, err := fabric.Bind(c, record(i), m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// The brand line personalised too (not in the mapping): one more
	// personal object in the middle of a layer.
	brand := bind(3)
	cp := *brand
	cp.Objects = append([]fabric.Object(nil), brand.Objects...)
	txt := *cp.Objects[1].(*fabric.Text)
	txt.Text = "BRIGHTSIDE DENTAL & CO"
	cp.Objects[1] = &txt
	pages := []*fabric.Canvas{bind(1), c, &cp, bind(2), c}

	opts := pdf.Options{Bleed: 12, CropMarks: true, Render: render.Options{Fonts: corpusFonts(t), Cache: render.NewImageCache(0)}}
	doc := pdf.NewDocument(opts)
	for _, p := range pages {
		if err := doc.AddPage(context.Background(), p, 864, 576, c); err != nil {
			t.Fatal(err)
		}
	}
	data := written(t, doc)
	// Layers embed font subsets of their own: no two subsets may share a
	// name (prepress tools take fonts of one name for one font).
	needTool(t, "pdffonts")
	in := filepath.Join(t.TempDir(), "m.pdf")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fl, err := exec.Command("pdffonts", in).Output()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, row := range strings.Split(strings.TrimSpace(string(fl)), "\n")[2:] {
		name := strings.Fields(row)[0]
		if seen[name] {
			t.Errorf("two font subsets named %s:\n%s", name, fl)
		}
		seen[name] = true
	}

	merged := rasterisePages(t, data, 1, len(pages), 72)
	for i, p := range pages {
		alone := rasterisePages(t, writePDF(t, p, 864, 576, opts), 1, 1, 72)[0]
		res, err := imgtest.Compare(merged[i], alone, imgtest.DefaultOptions)
		if err != nil {
			t.Fatal(err)
		}
		if res.Percent > 0.05 {
			dir := t.TempDir()
			imgtest.WritePNG(filepath.Join(dir, "merged.png"), merged[i])
			imgtest.WritePNG(filepath.Join(dir, "alone.png"), alone)
			t.Errorf("page %d: %.3f%% differs from the page written alone (%s); wrote %s", i+1, res.Percent, res, dir)
		}
	}
}

// A photo swapped per recipient is the recipient's own on every page,
// however the decoded images come and go (no image cache here: each page
// decodes its own, and a freed bitmap's address is soon used again).
func TestMergedPagesCarryTheirOwnPhoto(t *testing.T) {
	needTool(t, "pdftoppm")
	c := postcard(t)
	m, err := fabric.ParseMapping([]byte(`{"hero": {"image": "photo"}}`))
	if err != nil {
		t.Fatal(err)
	}
	colours := []color.NRGBA{{200, 30, 30, 255}, {30, 30, 200, 255}, {30, 160, 30, 255}}
	photos := make([]string, len(colours))
	for i, col := range colours {
		photos[i] = imgtest.SolidPNGDataURL(64, 64, col)
	}
	doc := pdf.NewDocument(pdf.Options{Render: render.Options{Fonts: corpusFonts(t)}})
	n := 24
	if testing.Short() {
		n = 6
	}
	want := make([]color.NRGBA, n)
	for i := 0; i < n; i++ {
		k := (i * 7 / 3) % len(colours) // runs and changes of colour
		rec := record(i)
		rec["photo"] = photos[k]
		want[i] = colours[k]
		addRecord(t, doc, c, rec, m)
		runtime.GC()
	}
	data := written(t, doc)
	// The hero box is (24, 92) to (344, 412): sample its middle.
	for i, img := range rasterisePages(t, data, 1, n, 24) {
		got := img.NRGBAAt(184*24/96, 252*24/96)
		w := want[i]
		if d := max(absDiff(got.R, w.R), absDiff(got.G, w.G), absDiff(got.B, w.B)); d > 12 {
			t.Errorf("page %d: photo colour %v, want %v", i+1, got, w)
		}
	}
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestLayerCacheMatchesFreshDocuments makes a PDF per recipient with the
// template's art drawn once in a shared LayerCache (two goroutines at
// once) and checks each against a document drawn from nothing.
func TestLayerCacheMatchesFreshDocuments(t *testing.T) {
	needTool(t, "pdftoppm")
	c := postcard(t)
	m := sampleMapping(t)
	base := pdf.Options{Bleed: 12, Render: render.Options{Fonts: corpusFonts(t), Cache: render.NewImageCache(0)}}
	shared := base
	shared.Layers = &pdf.LayerCache{}
	write := func(opts pdf.Options, i int) []byte {
		b, err := fabric.Bind(c, record(i), m)
		if err != nil {
			t.Error(err)
			return nil
		}
		doc := pdf.NewDocument(opts)
		if err := doc.AddPage(context.Background(), b, 864, 576, c); err != nil {
			t.Error(err)
			return nil
		}
		var buf bytes.Buffer
		if _, err := doc.WriteTo(&buf); err != nil {
			t.Error(err)
		}
		return buf.Bytes()
	}
	const n = 6
	got := make([][]byte, n)
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Go(func() {
			for i := g; i < n; i += 2 {
				got[i] = write(shared, i)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i := range n {
		a := rasterisePages(t, got[i], 1, 1, 72)[0]
		b := rasterisePages(t, write(base, i), 1, 1, 72)[0]
		if !bytes.Equal(a.Pix, b.Pix) {
			t.Errorf("recipient %d: the page made with shared layers differs from one drawn afresh", i)
		}
	}
}
