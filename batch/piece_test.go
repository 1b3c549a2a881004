package batch

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"maps"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/internal/jpegenc"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/code"
	"github.com/fabricpress/fabricpress/render/font"
)

func decodeConfig(data []byte) (image.Config, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	return cfg, err
}

// tinyTemplate is a 200x100 canvas drawn with the embedded Go fonts: a
// greeting with a required and a defaulted field, a QR code and a Code 128
// barcode bound by name.
func tinyTemplate(t *testing.T) *Template {
	t.Helper()
	const doc = `{"version":"6.9.1","background":"#ffffff","objects":[
		{"type":"Textbox","left":4,"top":4,"width":190,"fontSize":12,"fontFamily":"Go","text":"Hi {{name}}, {{title|friend}}"},
		{"type":"Rect","name":"qr","left":4,"top":30,"width":64,"height":64,"fill":"#ccc"},
		{"type":"Rect","id":"bar","left":80,"top":40,"width":110,"height":40,"fill":"#ccc"}
	]}`
	c, err := fabric.Parse([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := fabric.ParseMapping([]byte(`{"qr":{"qr":"https://example.com/r/{{id}}","level":"H"},"bar":{"barcode":"{{sku}}"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Check(c); err != nil {
		t.Fatal(err)
	}
	return &Template{Canvas: c, Mapping: m, Render: render.Options{Width: 200, Height: 100, Fonts: font.GoFonts()}}
}

func TestValidate(t *testing.T) {
	tpl := tinyTemplate(t)
	good := map[string]string{"name": "Ann", "id": "42", "sku": "SKU-0042"}
	with := func(kv ...string) map[string]string {
		r := maps.Clone(good)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "<absent>" {
				delete(r, kv[i])
			} else {
				r[kv[i]] = kv[i+1]
			}
		}
		return r
	}
	tests := []struct {
		name   string
		record map[string]string
		errIs  error
		errHas []string
		errNot []string
	}{
		{name: "good", record: good},
		{name: "defaulted field may be empty", record: with("title", "")},
		{name: "defaulted field may be absent", record: with("title", "<absent>")},
		{name: "required field absent", record: with("name", "<absent>"), errIs: ErrMissingField, errHas: []string{"name"}},
		{name: "empty cell counts as missing", record: with("name", ""), errIs: ErrMissingField, errHas: []string{"name"}},
		{name: "blank cell counts as missing", record: with("name", "  \t"), errIs: ErrMissingField, errHas: []string{"name"}},
		{name: "all missing fields named", record: with("name", "", "id", "<absent>"), errIs: ErrMissingField,
			errHas: []string{"fields", "name", "id"}, errNot: []string{"sku"}},
		{name: "QR over capacity", record: with("id", strings.Repeat("x", 1300)), errIs: code.ErrCapacity,
			errHas: []string{"objects[1] (qr)", "level H"}},
		{name: "QR within capacity", record: with("id", strings.Repeat("x", 1200))},
		{name: "Code 128 not encodable", record: with("sku", "SKU-ß"), errHas: []string{"objects[2] (bar)", "Code 128"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tpl.Validate(tt.record)
			if tt.errIs == nil && tt.errHas == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate: no error")
			}
			if tt.errIs != nil && !errors.Is(err, tt.errIs) {
				t.Errorf("error %q is not %v", err, tt.errIs)
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			for _, s := range tt.errHas {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not mention %q", msg, s)
				}
			}
			for _, s := range tt.errNot {
				if strings.Contains(msg, s) {
					t.Errorf("error %q mentions %q", msg, s)
				}
			}
			if _, _, rerr := tpl.RenderPiece(context.Background(), tt.record); rerr == nil || rerr.Error() != msg {
				t.Errorf("RenderPiece error %v, want the Validate error", rerr)
			}
		})
	}
}

func TestValidateQRLevels(t *testing.T) {
	tpl := tinyTemplate(t)
	m, err := fabric.ParseMapping([]byte(`{"qr":{"qr":"{{id}}","level":"L"}}`))
	if err != nil {
		t.Fatal(err)
	}
	tpl.Mapping = m
	// 2000 bytes: more than level H could hold, within level L.
	if err := tpl.Validate(map[string]string{"name": "Ann", "id": strings.Repeat("x", 2000)}); err != nil {
		t.Errorf("2000 bytes at level L: %v", err)
	}
	if err := tpl.Validate(map[string]string{"name": "Ann", "id": strings.Repeat("x", 3000)}); !errors.Is(err, code.ErrCapacity) {
		t.Errorf("3000 bytes at level L: err = %v, want over capacity", err)
	}
}

func TestValidateNoMapping(t *testing.T) {
	tpl := tinyTemplate(t)
	tpl.Mapping = nil // placeholders in text only: qr and bar stay rectangles
	if err := tpl.Validate(map[string]string{"name": "Ann"}); err != nil {
		t.Fatal(err)
	}
	if err := tpl.Validate(map[string]string{}); !errors.Is(err, ErrMissingField) {
		t.Fatalf("err = %v, want a missing field", err)
	}
	if err := (&Template{}).Validate(nil); err == nil {
		t.Fatal("a template without a canvas validated")
	}
}

func TestRenderPieceFormats(t *testing.T) {
	rec := map[string]string{"name": "Zoë", "id": "7", "sku": "A-7"}
	for _, tc := range []struct {
		format, ext string
		quality     int
	}{
		{"", ".png", 0},
		{"png", ".png", 0},
		{"jpeg", ".jpg", 0},
		{"jpg", ".jpg", 50},
	} {
		t.Run(tc.format, func(t *testing.T) {
			tpl := tinyTemplate(t)
			tpl.Format, tpl.JPEGQuality = tc.format, tc.quality
			tpl.Render.Scale = 0.5
			data, ext, err := tpl.RenderPiece(context.Background(), rec)
			if err != nil {
				t.Fatal(err)
			}
			if ext != tc.ext {
				t.Errorf("ext %q, want %q", ext, tc.ext)
			}
			var img image.Image
			if tc.ext == ".png" {
				img, err = png.Decode(bytes.NewReader(data))
			} else {
				img, err = jpeg.Decode(bytes.NewReader(data))
			}
			if err != nil {
				t.Fatalf("decoding the piece: %v", err)
			}
			if b := img.Bounds(); b.Dx() != 100 || b.Dy() != 50 {
				t.Errorf("piece is %v, want 100x50", b)
			}
			// The white background is white in both formats (JPEG loses
			// the alpha channel: it is flattened on white, not black).
			r, g, b, _ := img.At(99, 0).RGBA()
			if r>>8 < 240 || g>>8 < 240 || b>>8 < 240 {
				t.Errorf("corner pixel %d,%d,%d, want white", r>>8, g>>8, b>>8)
			}
		})
	}
}

func TestRenderPieceTransparentJPEGIsOnWhite(t *testing.T) {
	// Left half: half-transparent red; right half: nothing. The halves
	// are whole 16x16 JPEG blocks, so chroma subsampling does not mix them.
	c, err := fabric.Parse([]byte(`{"objects":[{"type":"Rect","left":0,"top":0,"width":16,"height":16,"fill":"rgba(255,0,0,0.5)","strokeWidth":0}]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &Template{Canvas: c, Format: FormatJPEG, JPEGQuality: 100, Render: render.Options{Width: 32, Height: 16}}
	data, _, err := tpl.RenderPiece(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	check := func(x, y int, want [3]uint32) {
		r, g, b, _ := img.At(x, y).RGBA()
		got := [3]uint32{r >> 8, g >> 8, b >> 8}
		for i := range got {
			if d := int(got[i]) - int(want[i]); d < -12 || d > 12 {
				t.Errorf("pixel %d,%d = %v, want about %v", x, y, got, want)
				return
			}
		}
	}
	check(8, 8, [3]uint32{255, 128, 128})  // half red over white
	check(24, 8, [3]uint32{255, 255, 255}) // nothing over white
}

func TestRenderPieceErrors(t *testing.T) {
	rec := map[string]string{"name": "Ann", "id": "7", "sku": "A-7"}
	tpl := tinyTemplate(t)
	tpl.Format = "gif"
	if _, _, err := tpl.RenderPiece(context.Background(), rec); err == nil || !strings.Contains(err.Error(), `"gif"`) {
		t.Errorf("format gif: err = %v", err)
	}
	tpl = tinyTemplate(t)
	tpl.Format, tpl.JPEGQuality = FormatJPEG, 101
	if _, _, err := tpl.RenderPiece(context.Background(), rec); err == nil || !strings.Contains(err.Error(), "101") {
		t.Errorf("quality 101: err = %v", err)
	}
	tpl = tinyTemplate(t)
	tpl.Render.Fonts = nil // no font for "Go": a per-recipient render error
	if _, _, err := tpl.RenderPiece(context.Background(), rec); err == nil || strings.ContainsAny(err.Error(), "\n") {
		t.Errorf("no fonts: err = %v, want a one-line error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tpl = tinyTemplate(t)
	if _, _, err := tpl.RenderPiece(ctx, rec); err == nil {
		t.Error("cancelled context: no error")
	}
}

// TestRenderPieceSample renders one recipient of the sample postcard at a
// small scale and, when the renderer draws barcodes, reads its QR code back.
func TestRenderPieceSample(t *testing.T) {
	tpl := loadSample(t, 1)
	recs := sampleRecords(t, tpl)
	if len(recs) != 494 {
		t.Errorf("%d good sample rows, want 494", len(recs))
	}
	rec := recs[0]
	p, err := tpl.Piece(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 864 || b.Dy() != 576 {
		t.Fatalf("piece is %v, want 864x576", b)
	}
	// The QR object's box on the canvas: left 318, top 412, 132x132 (scale 1).
	box := image.Rect(318, 412, 318+132, 412+132)
	dark := 0
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x4000 {
				dark++
			}
		}
	}
	if dark == 0 {
		t.Skip("the renderer draws no barcode yet")
	}
	crop := img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(box.Inset(-16))
	bmp, err := gozxing.NewBinaryBitmapFromImage(crop)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decoding the QR code: %v", err)
	}
	if want := "https://brightside.example/r/" + rec["id"]; res.GetText() != want {
		t.Errorf("QR reads %q, want %q", res.GetText(), want)
	}
}

// TestPiecesMatchWholeRender renders pieces one after another through the
// template's static layers (each frame reusing the last one's raster and
// the layer's compressed rows) and checks each decodes to exactly the
// pixels of a whole render of the bound canvas.
func TestPiecesMatchWholeRender(t *testing.T) {
	ctx := context.Background()
	tpl := loadSample(t, 1)
	recs := sampleRecords(t, tpl)
	if len(recs) > 8 {
		recs = recs[:8]
	}
	for _, rec := range append(recs, recs[0]) {
		data, ext, err := tpl.RenderPiece(ctx, rec)
		if err != nil {
			t.Fatal(err)
		}
		if ext != ".png" {
			t.Fatalf("ext %q", ext)
		}
		got, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		c, err := tpl.bind(tpl.Canvas, rec)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := render.Compile(ctx, c, tpl.Render)
		if err != nil {
			t.Fatal(err)
		}
		want, err := plan.Render(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Bounds() != want.Rect {
			t.Fatalf("bounds %v, want %v", got.Bounds(), want.Rect)
		}
		for y := want.Rect.Min.Y; y < want.Rect.Max.Y; y++ {
			for x := want.Rect.Min.X; x < want.Rect.Max.X; x++ {
				if g, w := color.NRGBAModel.Convert(got.At(x, y)), color.NRGBAModel.Convert(want.At(x, y)); g != w {
					t.Fatalf("record %s: pixel %d,%d is %v, want %v", rec["id"], x, y, g, w)
				}
			}
		}
	}
}

// TestJPEGPiecesMatchWholeRender makes JPEG pieces one after another, the
// first drawn whole and the others through the template's static layers
// (each frame drawn over the last, the layer's coded MCU rows reused), and
// checks each is the very file jpegenc writes for a whole render of its
// record: reuse is exact, and the frame is not flattened on white between
// pieces. The sample postcard is opaque; the second template is
// transparent, static and variable parts alike.
func TestJPEGPiecesMatchWholeRender(t *testing.T) {
	ctx := context.Background()
	sample := loadSample(t, 1)
	sample.Format = FormatJPEG
	recs := sampleRecords(t, sample)
	if len(recs) > 8 {
		recs = recs[:8]
	}
	c, err := fabric.Parse([]byte(`{"objects":[
		{"type":"Rect","left":3,"top":5,"width":150,"height":60,"fill":"rgba(0,90,255,0.4)","strokeWidth":0},
		{"type":"Textbox","left":20,"top":20,"width":170,"fontSize":14,"fontFamily":"Go","fill":"rgba(200,0,0,0.7)","text":"Dear {{name|friend}}"}
	]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	clear := &Template{Canvas: c, Format: "jpg", JPEGQuality: 80, Render: render.Options{Width: 200, Height: 100, Fonts: font.GoFonts()}}
	var names []map[string]string
	for _, n := range []string{"Ann", "Bartholomew Quince", "Zoë", "", "Ann"} {
		names = append(names, map[string]string{"name": n})
	}
	for _, tc := range []struct {
		name string
		tpl  *Template
		recs []map[string]string
	}{
		{"sample", sample, append(recs, recs[0])},
		{"transparent", clear, names},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.tpl.JPEGQuality
			if q == 0 {
				q = DefaultJPEGQuality
			}
			for i, rec := range tc.recs {
				data, ext, err := tc.tpl.RenderPiece(ctx, rec)
				if err != nil {
					t.Fatal(err)
				}
				if ext != ".jpg" {
					t.Fatalf("ext %q", ext)
				}
				bound, err := tc.tpl.bind(tc.tpl.Canvas, rec)
				if err != nil {
					t.Fatal(err)
				}
				plan, err := render.Compile(ctx, bound, tc.tpl.Render)
				if err != nil {
					t.Fatal(err)
				}
				whole, err := plan.Render(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var want bytes.Buffer
				if err := jpegenc.Encode(&want, whole, q); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(data, want.Bytes()) {
					t.Fatalf("piece %d (%v): %d bytes, not the %d of the whole render's JPEG", i, rec, len(data), want.Len())
				}
				if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
					t.Fatalf("piece %d: %v", i, err)
				}
			}
			if tc.tpl.front.Load() == nil || tc.tpl.front.Load().jpeg == nil {
				t.Error("no piece came from the layers")
			}
		})
	}
}
