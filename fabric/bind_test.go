package fabric_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
)

func TestParseMappingForms(t *testing.T) {
	m, err := fabric.ParseMapping([]byte(`{"headline":{"text":"{{first_name}}, your offer"},"photo":{"image":"photo_url","fit":"cover"},
		"qr":{"qr":"https://example.com/r/{{id}}","level":"H","color":"#123","background":"rgb(250,250,250)","quiet":2},"3":"last_name"}`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Objects["photo"].Fit != "cover" || m.Objects["qr"].Level != "H" || *m.Objects["qr"].Quiet != 2 || m.Index[3] != "last_name" {
		t.Errorf("mapping %+v", m)
	}
	for _, tc := range []struct{ doc, want string }{
		{`[]`, "expected a JSON object"},
		{`{"a":{"text":"x","qr":"y"}}`, `mapping["a"]: give exactly one of`},
		{`{"a":{}}`, `mapping["a"]: give exactly one of`},
		{`{"a":{"image":"p","fit":"zoom"}}`, `fit "zoom"`},
		{`{"a":{"qr":"x","level":"Z"}}`, `level "Z"`},
		{`{"a":{"qr":"x","color":"blurple"}}`, `"blurple" is not a CSS colour`},
		{`{"a":{"text":"x","colour":"red"}}`, `unknown field "colour"`},
		{`{"2":{"text":"x"}}`, `mapping["2"]: an object index maps to a field name`},
	} {
		if _, err := fabric.ParseMapping([]byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.doc, err, tc.want)
		}
	}
}

func TestMappingFieldsAndCheck(t *testing.T) {
	c := mustParse(t, `{"version":"6.9.1","objects":[
		{"type":"Textbox","text":"Hi {{first_name|Friend}} {{last_name}}","name":"greeting"},
		{"type":"Image","src":"x.png","width":10,"height":10,"id":"photo"},
		{"type":"Rect","name":"qr","width":50,"height":50}]}`)
	m, err := fabric.ParseMapping([]byte(`{"qr":{"qr":"https://x.test/{{id}}?c={{code|none}}"},"photo":{"image":"photo_url"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Check(c); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range m.Fields(c) {
		s := f.Name
		if f.Required {
			s += "*"
		}
		got = append(got, s)
	}
	if strings.Join(got, " ") != "first_name last_name* photo_url* id* code" {
		t.Errorf("fields %v", got)
	}
	bad, _ := fabric.ParseMapping([]byte(`{"logo":{"image":"x"}}`))
	if err := bad.Check(c); err == nil || !strings.Contains(err.Error(), `mapping["logo"]: no object has that name or id`) {
		t.Errorf("check: %v", err)
	}
	idx, _ := fabric.ParseMapping([]byte(`{"9":"x"}`))
	if err := idx.Check(c); err == nil || !strings.Contains(err.Error(), "has 3 objects") {
		t.Errorf("index check: %v", err)
	}
}

func TestBindReplacesObjectsAndKeepsTemplate(t *testing.T) {
	c := mustParse(t, `{"version":"6.9.1","objects":[
		{"type":"Group","objects":[{"type":"Textbox","text":"old","name":"headline","styles":[{"start":0,"end":1,"style":{"fill":"red"}}]}]},
		{"type":"Rect","id":"qr","left":10,"top":20,"width":50,"height":40,"angle":30,"fill":"pink"},
		{"type":"Image","src":"a.png","name":"photo","width":100,"height":50,"scaleX":2,"cropX":5}]}`)
	m, err := fabric.ParseMapping([]byte(`{"headline":{"text":"{{n}}, hello"},"qr":{"qr":"Q{{n}}","level":"q"},"photo":{"image":"{{n}}.png","fit":"contain"}}`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := fabric.Bind(c, map[string]string{"n": "Zoë"}, m)
	if err != nil {
		t.Fatal(err)
	}
	txt := out.Objects[0].(*fabric.Group).Objects[0].(*fabric.Text)
	if txt.Text != "Zoë, hello" || txt.Styles != nil {
		t.Errorf("text %q styles %v", txt.Text, txt.Styles)
	}
	code, ok := out.Objects[1].(*fabric.Barcode)
	if !ok || code.Content != "QZoë" || code.Level != "Q" || code.Angle != 30 || code.Width != 50 || !code.Fill.IsNone() {
		t.Errorf("code %+v", out.Objects[1])
	}
	im := out.Objects[2].(*fabric.Image)
	if im.Src != "Zoë.png" || im.Fit != fabric.FitContain || im.ScaleX != 2 || im.Width != 100 || im.CropX != 0 {
		t.Errorf("image %+v", im)
	}
	// the template is untouched
	if c.Objects[0].(*fabric.Group).Objects[0].(*fabric.Text).Text != "old" || c.Objects[1].Kind() != fabric.KindRect || c.Objects[2].(*fabric.Image).Src != "a.png" {
		t.Error("template modified")
	}
	// a text binding on a non-text object is refused with its path
	m2, _ := fabric.ParseMapping([]byte(`{"qr":{"text":"x"}}`))
	if _, err := fabric.Bind(c, nil, m2); err == nil || !strings.Contains(err.Error(), "objects[1] (qr): a text binding needs a text object") {
		t.Errorf("bind error %v", err)
	}
}

// TestMappingVariable checks that Variable marks exactly the objects Bind
// may replace: every object it leaves unmarked comes back shared.
func TestMappingVariable(t *testing.T) {
	c := mustParse(t, `{"version":"6.9.1","objects":[
		{"type":"Rect","width":10,"height":10,"fill":"red"},
		{"type":"Group","objects":[{"type":"Rect","width":5,"height":5},{"type":"Textbox","text":"old","name":"headline"}]},
		{"type":"Textbox","text":"Hi {{first|Friend}}"},
		{"type":"Textbox","text":"static"},
		{"type":"Rect","id":"qr","width":50,"height":40},
		{"type":"Rect","width":50,"height":40,"clipPath":{"type":"Text","text":"{{clip}}"}},
		{"type":"Textbox","text":"by index"},
		{"type":"Group","objects":[{"type":"Rect","width":5,"height":5,"name":"unbound"}]}]}`)
	m, err := fabric.ParseMapping([]byte(`{"headline":{"text":"{{n}}"},"qr":{"qr":"Q{{n}}"},"6":"n"}`))
	if err != nil {
		t.Fatal(err)
	}
	got := m.Variable(c)
	want := []bool{false, true, true, false, true, true, true, false}
	if !slices.Equal(got, want) {
		t.Fatalf("Variable = %v, want %v", got, want)
	}
	for _, rec := range []map[string]string{{"n": "Zoë", "first": "A", "clip": "x"}, {"n": "B", "first": "", "clip": "y"}} {
		out, err := fabric.Bind(c, rec, m)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			if !v && out.Objects[i] != c.Objects[i] {
				t.Errorf("object %d is not marked variable but Bind replaced it", i)
			}
			if v && out.Objects[i] == c.Objects[i] {
				t.Errorf("object %d is marked variable but Bind kept it", i)
			}
		}
	}
	if v := (*fabric.Mapping)(nil).Variable(c); !v[2] || v[1] || v[4] {
		t.Errorf("nil mapping: %v (only placeholders count)", v)
	}
}
