package render_test

import (
	"context"
	"fmt"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render"
)

func ExampleCompile() {
	c, err := fabric.Parse([]byte(`{"version":"6.9.1","background":"#ffffff","objects":[
		{"type":"Rect","left":10,"top":10,"width":30,"height":20,"fill":"rgb(0,128,255)","strokeWidth":0}]}`), nil)
	if err != nil {
		panic(err)
	}
	plan, err := render.Compile(context.Background(), c, render.Options{Width: 100, Height: 50, Scale: 2})
	if err != nil {
		panic(err)
	}
	img, err := plan.Render(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(img.Bounds())
	fmt.Println(img.At(40, 40), img.At(5, 5))
	// Output:
	// (0,0)-(200,100)
	// {0 128 255 255} {255 255 255 255}
}
