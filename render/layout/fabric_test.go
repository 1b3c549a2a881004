package layout_test

import (
	"math"
	"strings"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/font"
	"github.com/fabricpress/fabricpress/render/layout"
)

// Expected values were read from Fabric.js 6.9.1 itself in Chromium 156
// with the corpus fonts registered as web fonts (the fabric-ref harness):
// new fabric.Textbox(text, opts), then _textLines, width, height,
// getLineWidth(i), _getLineLeftOffset(i) and __charBounds[0][j] (left,
// width, kernedWidth).
var fabricTruth = []struct {
	doc           string
	width, height float64
	lines         []string
	lineWidths    []float64
	lineLeft      []float64
	first         [][3]float64
}{
	{
		doc:   `{"type": "Textbox", "version": "6.9.1", "text": "José Müller-Łukasiewicz lives at 12 Rue de la Paix", "width": 150, "fontFamily": "Arial", "fontSize": 20}`,
		width: 168.935546875, height: 101.24799999999998,
		lines:      []string{"José", "Müller-Łukasiewicz", "lives at 12 Rue de", "la Paix"},
		lineWidths: []float64{42.24609375, 168.935546875, 160.09765625, 60.029296875},
		lineLeft:   []float64{0, 0, 0, 0},
		first:      [][3]float64{{0, 10, 10}, {10, 11.123, 11.123}, {21.123, 10, 10}, {31.123, 11.123, 11.123}, {42.2461, 0, 0}},
	},
	{
		doc:   `{"type": "Textbox", "version": "6.9.1", "text": "Zoë O'Brien, your offer is waiting", "width": 120, "fontFamily": "Open Sans", "fontSize": 18, "textAlign": "justify"}`,
		width: 120, height: 67.52879999999999,
		lines:      []string{"Zoë O'Brien,", "your offer is", "waiting"},
		lineWidths: []float64{103.04296875, 101.35546875, 60.380859375},
		lineLeft:   []float64{0, 0, 0},
		first:      [][3]float64{{0, 10.2744, 10.2744}, {10.2744, 10.8721, 10.8721}, {21.1465, 10.0986, 10.0986}, {31.2451, 21.6328, 21.6328}, {52.8779, 14.0186, 14.0186}, {66.8965, 3.9814, 3.9814}, {70.8779, 11.6631, 11.6631}, {82.541, 7.3477, 7.3477}},
	},
	{
		doc:   `{"type": "Textbox", "version": "6.9.1", "text": "Supercalifragilisticexpialidocious word", "width": 100, "fontFamily": "Lato", "fontSize": 24}`,
		width: 338.9886831665039, height: 58.57919999999999,
		lines:      []string{"Supercalifragilisticexpialidocious", "word"},
		lineWidths: []float64{338.9886831665039, 54.00010986328125},
		lineLeft:   []float64{0, 0},
		first:      [][3]float64{{0, 13.02, 13.02}, {12.78, 13.38, 13.14}, {26.1601, 13.452, 13.452}, {39.6121, 12.672, 12.672}, {52.2841, 8.736, 8.736}, {60.5281, 11.46, 10.968}, {71.9881, 11.928, 11.928}, {83.9162, 5.664, 5.664}},
	},
	{
		doc:   `{"type": "Textbox", "version": "6.9.1", "text": "Split by grapheme works too", "width": 90, "fontFamily": "Roboto", "fontSize": 16, "splitByGrapheme": true}`,
		width: 90, height: 60.02559999999999,
		lines:      []string{"Split by grap", "heme works", " too"},
		lineWidths: []float64{87.6875, 86.71875, 27.296875},
		lineLeft:   []float64{0, 0, 0},
		first:      [][3]float64{{0, 9.5, 9.5}, {9.5, 8.9844, 8.9844}, {18.4844, 3.8906, 3.8906}, {22.375, 3.8906, 3.8906}, {26.2656, 5.2344, 5.2344}, {31.5, 3.9688, 3.9688}, {35.4688, 8.9844, 8.9844}, {44.3672, 7.5703, 7.4844}},
	},
	{
		doc:   `{"type": "Text", "version": "6.9.1", "text": "Line one\nSecond line here\n\nlast", "fontFamily": "Times New Roman", "fontSize": 30, "lineHeight": 1.3, "charSpacing": 50}`,
		width: 222.421875, height: 166.11,
		lines:      []string{"Line one", "Second line here", "", "last"},
		lineWidths: []float64{116.291015625, 222.421875, 0, 46.16015625},
		lineLeft:   []float64{0, 0, 0, 0},
		first:      [][3]float64{{0, 19.8252, 19.8252}, {19.8252, 9.835, 9.835}, {29.6602, 16.5, 16.5}, {46.1602, 14.8154, 14.8154}, {60.9756, 9, 9}, {69.9756, 16.5, 16.5}, {86.4756, 16.5, 16.5}, {102.9756, 14.8154, 14.8154}},
	},
	{
		doc:   `{"type": "IText", "version": "6.9.1", "text": "AVATAR Type", "fontFamily": "DejaVu Sans", "fontSize": 40}`,
		width: 254.94140625, height: 45.199999999999996,
		lines:      []string{"AVATAR Type"},
		lineWidths: []float64{254.94140625},
		lineLeft:   []float64{0},
		first:      [][3]float64{{0, 27.3633, 27.3633}, {24.8047, 27.3633, 24.8047}, {49.6094, 27.3633, 24.8047}, {73.8672, 24.4336, 21.3281}, {95.1953, 27.3633, 24.2578}, {122.5586, 27.793, 27.793}, {150.3516, 12.7148, 12.7148}, {163.0664, 24.4336, 24.4336}},
	},
	{
		doc:   `{"type": "Textbox", "version": "6.9.1", "text": "Hello    world  again", "width": 80, "fontFamily": "Arial", "fontSize": 20, "textAlign": "justify-center"}`,
		width: 80, height: 75.03199999999998,
		lines:      []string{"Hello   ", "world ", "again"},
		lineWidths: []float64{62.24609375, 53.349609375, 48.935546875},
		lineLeft:   []float64{0, 0, 15.5322265625},
		first:      [][3]float64{{0, 14.4434, 14.4434}, {14.4434, 11.123, 11.123}, {25.5664, 4.4434, 4.4434}, {30.0098, 4.4434, 4.4434}, {34.4531, 11.123, 11.123}, {45.5762, 11.4746, 11.4746}, {57.0508, 11.4746, 11.4746}, {68.5254, 11.4746, 11.4746}},
	},
}

func loadFonts(t testing.TB) *font.Registry {
	t.Helper()
	r, err := font.LoadManifest("../../testdata/corpus/fonts.json")
	if err != nil {
		t.Fatalf("%v (run `make fonts`)", err)
	}
	return r
}

func parseText(t testing.TB, obj string) *fabric.Text {
	t.Helper()
	c, err := fabric.Parse([]byte(`{"version":"6.9.1","objects":[`+obj+`]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Objects[0].(*fabric.Text)
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.01 }

func TestLayoutMatchesFabric(t *testing.T) {
	eng := layout.NewEngine(layout.NewFonts(loadFonts(t), false))
	for _, tc := range fabricTruth {
		txt := parseText(t, tc.doc)
		t.Run(txt.Text, func(t *testing.T) {
			b, details, err := layout.Inspect(eng, txt)
			if err != nil {
				t.Fatal(err)
			}
			if !near(b.Width, tc.width) || !near(b.Height, tc.height) {
				t.Errorf("size %.4f x %.4f, Fabric %.4f x %.4f", b.Width, b.Height, tc.width, tc.height)
			}
			var lines []string
			for _, ln := range b.Lines {
				lines = append(lines, ln.Text)
			}
			if strings.Join(lines, "|") != strings.Join(tc.lines, "|") {
				t.Fatalf("lines %q, Fabric %q", lines, tc.lines)
			}
			for i, ln := range b.Lines {
				if !near(ln.Width, tc.lineWidths[i]) {
					t.Errorf("line %d width %.4f, Fabric %.4f", i, ln.Width, tc.lineWidths[i])
				}
				if !near(details.LineLeft[i], tc.lineLeft[i]) {
					t.Errorf("line %d left offset %.4f, Fabric %.4f", i, details.LineLeft[i], tc.lineLeft[i])
				}
			}
			for j, want := range tc.first {
				if j == len(details.FirstLine) && want[1] == 0 {
					break // Fabric keeps a zero-width box after the last grapheme
				}
				got := details.FirstLine[j]
				if !near(got[0], want[0]) || !near(got[1], want[1]) || !near(got[2], want[2]) {
					t.Errorf("char %d box (left, width, kernedWidth) %.4f, Fabric %.4f", j, got, want)
				}
			}
		})
	}
}
