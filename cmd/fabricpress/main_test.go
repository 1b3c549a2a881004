package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = "../../testdata/sample/postcard-9x6.json"

func TestRenderSample(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sub", "card.png")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"render", "-template", sample, "-width", "864", "-height", "576",
		"-scale", "0.5", "-data", "../../testdata/sample/postcard-9x6.data.json",
		"-fonts", "../../testdata/corpus/fonts.json", "-o", out}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("render: %v (%s)", err, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 432 || cfg.Height != 288 {
		t.Errorf("size %dx%d, want 432x288", cfg.Width, cfg.Height)
	}
}

func TestRenderErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"objects":[{"type":"Rect"},{"type":"Blob"}]}`), 0o644)
	arr := filepath.Join(dir, "arr.json")
	os.WriteFile(arr, []byte(`["a"]`), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"no command", nil, "no command", 2},
		{"unknown command", []string{"paint"}, `unknown command "paint"`, 2},
		{"missing flags", []string{"render", "-template", sample}, "needs -template and -o", 2},
		{"no size", []string{"render", "-template", sample, "-o", filepath.Join(dir, "x.png")}, "canvas size 0x0", 1},
		{"bad template", []string{"render", "-template", bad, "-width", "10", "-height", "10", "-o", filepath.Join(dir, "x.png")}, `objects[1].type: unknown object type "Blob"`, 1},
		{"missing file", []string{"render", "-template", filepath.Join(dir, "nope.json"), "-o", "x.png"}, "no such file", 1},
		{"data not object", []string{"render", "-template", sample, "-width", "864", "-height", "576", "-data", arr, "-o", filepath.Join(dir, "x.png")}, "expected a JSON object", 1},
		{"missing field", []string{"render", "-template", sample, "-width", "864", "-height", "576", "-data", bad, "-o", filepath.Join(dir, "x.png")}, "no value for objects[3]: {{first_name}}", 1},
		{"no fonts", []string{"render", "-template", sample, "-width", "864", "-height", "576", "-o", filepath.Join(dir, "x.png")}, "font not registered", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, &stdout, &stderr)
			if err == nil {
				t.Fatal("no error")
			}
			msg := oneLine(err.Error())
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not contain %q", msg, tc.want)
			}
			if c := exitCode(err); c != tc.code {
				t.Errorf("exit code %d, want %d", c, tc.code)
			}
		})
	}
}
