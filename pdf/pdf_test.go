package pdf_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/internal/imgtest"
	"github.com/fabricpress/fabricpress/pdf"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/font"
)

const corpus = "../testdata/corpus/public"

type corpusCase struct {
	Name          string
	File, Ref     string
	Width, Height float64
	Multiplier    float64
	Data          map[string]string
}

var (
	fontsOnce sync.Once
	fonts     *font.Registry
	fontsErr  error
)

func corpusFonts(t testing.TB) *font.Registry {
	t.Helper()
	fontsOnce.Do(func() { fonts, fontsErr = font.LoadManifest("../testdata/corpus/fonts.json") })
	if fontsErr != nil {
		t.Fatalf("fonts (run `make fonts`): %v", fontsErr)
	}
	return fonts
}

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: install poppler-utils (make fonts installs it)", name)
	}
}

func loadCase(t testing.TB, c corpusCase) *fabric.Canvas {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(corpus, c.File))
	if err != nil {
		t.Fatal(err)
	}
	cv, err := fabric.Parse(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Data != nil {
		if cv, err = fabric.SubstituteText(cv, c.Data, fabric.MissingError); err != nil {
			t.Fatal(err)
		}
	}
	return cv
}

func writePDF(t testing.TB, c *fabric.Canvas, w, h float64, opts pdf.Options) []byte {
	t.Helper()
	opts.Render.Fonts = corpusFonts(t)
	var buf bytes.Buffer
	if err := pdf.Write(context.Background(), &buf, c, w, h, opts); err != nil {
		t.Fatalf("pdf: %v", err)
	}
	return buf.Bytes()
}

// rasterise draws page 1 of a PDF with pdftoppm at exactly w×h pixels.
func rasterise(t testing.TB, data []byte, w, h int) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "page")
	cmd := exec.Command("pdftoppm", "-png", "-singlefile", "-scale-to-x", strconv.Itoa(w), "-scale-to-y", strconv.Itoa(h), in, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, b)
	}
	return out + ".png"
}

// TestPDFMatchesFabric writes every public corpus case as a PDF,
// rasterises it with pdftoppm at the reference's size and compares it with
// the PNG Fabric.js drew (mismatched-pixel share, as the raster golden
// tests measure it).
func TestPDFMatchesFabric(t *testing.T) {
	needTool(t, "pdftoppm")
	b, err := os.ReadFile(filepath.Join(corpus, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Cases []corpusCase }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var figures []float64
	t.Run("cases", func(t *testing.T) {
		for _, c := range doc.Cases {
			t.Run(c.Name, func(t *testing.T) {
				t.Parallel()
				data := writePDF(t, loadCase(t, c), c.Width, c.Height, pdf.Options{})
				want, err := imgtest.ReadPNG(filepath.Join(corpus, c.Ref))
				if err != nil {
					t.Fatal(err)
				}
				// A PDF page is paper: compare with the reference as it
				// would print, over white.
				overWhite(want)
				got, err := imgtest.ReadPNG(rasterise(t, data, want.Rect.Dx(), want.Rect.Dy()))
				if err != nil {
					t.Fatal(err)
				}
				res, err := imgtest.Compare(got, want, imgtest.DefaultOptions)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("pdf %s: %.3f%% mismatched (%s), %d bytes", c.Name, res.Percent, res, len(data))
				mu.Lock()
				figures = append(figures, res.Percent)
				mu.Unlock()
				if res.Percent > 2.0 {
					dir := t.TempDir()
					imgtest.WritePNG(filepath.Join(dir, c.Name+".got.png"), got)
					imgtest.WritePNG(filepath.Join(dir, c.Name+".diff.png"), res.Diff)
					t.Errorf("%s: %.3f%% mismatched, limit 2%%; wrote %s", c.Name, res.Percent, dir)
				}
			})
		}
	})
	sort.Float64s(figures)
	if len(figures) == 0 {
		return
	}
	med := figures[len(figures)/2]
	if len(figures)%2 == 0 {
		med = (figures[len(figures)/2-1] + med) / 2
	}
	t.Logf("pdf: median mismatch %.3f%% over %d cases", med, len(figures))
	if med > 0.8 {
		t.Errorf("median mismatch %.3f%% > 0.8%%", med)
	}
}

func postcard(t testing.TB) *fabric.Canvas {
	t.Helper()
	src, err := os.ReadFile("../testdata/sample/postcard-9x6.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := fabric.Parse(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func record(i int) map[string]string {
	return map[string]string{
		"id": fmt.Sprintf("R%05d", i), "first_name": fmt.Sprintf("Zoë%d", i), "last_name": "O'Brien-Łukasiewicz",
		"address1": fmt.Sprintf("%d Rue de la Paix", 10+i), "city": "Paris", "state": "IDF", "zip": "75002",
		"offer_code": fmt.Sprintf("SMILE-%04d", i),
	}
}

// addRecord adds a page of the 9x6 template c bound to rec.
func addRecord(t testing.TB, doc *pdf.Document, c *fabric.Canvas, rec map[string]string, m *fabric.Mapping) {
	t.Helper()
	bound, err := fabric.Bind(c, rec, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.AddPage(context.Background(), bound, 864, 576, c); err != nil {
		t.Fatal(err)
	}
}

// written is the finished file of doc.
func written(t testing.TB, doc *pdf.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := doc.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The personalised text is real text in reading order and every font is
// embedded as a subset.
func TestPDFTextAndFonts(t *testing.T) {
	needTool(t, "pdftotext")
	needTool(t, "pdffonts")
	c := postcard(t)
	m, _ := fabric.ParseMapping([]byte(`{"qr":{"qr":"https://brightside.example/r/{{id}}"}}`))
	bound, err := fabric.Bind(c, record(7), m)
	if err != nil {
		t.Fatal(err)
	}
	data := writePDF(t, bound, 864, 576, pdf.Options{Title: "Postcard"})
	dir := t.TempDir()
	in := filepath.Join(dir, "p.pdf")
	os.WriteFile(in, data, 0o644)
	out, err := exec.Command("pdftotext", "-layout", in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	lines := []string{"Zoë7 O'Brien-Łukasiewicz", "17 Rue de la Paix", "Paris, IDF 75002"}
	last := -1
	for _, l := range lines {
		i := strings.Index(text, l)
		if i < 0 {
			t.Fatalf("pdftotext lacks %q:\n%s", l, text)
		}
		if i < last {
			t.Errorf("%q is out of reading order", l)
		}
		last = i
	}
	if !strings.Contains(text, "Offer code: SMILE-0007") {
		t.Errorf("offer code missing")
	}
	fl, err := exec.Command("pdffonts", in).Output()
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(fl)), "\n")[2:]
	if len(rows) == 0 {
		t.Fatal("no fonts")
	}
	for _, r := range rows {
		f := strings.Fields(r)
		// name type... encoding emb sub uni id gen
		if n := len(f); n < 6 || f[n-5] != "yes" || f[n-4] != "yes" {
			t.Errorf("font not embedded as a subset: %s", r)
		}
	}
}

// A merged document stores the template's art once: 1,000 pages cost
// little more than their personalised text and QR codes.
func TestMergedPostcardGrowsSlowly(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 1,000 pages")
	}
	c := postcard(t)
	m, _ := fabric.ParseMapping([]byte(`{"qr":{"qr":"https://brightside.example/r/{{id}}"}}`))
	size := func(n int) (int, []byte) {
		doc := pdf.NewDocument(pdf.Options{Render: render.Options{Fonts: corpusFonts(t), Cache: render.NewImageCache(0)}})
		for i := 0; i < n; i++ {
			addRecord(t, doc, c, record(i), m)
		}
		data := written(t, doc)
		return len(data), data
	}
	one, _ := size(1)
	n := 1000
	many, data := size(n)
	per := float64(many-one) / float64(n-1)
	t.Logf("1 page: %d bytes; %d pages: %d bytes; %.1f KB per additional page", one, n, many, per/1024)
	if per > 20*1024 {
		t.Errorf("%.1f KB per page, want under 20 KB", per/1024)
	}
	if got := bytes.Count(data, []byte("/Type /Page\n")) + bytes.Count(data, []byte("/Type /Page ")); got < n {
		t.Logf("page objects counted: %d", got)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "m.pdf")
	os.WriteFile(in, data, 0o644)
	info, err := exec.Command("pdfinfo", in).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`Pages:\s+1000\b`).Match(info) {
		t.Errorf("pdfinfo: %s", info)
	}
	// The hero photo is one image object however many pages show it.
	imgs := regexp.MustCompile(`/Subtype\s*/Image`).FindAll(data, -1)
	if len(imgs) > 4 {
		t.Errorf("%d image objects in %d pages: static images are not shared", len(imgs), n)
	}
}

// Bleed and crop marks set the page boxes.
func TestBleedAndCropMarks(t *testing.T) {
	c := postcard(t)
	bound, _ := fabric.Bind(c, record(1), nil)
	data := writePDF(t, bound, 864, 576, pdf.Options{Bleed: 12, CropMarks: true})
	// 9x6 in + 0.125 in bleed each side = 666x450 pt trim+bleed; marks
	// add 24 pt a side.
	for _, want := range []string{"/MediaBox [ 0 0 714.00 498.00 ]", "/TrimBox [ 33.00 33.00 681.00 465.00 ]", "/BleedBox [ 24.00 24.00 690.00 474.00 ]"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("missing %s", want)
		}
	}
	needTool(t, "pdfinfo")
	dir := t.TempDir()
	in := filepath.Join(dir, "b.pdf")
	os.WriteFile(in, data, 0o644)
	if out, err := exec.Command("pdfinfo", "-box", in).CombinedOutput(); err != nil || !strings.Contains(string(out), "BleedBox") {
		t.Errorf("pdfinfo -box: %v %s", err, out)
	}
}

// overWhite composites a straight-alpha image over white, in place.
func overWhite(img *image.NRGBA) {
	for i := 0; i < len(img.Pix); i += 4 {
		a := int(img.Pix[i+3])
		for k := 0; k < 3; k++ {
			img.Pix[i+k] = uint8((int(img.Pix[i+k])*a + 255*(255-a) + 127) / 255)
		}
		img.Pix[i+3] = 255
	}
}

func TestMergedSplitsFiles(t *testing.T) {
	needTool(t, "pdfinfo")
	c := postcard(t)
	dir := t.TempDir()
	m := pdf.NewMerged(dir, "batch", 4, pdf.Options{Render: render.Options{Fonts: corpusFonts(t)}})
	for i := 0; i < 10; i++ {
		bound, err := fabric.Bind(c, record(i), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.AddPage(context.Background(), bound, 864, 576, c); err != nil {
			t.Fatal(err)
		}
	}
	files, err := m.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := []int{4, 4, 2}
	if len(files) != len(want) {
		t.Fatalf("files %v", files)
	}
	for i, f := range files {
		if filepath.Base(f) != fmt.Sprintf("batch-%04d.pdf", i+1) {
			t.Errorf("name %s", f)
		}
		out, err := exec.Command("pdfinfo", f).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(fmt.Sprintf(`Pages:\s+%d\b`, want[i])).Match(out) {
			t.Errorf("%s: %s", f, out)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".merge-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
