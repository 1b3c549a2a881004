package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/internal/atomicfile"
	"github.com/fabricpress/fabricpress/pdf"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/font"
)

func renderCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	template := fs.String("template", "", "Fabric canvas JSON file (required)")
	width := fs.Float64("width", 0, "canvas width in px (Fabric JSON does not store it)")
	height := fs.Float64("height", 0, "canvas height in px")
	scale := fs.Float64("scale", 1, "output multiplier (3.125 = 300 DPI)")
	data := fs.String("data", "", "JSON object of field -> value replacing {{field}} in text")
	fonts := fs.String("fonts", "", "font manifest (fonts.json format) or a folder of .ttf/.otf files")
	assets := fs.String("assets", "", "folder that local image paths are read from (default: the template's folder)")
	fallback := fs.Bool("font-fallback", false, "draw unregistered font families with the embedded Go font (reported)")
	mapping := fs.String("mapping", "", "mapping JSON: object bindings by name or id (text, image, qr, barcode) or index")
	missing := fs.String("missing", "error", "a {{field}} the data lacks (and without a |default): error, keep or empty")
	out := fs.String("o", "", "output PNG file (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *template == "" || *out == "" {
		fs.Usage()
		return usageError{"render needs -template and -o"}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	src, err := os.ReadFile(*template)
	if err != nil {
		return err
	}
	c, err := fabric.Parse(src, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", *template, err)
	}
	policy, ok := map[string]fabric.MissingPolicy{"error": fabric.MissingError, "keep": fabric.MissingKeep, "empty": fabric.MissingEmpty}[*missing]
	if !ok {
		return usageError{fmt.Sprintf("-missing %q: want error, keep or empty", *missing)}
	}
	m := &fabric.Mapping{}
	if *mapping != "" {
		b, err := os.ReadFile(*mapping)
		if err != nil {
			return err
		}
		if m, err = fabric.ParseMapping(b); err != nil {
			return fmt.Errorf("%s: %w", *mapping, err)
		}
		if err := m.Check(c); err != nil {
			return fmt.Errorf("%s: %w", *mapping, err)
		}
	}
	m.Missing = policy
	record := map[string]string{}
	if *data != "" {
		if record, err = readRecord(*data); err != nil {
			return err
		}
	}
	if *data != "" || *mapping != "" {
		if c, err = fabric.Bind(c, record, m); err != nil {
			return err
		}
	}
	opts := render.Options{Width: *width, Height: *height, Scale: *scale, FontFallback: *fallback, AssetsDir: *assets}
	if opts.AssetsDir == "" {
		opts.AssetsDir = filepath.Dir(*template)
	}
	if *fonts != "" {
		if opts.Fonts, err = font.Load(*fonts); err != nil {
			return err
		}
	}
	if strings.EqualFold(filepath.Ext(*out), ".pdf") {
		return writePDF(ctx, *out, c, opts, pdf.Options{Title: filepath.Base(*template)})
	}
	plan, err := render.Compile(ctx, c, opts)
	if err != nil {
		return err
	}
	for _, w := range plan.Warnings() {
		fmt.Fprintln(stderr, "fabricpress: warning:", w)
	}
	img, err := plan.Render(ctx)
	if err != nil {
		return err
	}
	return writePNG(*out, img)
}

// writePDF writes a one-page PDF atomically.
func writePDF(ctx context.Context, path string, c *fabric.Canvas, ro render.Options, po pdf.Options) error {
	if ro.Width == 0 {
		ro.Width, ro.Height = c.Width, c.Height
	}
	po.Render = ro
	var buf bytes.Buffer
	if err := pdf.Write(ctx, &buf, c, ro.Width, ro.Height, po); err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, buf.Bytes())
}

// readRecord reads a JSON object of field -> value; non-string values are
// written as their JSON text.
func readRecord(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: expected a JSON object of field -> value: %v", path, err)
	}
	rec := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			rec[k] = s
			continue
		}
		rec[k] = string(v)
	}
	return rec, nil
}

// writePNG writes atomically, so a reader never sees half a file.
func writePNG(path string, img image.Image) error {
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return atomicfile.Write(path, func(w io.Writer) error { return enc.Encode(w, img) })
}
