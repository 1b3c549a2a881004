package fabric_test

import (
	"fmt"

	"github.com/fabricpress/fabricpress/fabric"
)

func ExampleParse() {
	doc := `{"version":"6.9.1","objects":[
		{"type":"Rect","left":10,"top":20,"width":100,"height":50,"fill":"#e63946","name":"badge"},
		{"type":"Textbox","text":"Hi {{first_name}}","width":200}]}`
	c, err := fabric.Parse([]byte(doc), nil)
	if err != nil {
		panic(err)
	}
	r := c.Objects[0].(*fabric.Rect)
	fmt.Println(r.Kind(), r.Name, r.Fill.Color, r.Width, r.Height)
	fmt.Println(fabric.Placeholders(c))

	_, err = fabric.Parse([]byte(`{"objects":[{"type":"Rect"},{"type":"Star"}]}`), nil)
	fmt.Println(err)
	// Output:
	// Rect badge {230 57 70 255} 100 50
	// [first_name]
	// objects[1].type: unknown object type "Star"
}

func ExampleSubstituteText() {
	c, _ := fabric.Parse([]byte(`{"version":"6.9.1","objects":[{"type":"Textbox","text":"Dear {{ name }},",
		"styles":[{"start":5,"end":6,"style":{"fontWeight":"bold"}}]}]}`), nil)
	out, err := fabric.SubstituteText(c, map[string]string{"name": "Zoë"}, fabric.MissingError)
	if err != nil {
		panic(err)
	}
	t := out.Objects[0].(*fabric.Text)
	fmt.Println(t.Text, t.Styles[0].Start, t.Styles[0].End, *t.Styles[0].Style.FontWeight)
	// The template itself is unchanged.
	fmt.Println(c.Objects[0].(*fabric.Text).Text)
	// Output:
	// Dear Zoë, 5 8 bold
	// Dear {{ name }},
}
