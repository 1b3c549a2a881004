package layout_test

import (
	"math"
	"strings"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/layout"
)

func engine(t *testing.T, fallback bool) (*layout.Engine, *layout.Fonts) {
	fs := layout.NewFonts(loadFonts(t), fallback)
	return layout.NewEngine(fs), fs
}

func TestBaselinesAndHeights(t *testing.T) {
	eng, _ := engine(t, false)
	txt := parseText(t, `{"type":"Text","text":"one\ntwo\nthree","fontFamily":"Arial","fontSize":40,"lineHeight":1.5}`)
	b, err := eng.Layout(txt)
	if err != nil {
		t.Fatal(err)
	}
	h := 40 * layout.FontSizeMult
	// Every line but the last takes lineHeight.
	if want := h*1.5*2 + h; math.Abs(b.Height-want) > 1e-9 {
		t.Errorf("height %v, want %v", b.Height, want)
	}
	for i, ln := range b.Lines {
		top := -b.Height/2 + float64(i)*h*1.5
		if math.Abs(ln.Top-top) > 1e-9 {
			t.Errorf("line %d top %v, want %v", i, ln.Top, top)
		}
		// The first baseline sits 0.87914 font sizes below the line top.
		if math.Abs(ln.Baseline-ln.Top-0.87914*40) > 1e-9 {
			t.Errorf("line %d baseline %v below top, want %v", i, ln.Baseline-ln.Top, 0.87914*40)
		}
		for _, r := range ln.Runs {
			for _, g := range r.Glyphs {
				if g.Y != ln.Baseline {
					t.Fatalf("glyph off the baseline: %v vs %v", g.Y, ln.Baseline)
				}
			}
		}
	}
}

func TestJustifyFillsTheWidth(t *testing.T) {
	eng, _ := engine(t, false)
	for _, align := range []string{"justify", "justify-left", "justify-center", "justify-right"} {
		txt := parseText(t, `{"type":"Textbox","width":120,"text":"Zoë O'Brien, your offer is waiting","fontFamily":"Open Sans","fontSize":18,"textAlign":"`+align+`"}`)
		b, err := eng.Layout(txt)
		if err != nil {
			t.Fatal(err)
		}
		for i, ln := range b.Lines {
			runs := ln.Runs
			last := runs[len(runs)-1]
			start := runs[0].Glyphs[0].X
			// the last glyph's origin plus its advance ends the line
			end := last.Glyphs[len(last.Glyphs)-1].X
			lastLine := i == len(b.Lines)-1
			if (!lastLine || align == "justify") && strings.Contains(ln.Text, " ") {
				if math.Abs(start+b.Width/2) > 0.01 {
					t.Errorf("%s line %d starts at %.3f, want the left edge %.3f", align, i, start, -b.Width/2)
				}
				if end < b.Width/2-25 {
					t.Errorf("%s line %d is not spread: last glyph at %.2f of %.2f", align, i, end, b.Width/2)
				}
			}
		}
		// justify-* align the last line like left/center/right.
		lastLine := b.Lines[len(b.Lines)-1]
		x := lastLine.Runs[0].Glyphs[0].X
		d := b.Width - lastLine.Width
		want := map[string]float64{"justify": -b.Width / 2, "justify-left": -b.Width / 2, "justify-center": -b.Width/2 + d/2, "justify-right": -b.Width/2 + d}[align]
		if math.Abs(x-want) > 0.01 {
			t.Errorf("%s: last line starts at %.3f, want %.3f", align, x, want)
		}
	}
}

func TestSubstitutionRewrapsAndKeepsStyles(t *testing.T) {
	eng, _ := engine(t, false)
	c, err := fabric.Parse([]byte(`{"version":"6.9.1","objects":[{"type":"Textbox","width":200,"fontFamily":"Arial","fontSize":20,
		"text":"Dear {{first_name}}, your smile is due",
		"styles":[{"start":5,"end":19,"style":{"fontWeight":"bold","fill":"#c00"}}]}]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		lines []string
	}{
		// Line breaks as Fabric.js 6.9.1 wraps the substituted text in
		// Chromium (same fonts, bold name).
		{"Ann", []string{"Dear Ann, your smile", "is due"}},
		{"José Müller-Łukasiewicz", []string{"Dear José", "Müller-Łukasiewicz,", "your smile is due"}},
		{"Zoë O'Brien", []string{"Dear Zoë O'Brien,", "your smile is due"}},
	} {
		out, err := fabric.SubstituteText(c, map[string]string{"first_name": tc.name}, fabric.MissingError)
		if err != nil {
			t.Fatal(err)
		}
		txt := out.Objects[0].(*fabric.Text)
		b, err := eng.Layout(txt)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		bold := ""
		for _, ln := range b.Lines {
			lines = append(lines, ln.Text)
			for _, r := range ln.Runs {
				if r.Style.FontWeight == "bold" {
					bold += r.Text
				}
			}
		}
		if strings.Join(lines, "|") != strings.Join(tc.lines, "|") {
			t.Errorf("%s: lines %q, want %q", tc.name, lines, tc.lines)
		}
		// The name takes the placeholder's style; the joiner Fabric puts
		// between wrapped words keeps it too.
		if strings.ReplaceAll(bold, " ", "") != strings.ReplaceAll(tc.name, " ", "") {
			t.Errorf("%s: bold text %q", tc.name, bold)
		}
	}
}

func TestUnknownFamilyIsAnErrorWithPath(t *testing.T) {
	eng, _ := engine(t, false)
	c, _ := fabric.Parse([]byte(`{"objects":[{"type":"rect"},{"type":"group","objects":[{"type":"textbox","text":"hi","fontFamily":"Comic Sans MS"}]}]}`), nil)
	txt := c.Objects[1].(*fabric.Group).Objects[0].(*fabric.Text)
	_, err := eng.Layout(txt)
	if err == nil || !strings.Contains(err.Error(), `objects[1].objects[0]: font not registered: family "Comic Sans MS"`) {
		t.Fatalf("error %v", err)
	}
	// With the fallback allowed it draws with the Go font and says so.
	eng, fs := engine(t, true)
	b, err := eng.Layout(txt)
	if err != nil {
		t.Fatal(err)
	}
	if b.Lines[0].Runs[0].Style.Font.Family != "Go" {
		t.Errorf("fallback face %s", b.Lines[0].Runs[0].Style.Font.Family)
	}
	if w := fs.Warnings(); len(w) != 1 || !strings.Contains(w[0], `"Comic Sans MS"`) {
		t.Errorf("warnings %q", w)
	}
}

func TestMissingCharacterFallsBackAndIsReported(t *testing.T) {
	eng, fs := engine(t, false)
	// Liberation Sans (Arial) has no Vietnamese ễ; DejaVu Sans has it.
	txt := parseText(t, `{"type":"Text","text":"Nguyễn","fontFamily":"Arial","fontSize":20}`)
	b, err := eng.Layout(txt)
	if err != nil {
		t.Fatal(err)
	}
	families := map[string]string{}
	for _, r := range b.Lines[0].Runs {
		families[r.Text] = r.Style.Font.Family
	}
	if families["Nguy"] != "Arial" || families["ễ"] == "Arial" || families["ễ"] == "" {
		t.Errorf("runs by family: %v", families)
	}
	w := fs.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "U+1EC5") || !strings.Contains(w[0], "is not in Arial 400 normal") {
		t.Errorf("warnings %q", w)
	}
}

func TestRightToLeftLine(t *testing.T) {
	eng, _ := engine(t, false)
	txt := parseText(t, `{"type":"Text","text":"abc!","fontFamily":"Arial","fontSize":20,"direction":"rtl"}`)
	b, err := eng.Layout(txt)
	if err != nil {
		t.Fatal(err)
	}
	// In a right-to-left paragraph "abc!" displays as "!abc": the Latin
	// run keeps its order, the neutral "!" moves to the left end.
	var order []string
	for _, r := range b.Lines[0].Runs {
		order = append(order, r.Text)
	}
	if strings.Join(order, "|") != "!|abc" {
		t.Errorf("display order %q", order)
	}
	first := b.Lines[0].Runs[0].Glyphs[0].X
	if math.Abs(first+b.Width/2) > 0.01 {
		t.Errorf("rtl line starts at %.3f, want %.3f", first, -b.Width/2)
	}
}
