package fabric_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
)

func TestSubstituteDefaultsAndPolicies(t *testing.T) {
	c := mustParse(t, `{"version":"6.9.1","objects":[{"type":"group","objects":[
		{"type":"Textbox","text":"Hi {{ first_name | Friend }}, code {{code}}"}]}]}`)
	get := func(out *fabric.Canvas) string {
		return out.Objects[0].(*fabric.Group).Objects[0].(*fabric.Text).Text
	}
	for _, tc := range []struct {
		name   string
		data   map[string]string
		policy fabric.MissingPolicy
		want   string
		err    string
	}{
		{"values", map[string]string{"first_name": "José", "code": "A1"}, fabric.MissingError, "Hi José, code A1", ""},
		{"default for absent", map[string]string{"code": "A1"}, fabric.MissingError, "Hi Friend, code A1", ""},
		{"default for empty", map[string]string{"first_name": "", "code": "A1"}, fabric.MissingError, "Hi Friend, code A1", ""},
		{"missing is an error", map[string]string{"first_name": "Zoë"}, fabric.MissingError, "", "objects[0].objects[0]: {{code}}"},
		{"missing kept", map[string]string{}, fabric.MissingKeep, "Hi Friend, code {{code}}", ""},
		{"missing empty", map[string]string{}, fabric.MissingEmpty, "Hi Friend, code ", ""},
		{"newline in value", map[string]string{"first_name": "A\nB", "code": "1"}, fabric.MissingError, "Hi A\nB, code 1", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := fabric.SubstituteText(c, tc.data, tc.policy)
			if tc.err != "" {
				var mf *fabric.MissingFieldError
				if !errors.As(err, &mf) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := get(out); got != tc.want {
				t.Errorf("text %q, want %q", got, tc.want)
			}
			if get(c) != "Hi {{ first_name | Friend }}, code {{code}}" {
				t.Error("template modified")
			}
		})
	}
	if keys := fabric.Placeholders(c); strings.Join(keys, ",") != "first_name,code" {
		t.Errorf("placeholders %v", keys)
	}
}

// Inserted characters take the placeholder's first character's style and
// later styles shift, in both style forms; graphemes count as one.
func TestSubstituteRemapsStyles(t *testing.T) {
	c := mustParse(t, `{"version":"6.9.1","objects":[{"type":"Textbox","text":"A{{n}}B\n{{n}}C",
		"styles":[{"start":1,"end":2,"style":{"fill":"red"}},{"start":6,"end":7,"style":{"fill":"blue"}},{"start":12,"end":13,"style":{"fontSize":9}}]}]}`)
	out, err := fabric.SubstituteText(c, map[string]string{"n": "Zoë👩‍👩‍👧"}, fabric.MissingError)
	if err != nil {
		t.Fatal(err)
	}
	txt := out.Objects[0].(*fabric.Text)
	if txt.Text != "AZoë👩‍👩‍👧B\nZoë👩‍👩‍👧C" {
		t.Fatalf("text %q", txt.Text)
	}
	// "Zoë👩‍👩‍👧" is 4 graphemes. Line 1: A(0) name(1-4, red like the
	// placeholder's first brace) B(5, blue); line 2 (the newline not
	// counted): name(6-9, unstyled like its brace) C(10, size 9).
	type run struct{ start, end int }
	var got []run
	for _, r := range txt.Styles {
		got = append(got, run{r.Start, r.End})
	}
	want := []run{{1, 5}, {5, 6}, {10, 11}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("style runs %v, want %v", got, want)
	}
	if txt.Styles[0].Style.Fill.Raw != "red" || txt.Styles[1].Style.Fill.Raw != "blue" || *txt.Styles[2].Style.FontSize != 9 {
		t.Errorf("styles %+v", txt.Styles)
	}
}
