package render_test

import (
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/internal/imgtest"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/asset"
)

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

var sampleRecord = map[string]string{
	"id": "A-1042", "first_name": "José", "last_name": "Müller-Łukasiewicz", "address1": "12 Rue de la Paix",
	"city": "Paris", "state": "IDF", "zip": "75002", "offer_code": "SMILE-24",
}

func renderBound(t testing.TB, c *fabric.Canvas, rec map[string]string, m *fabric.Mapping, opts render.Options) (*image.RGBA, error) {
	t.Helper()
	bound, err := fabric.Bind(c, rec, m)
	if err != nil {
		return nil, err
	}
	if opts.Width == 0 {
		opts.Width, opts.Height = 864, 576
	}
	if opts.Fonts == nil {
		opts.Fonts = corpusFonts(t)
	}
	plan, err := render.Compile(context.Background(), bound, opts)
	if err != nil {
		return nil, err
	}
	return plan.Render(context.Background())
}

func decode(t testing.TB, img image.Image, r gozxing.Reader) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res.GetText()
}

// crop returns the part of img inside r, padded with white.
func crop(img *image.RGBA, r image.Rectangle) image.Image {
	out := image.NewRGBA(image.Rect(0, 0, r.Dx()+40, r.Dy()+40))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			out.Set(x-r.Min.X+20, y-r.Min.Y+20, img.At(x, y))
		}
	}
	return out
}

// The QR bound to the postcard's "qr" object decodes to its content, by
// name and by id, at print and preview scales.
func TestBoundQRDecodes(t *testing.T) {
	c := postcard(t)
	for _, tc := range []struct {
		key   string
		scale float64
		level string
	}{{"qr", 1, "M"}, {"qr-code", 3.125, "H"}, {"qr", 0.694, "L"}} {
		m, err := fabric.ParseMapping([]byte(`{"` + tc.key + `":{"qr":"https://brightside.example/r/{{id}}?n={{first_name}}","level":"` + tc.level + `"}}`))
		if err != nil {
			t.Fatal(err)
		}
		img, err := renderBound(t, c, sampleRecord, m, render.Options{Scale: tc.scale})
		if err != nil {
			t.Fatal(err)
		}
		// The qr object sits at 318,412 and is 132 × 0.95 px.
		s := tc.scale
		box := image.Rect(int(318*s)-2, int(412*s)-2, int((318+132*0.95)*s)+2, int((412+132*0.95)*s)+2)
		got := decode(t, crop(img, box), qrcode.NewQRCodeReader())
		if want := "https://brightside.example/r/A-1042?n=José"; got != want {
			t.Errorf("%s at %v: decoded %q, want %q", tc.key, s, got, want)
		}
	}
}

func TestBoundCode128AndTextDecode(t *testing.T) {
	c := postcard(t)
	m, err := fabric.ParseMapping([]byte(`{"qr":{"barcode":"{{id}}-{{zip}}"},"greeting":{"text":"Hello {{first_name|friend}}!"}}`))
	if err != nil {
		t.Fatal(err)
	}
	rec := map[string]string{}
	for k, v := range sampleRecord {
		rec[k] = v
	}
	rec["first_name"] = ""
	img, err := renderBound(t, c, rec, m, render.Options{Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	s := 2.0
	box := image.Rect(int(318*s)-2, int(412*s)-2, int((318+132*0.95)*s)+2, int((412+132*0.95)*s)+2)
	if got := decode(t, crop(img, box), oned.NewCode128Reader()); got != "A-1042-75002" {
		t.Errorf("barcode decoded %q", got)
	}
}

// An image swapped into the hero box keeps the box and fills it as the
// fit says; sources are data URLs or files in the assets folder, and the
// refused ones give clear errors.
func TestImageSwap(t *testing.T) {
	c := postcard(t)
	dir := t.TempDir()
	red := imgtest.SolidPNGDataURL(40, 20, color.NRGBA{255, 0, 0, 255}) // 2:1
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(red, "data:image/png;base64,"))
	if err := os.WriteFile(filepath.Join(dir, "red.png"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	// hero: left 24, top 92, 320×320 at scale 0.62 -> 198.4 px square.
	inBox := func(img *image.RGBA, x, y float64) color.RGBA { return img.RGBAAt(int(24+x*198.4), int(92+y*198.4)) }
	isRed := func(c color.RGBA) bool { return c.R > 240 && c.G < 20 && c.B < 20 }
	for _, tc := range []struct {
		name, fit, src   string
		top, mid, corner bool // red at (0.5,0.1), (0.5,0.5), (0.02,0.02)?
	}{
		{"stretch", "stretch", red, true, true, true},
		{"cover", "cover", "red.png", true, true, true},
		{"contain", "contain", "/red.png", false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := fabric.ParseMapping([]byte(`{"hero":{"image":"photo","fit":"` + tc.fit + `"}}`))
			if err != nil {
				t.Fatal(err)
			}
			rec := map[string]string{"photo": tc.src}
			for k, v := range sampleRecord {
				rec[k] = v
			}
			img, err := renderBound(t, c, rec, m, render.Options{Scale: 1, AssetsDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if got := isRed(inBox(img, 0.5, 0.1)); got != tc.top {
				t.Errorf("red near the top of the box: %v, want %v (%v)", got, tc.top, inBox(img, 0.5, 0.1))
			}
			if got := isRed(inBox(img, 0.5, 0.5)); got != tc.mid {
				t.Errorf("red in the middle: %v, want %v", got, tc.mid)
			}
			if got := isRed(inBox(img, 0.05, 0.05)); got != tc.corner {
				t.Errorf("red in the corner: %v, want %v", got, tc.corner)
			}
			if isRed(img.RGBAAt(24+200, 92+100)) {
				t.Error("image drawn outside its box")
			}
		})
	}
	m, _ := fabric.ParseMapping([]byte(`{"hero":{"image":"photo"}}`))
	// HTTP(S) from an allowed host (a loopback test server, allowed only
	// through the test-only AllowPrivate switch).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(raw)
	}))
	defer srv.Close()
	t.Run("http", func(t *testing.T) {
		rec := map[string]string{"photo": srv.URL + "/red.png"}
		for k, v := range sampleRecord {
			rec[k] = v
		}
		u, _ := url.Parse(srv.URL)
		loader := asset.New(asset.Options{AllowedHosts: []string{u.Host}, AllowPrivate: true})
		img, err := renderBound(t, c, rec, m, render.Options{Scale: 1, Images: loader})
		if err != nil {
			t.Fatal(err)
		}
		if !isRed(inBox(img, 0.5, 0.5)) {
			t.Error("the remote image was not drawn")
		}
	})
	big := imgtest.SolidPNGDataURL(3000, 3000, color.NRGBA{0, 0, 0, 255})
	for _, tc := range []struct{ name, src, want string }{
		{"path escape", "../../etc/passwd", "escapes"},
		{"host not allowed", "http://10.0.0.7/x.png", "not in the allowed hosts"},
		{"loopback", "http://127.0.0.1:9/x.png", "127.0.0.1"},
		{"oversize", big, "pixels"},
		{"not an image", "data:text/plain;base64,aGVsbG8=", "image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := map[string]string{"photo": tc.src}
			for k, v := range sampleRecord {
				rec[k] = v
			}
			loader := asset.New(asset.Options{Dir: dir, AllowedHosts: []string{"127.0.0.1"}, MaxPixels: 4e6})
			_, err := renderBound(t, c, rec, m, render.Options{Scale: 1, Images: loader, MaxImagePixels: 4e6})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "objects[2]") {
				t.Fatalf("error %v, want one naming objects[2] and %q", err, tc.want)
			}
		})
	}
}

func TestBindByIndexAndMissing(t *testing.T) {
	c := postcard(t)
	// The original app's form: objects[3] (the greeting) <- first_name.
	m, err := fabric.ParseMapping([]byte(`{"3":"first_name"}`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := fabric.Bind(c, sampleRecord, m)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Objects[3].(*fabric.Text).Text; got != "José" {
		t.Errorf("index binding gave %q", got)
	}
	if c.Objects[3].(*fabric.Text).Text != "Hi {{first_name}}," {
		t.Error("template modified")
	}
	// Missing fields are all named together.
	_, err = fabric.Bind(c, map[string]string{"first_name": "Ann"}, m)
	var mf *fabric.MissingFieldError
	if !errors.As(err, &mf) || !strings.Contains(err.Error(), "{{offer_code}}") || !strings.Contains(err.Error(), "{{zip}}") {
		t.Errorf("missing fields: %v", err)
	}
}
