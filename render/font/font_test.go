package font_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/fabricpress/fabricpress/render/font"
)

const manifest = "../../testdata/corpus/fonts.json"

func load(t *testing.T) *font.Registry {
	t.Helper()
	r, err := font.LoadManifest(manifest)
	if err != nil {
		t.Fatalf("%v (run `make fonts`)", err)
	}
	return r
}

func TestResolveFollowsManifestRules(t *testing.T) {
	r := load(t)
	for _, tc := range []struct {
		family, weight, style string
		file                  string
	}{
		{"Arial", "normal", "normal", "LiberationSans-Regular.ttf"},
		{"arial", "bold", "", "LiberationSans-Bold.ttf"},
		{`"Helvetica"`, "700", "italic", "LiberationSans-BoldItalic.ttf"},
		{" 'Times New Roman' ", "400", "normal", "LiberationSerif-Regular.ttf"},
		{"Courier New", "normal", "italic", "LiberationMono-Italic.ttf"},
		{"Open Sans", "600", "normal", "OpenSans-Semibold.ttf"},
		{"Roboto", "900", "italic", "Roboto-BlackItalic.ttf"},
	} {
		f, err := r.Resolve(tc.family, tc.weight, tc.style)
		if err != nil {
			t.Errorf("%s %s %s: %v", tc.family, tc.weight, tc.style, err)
			continue
		}
		if !strings.HasSuffix(f.File, tc.file) {
			t.Errorf("%s %s %s: got %s, want …%s", tc.family, tc.weight, tc.style, f.File, tc.file)
		}
	}
}

func TestResolveRefusals(t *testing.T) {
	r := load(t)
	for _, tc := range []struct{ family, weight, style, want string }{
		{"Comic Sans MS", "normal", "normal", `font not registered: family "Comic Sans MS"`},
		{"Arial, sans-serif", "normal", "normal", "fallback lists are not supported"},
		{"Arial", "heavy", "normal", `unsupported fontWeight "heavy"`},
		{"Arial", "normal", "oblique", `unsupported fontStyle "oblique"`},
		{"Arial", "500", "normal", "weight 500"},
		{"", "normal", "normal", "empty fontFamily"},
	} {
		_, err := r.Resolve(tc.family, tc.weight, tc.style)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q %q %q: error %v, want %q", tc.family, tc.weight, tc.style, err, tc.want)
		}
	}
	_, err := r.Resolve("Nope", "normal", "normal")
	if !errors.Is(err, font.ErrNotFound) {
		t.Errorf("not ErrNotFound: %v", err)
	}
}

func TestManifestMissingFilesIsAnError(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/fonts.json"
	writeFile(t, path, `{"faces":[{"family":"X","weight":400,"style":"normal","file":"/nonexistent/x.ttf"}]}`)
	_, err := font.LoadManifest(path)
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("got %v", err)
	}
}

func TestGoFontsWorkWithoutSetup(t *testing.T) {
	f, err := font.GoFonts().Resolve("Go", "bold", "italic")
	if err != nil {
		t.Fatal(err)
	}
	fc := font.NewFace(f)
	g := fc.Index('A')
	if g == 0 || fc.Advance(g) <= 0 || len(fc.Outline(nil, g)) == 0 {
		t.Fatalf("glyph A: index %d advance %v", g, fc.Advance(g))
	}
}

// Faces made per goroutine share one parsed Font safely.
func TestConcurrentFaces(t *testing.T) {
	f, err := load(t).Resolve("Arial", "normal", "normal")
	if err != nil {
		t.Fatal(err)
	}
	want := font.NewFace(f).Advance(font.NewFace(f).Index('W'))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fc := font.NewFace(f)
			for j := 0; j < 200; j++ {
				if a := fc.Advance(fc.Index('W')); a != want {
					t.Errorf("advance %v, want %v", a, want)
					return
				}
				fc.Outline(nil, fc.Index(rune('a'+j%26)))
			}
		}()
	}
	wg.Wait()
}

func TestFolderAndAliases(t *testing.T) {
	r := font.NewRegistry()
	if err := r.AddDir("/usr/share/fonts/truetype/liberation"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ family, weight, style, file string }{
		{"Liberation Sans", "bold", "italic", "LiberationSans-BoldItalic.ttf"},
		{"Liberation Mono", "normal", "normal", "LiberationMono-Regular.ttf"},
		// Aliases reach the metric-compatible faces.
		{"Arial", "normal", "normal", "LiberationSans-Regular.ttf"},
		{"Helvetica", "bold", "normal", "LiberationSans-Bold.ttf"},
		{"Times New Roman", "normal", "italic", "LiberationSerif-Italic.ttf"},
		{"Courier New", "bold", "normal", "LiberationMono-Bold.ttf"},
	} {
		f, err := r.Resolve(tc.family, tc.weight, tc.style)
		if err != nil {
			t.Errorf("%s: %v", tc.family, err)
			continue
		}
		if !strings.HasSuffix(f.File, tc.file) {
			t.Errorf("%s %s %s: %s, want %s", tc.family, tc.weight, tc.style, f.File, tc.file)
		}
	}
	if _, err := font.Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no fonts") {
		t.Errorf("empty folder: %v", err)
	}
	bad := t.TempDir()
	writeFile(t, bad+"/broken.ttf", "not a font")
	if err := font.NewRegistry().AddDir(bad); err == nil || !strings.Contains(err.Error(), "broken.ttf") {
		t.Errorf("broken font: %v", err)
	}
}
