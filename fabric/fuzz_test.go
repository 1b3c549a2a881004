package fabric_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
)

// FuzzParse feeds arbitrary documents to Parse: it must return a canvas or
// an error, never panic, and every error must be one line.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../testdata/corpus/public/json/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err == nil && len(b) < 200<<10 {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"objects":[]}`,
		`{"objects":[{"type":"textbox","text":"a\nb","styles":{"0":{"0":{"fill":"red"}}}}]}`,
		`{"objects":[{"type":"path","path":"M0 0 a10 10 0 1 1 20 0z"}]}`,
		`{"objects":[{"type":"group","objects":[{"type":"circle","radius":-1,"clipPath":{"type":"rect","inverted":true}}]}]}`,
		`{"background":{"type":"linear","colorStops":[{"offset":0,"color":"#f00","opacity":0.5}]},"objects":[]}`,
	} {
		f.Add([]byte(s))
	}
	lim := &fabric.ParseOptions{Limits: fabric.Limits{MaxObjects: 2000, MaxBytes: 1 << 20}}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := fabric.Parse(data, lim)
		if err != nil {
			for _, r := range err.Error() {
				if r == '\n' {
					t.Fatalf("multi-line error: %q", err)
				}
			}
			return
		}
		if c == nil {
			t.Fatal("nil canvas without error")
		}
		_ = fabric.Placeholders(c)
		if _, err := fabric.SubstituteText(c, map[string]string{}, fabric.MissingKeep); err != nil {
			t.Fatalf("substitute with allowMissing: %v", err)
		}
	})
}
