package asset

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/internal/netguard"
	"golang.org/x/image/bmp"
)

// Loader must satisfy render.ImageLoader (declared here to avoid the import).
var _ interface {
	Load(ctx context.Context, src string) ([]byte, error)
} = (*Loader)(nil)

func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugePNGHeader is a PNG signature and a valid IHDR chunk claiming w x h
// pixels, and nothing else: decoding it would fail, so a refusal proves the
// limit was checked from the header.
func hugePNGHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func dataURL(mediaType string, b []byte) string {
	return "data:" + mediaType + ";base64," + base64.StdEncoding.EncodeToString(b)
}

const svgDoc = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`

// tinyWebP is a 1x1 lossless WebP.
const tinyWebP = "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="

type loadCase struct {
	name    string
	opts    func(*Options) // optional changes to the base options
	src     string
	wantErr error  // nil: must load
	wantMsg string // substring of the error message
	want    []byte // expected bytes when loaded (optional)
}

func runCases(t *testing.T, base Options, cases []loadCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := base
			if tc.opts != nil {
				tc.opts(&opts)
			}
			b, err := New(opts).Load(context.Background(), tc.src)
			if tc.wantErr == nil && tc.wantMsg == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if tc.want != nil && !bytes.Equal(b, tc.want) {
					t.Fatalf("got %d bytes, want %d", len(b), len(tc.want))
				}
				return
			}
			if err == nil {
				t.Fatalf("Load succeeded (%d bytes), want error %v %q", len(b), tc.wantErr, tc.wantMsg)
			}
			t.Logf("error: %v", err)
			if b != nil {
				t.Errorf("bytes returned with an error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %q does not wrap %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tc.wantMsg)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error message is not one line: %q", err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error is a %T, not *Error", err)
			}
		})
	}
}

func TestData(t *testing.T) {
	img := testPNG(t, 4, 3)
	b64 := base64.StdEncoding.EncodeToString(img)
	wrapped := ""
	for i := 0; i < len(b64); i += 20 {
		wrapped += b64[i:min(i+20, len(b64))] + "\n "
	}
	var gifBuf, jpegBuf, bmpBuf bytes.Buffer
	pal := image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black, color.White})
	if err := gif.Encode(&gifBuf, pal, nil); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpegBuf, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bmpBuf, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	bigPNG := testPNG(t, 200, 200)

	runCases(t, Options{}, []loadCase{
		{name: "ok base64", src: dataURL("image/png", img), want: img},
		{name: "ok upper-case scheme and media type", src: "DATA:Image/PNG;BASE64," + b64, want: img},
		{name: "ok base64 with whitespace and no padding", src: "data:image/png;base64," + strings.TrimRight(wrapped, "= \n"), want: img},
		{name: "ok base64 percent-encoded", src: "data:image/png;base64," + strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(b64), want: img},
		{name: "ok percent-encoded bytes", src: "data:image/png," + url.PathEscape(string(img)), want: img},
		{name: "ok parameters", src: "data:image/png;name=a.png;charset=binary;base64," + b64, want: img},
		{name: "ok empty media type sniffed", src: dataURL("", img), want: img},
		{name: "ok gif", src: dataURL("image/gif", gifBuf.Bytes())},
		{name: "ok jpeg", src: dataURL("image/jpeg", jpegBuf.Bytes())},
		{name: "ok bmp", src: dataURL("image/bmp", bmpBuf.Bytes())},
		{name: "ok webp", src: "data:image/webp;base64," + tinyWebP},
		{name: "bad base64", src: "data:image/png;base64,iVBOR!!!w0KGgo=", wantErr: ErrNotImage, wantMsg: "bad base64"},
		{name: "bad base64 length", src: "data:image/png;base64,iVBORw0KG", wantErr: ErrNotImage, wantMsg: "bad base64"},
		{name: "no comma", src: "data:image/png;base64", wantErr: ErrNotImage, wantMsg: "malformed data URL"},
		{name: "not image media type", src: "data:text/plain;base64," + b64, wantErr: ErrNotImage, wantMsg: `media type "text/plain" is not an image`},
		{name: "not image html", src: "data:text/html,<script>alert(1)</script>", wantErr: ErrNotImage},
		{name: "not image bytes", src: dataURL("image/png", []byte("hello, this is not a picture")), wantErr: ErrNotImage, wantMsg: "not a PNG, JPEG, GIF, WebP or BMP image"},
		{name: "not image sniffed", src: dataURL("", []byte("plain text")), wantErr: ErrNotImage, wantMsg: "bytes are not an image"},
		{name: "svg media type", src: dataURL("image/svg+xml", []byte(svgDoc)), wantErr: ErrNotImage, wantMsg: "SVG images are not supported"},
		{name: "svg sniffed", src: dataURL("", []byte(svgDoc)), wantErr: ErrNotImage, wantMsg: "SVG images are not supported"},
		{name: "svg under image/png", src: dataURL("image/png", []byte(svgDoc)), wantErr: ErrNotImage, wantMsg: "SVG images are not supported"},
		{name: "too big", opts: func(o *Options) { o.MaxBytes = 500 }, src: dataURL("image/png", bigPNG), wantErr: ErrTooLarge, wantMsg: fmt.Sprintf("decoded data URL of %d bytes exceeds the limit of 500 bytes", len(bigPNG))},
		{name: "too big percent-encoded", opts: func(o *Options) { o.MaxBytes = 500 }, src: "data:image/png," + url.PathEscape(string(bigPNG)), wantErr: ErrTooLarge},
		{name: "exactly at the limit", opts: func(o *Options) { o.MaxBytes = int64(len(img)) }, src: dataURL("image/png", img), want: img},
		{name: "huge dimensions", src: dataURL("image/png", hugePNGHeader(100000, 100000)), wantErr: ErrTooLarge, wantMsg: "png image of 100000x100000 pixels exceeds the limit of 50000000 pixels"},
		{name: "pixels over custom limit", opts: func(o *Options) { o.MaxPixels = 11 }, src: dataURL("image/png", img), wantErr: ErrTooLarge, wantMsg: "4x3"},
		{name: "long source truncated in message", src: dataURL("image/png", append(bytes.Repeat([]byte("x"), 5000), img...)), wantErr: ErrNotImage, wantMsg: `image "data:image/png;base64,eHh4eHh4eHh4eHh4…(`},
	})
}

func TestDecodedSize(t *testing.T) {
	img := testPNG(t, 5, 5)
	for _, tc := range []struct {
		name string
		body string
		b64  bool
	}{
		{"base64", base64.StdEncoding.EncodeToString(img), true},
		{"base64 raw", base64.RawStdEncoding.EncodeToString(img), true},
		{"base64 spaced", strings.Join(strings.Split(base64.StdEncoding.EncodeToString(img), "A"), " A\n"), true},
		{"base64 percent", strings.ReplaceAll(base64.StdEncoding.EncodeToString(img), "=", "%3D"), true},
		{"percent", url.PathEscape(string(img)), false},
		{"plain", "abc", false},
		{"bad percent kept", "a%zz%4", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []byte
			if tc.b64 {
				var ok bool
				if got, ok = forgivingBase64(percentDecode(tc.body)); !ok {
					t.Fatal("decode failed")
				}
			} else {
				got = []byte(percentDecode(tc.body))
			}
			if n := decodedSize(tc.body, tc.b64); n != int64(len(got)) {
				t.Errorf("decodedSize = %d, decoded %d bytes", n, len(got))
			}
		})
	}
}

func TestLocal(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "assets")
	outside := filepath.Join(tmp, "outside")
	img := testPNG(t, 3, 3)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "img"), 0o755))
	must(os.MkdirAll(outside, 0o755))
	must(os.WriteFile(filepath.Join(dir, "img", "a.png"), img, 0o644))
	must(os.WriteFile(filepath.Join(dir, "img", "my pic.png"), img, 0o644))
	must(os.WriteFile(filepath.Join(dir, "big.png"), append(testPNG(t, 1, 1), make([]byte, 5000)...), 0o644))
	must(os.WriteFile(filepath.Join(dir, "huge.png"), hugePNGHeader(100000, 100000), 0o644))
	must(os.WriteFile(filepath.Join(dir, "pic.svg"), []byte(svgDoc), 0o644))
	must(os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an image"), 0o644))
	must(os.WriteFile(filepath.Join(outside, "secret.png"), img, 0o644))
	must(os.Symlink(filepath.Join(outside, "secret.png"), filepath.Join(dir, "escape.png")))
	must(os.Symlink("../outside/secret.png", filepath.Join(dir, "escape-rel.png")))
	must(os.Symlink(outside, filepath.Join(dir, "escdir")))
	must(os.Symlink("img/a.png", filepath.Join(dir, "inside.png")))
	must(os.Symlink(filepath.Join(dir, "img", "a.png"), filepath.Join(dir, "inside-abs.png")))
	dirLink := filepath.Join(tmp, "assets-link")
	must(os.Symlink(dir, dirLink))

	runCases(t, Options{Dir: dir, MaxBytes: 4096}, []loadCase{
		{name: "ok relative", src: "img/a.png", want: img},
		{name: "ok dot segments staying inside", src: "./img/../img/a.png", want: img},
		{name: "ok absolute path inside Dir", src: "/img/a.png", want: img},
		{name: "ok file URL", src: "file:///img/a.png", want: img},
		{name: "ok file URL localhost", src: "file://localhost/img/a.png", want: img},
		{name: "ok file URL opaque", src: "file:img/a.png", want: img},
		{name: "ok file URL percent-encoded", src: "file:///img/my%20pic.png", want: img},
		{name: "ok symlink inside", src: "inside.png", want: img},
		{name: "ok absolute symlink inside", src: "inside-abs.png", want: img},
		{name: "ok Dir is a symlink", opts: func(o *Options) { o.Dir = dirLink }, src: "img/a.png", want: img},
		{name: "dotdot escape", src: "../outside/secret.png", wantErr: ErrNotAllowed, wantMsg: "escapes the assets folder"},
		{name: "dotdot escape deep", src: "img/../../outside/secret.png", wantErr: ErrNotAllowed, wantMsg: "escapes the assets folder"},
		{name: "dotdot escape absolute", src: "/../outside/secret.png", wantErr: ErrNotAllowed, wantMsg: "escapes the assets folder"},
		{name: "dotdot escape file URL", src: "file:///../outside/secret.png", wantErr: ErrNotAllowed, wantMsg: "escapes the assets folder"},
		{name: "dotdot escape file URL encoded", src: "file:///%2E%2E/outside/secret.png", wantErr: ErrNotAllowed, wantMsg: "escapes the assets folder"},
		{name: "symlink escape", src: "escape.png", wantErr: ErrNotAllowed, wantMsg: "outside the assets folder"},
		{name: "symlink escape relative", src: "escape-rel.png", wantErr: ErrNotAllowed, wantMsg: "outside the assets folder"},
		{name: "symlinked directory escape", src: "escdir/secret.png", wantErr: ErrNotAllowed, wantMsg: "outside the assets folder"},
		{name: "system path stays inside Dir", src: "/etc/passwd", wantErr: fs.ErrNotExist, wantMsg: "file not found in the assets folder"},
		{name: "missing", src: "img/nope.png", wantErr: fs.ErrNotExist, wantMsg: "file not found"},
		{name: "directory", src: "img", wantErr: ErrNotImage, wantMsg: "not a regular file"},
		{name: "Dir itself", src: "/", wantErr: ErrNotAllowed, wantMsg: "names no file"},
		{name: "NUL byte", src: "img/a.png\x00.jpg", wantErr: ErrNotAllowed, wantMsg: "NUL"},
		{name: "file URL other host", src: "file://fileserver/share/a.png", wantErr: ErrNotAllowed, wantMsg: "another host"},
		{name: "Dir unset", opts: func(o *Options) { o.Dir = "" }, src: "img/a.png", wantErr: ErrNotAllowed, wantMsg: "local files are disabled"},
		{name: "Dir unset file URL", opts: func(o *Options) { o.Dir = "" }, src: "file:///img/a.png", wantErr: ErrNotAllowed, wantMsg: "local files are disabled"},
		{name: "Dir missing", opts: func(o *Options) { o.Dir = filepath.Join(tmp, "nope") }, src: "img/a.png", wantErr: fs.ErrNotExist},
		{name: "too big file", src: "big.png", wantErr: ErrTooLarge, wantMsg: "exceeds the limit of 4096 bytes"},
		{name: "huge dimensions", src: "huge.png", wantErr: ErrTooLarge, wantMsg: "100000x100000"},
		{name: "svg", src: "pic.svg", wantErr: ErrNotImage, wantMsg: "SVG images are not supported"},
		{name: "not image", src: "notes.txt", wantErr: ErrNotImage},
	})
}

func TestSchemes(t *testing.T) {
	runCases(t, Options{Dir: t.TempDir()}, []loadCase{
		{name: "blob", src: "blob:https://editor.example.com/0b6a3c1e-1d2f", wantErr: ErrNotAllowed, wantMsg: "blob: URLs only exist inside the browser that made them"},
		{name: "javascript", src: "javascript:alert(1)", wantErr: ErrNotAllowed, wantMsg: "javascript: URLs are not supported"},
		{name: "ftp", src: "ftp://example.com/a.png", wantErr: ErrNotAllowed},
		{name: "gopher", src: "gopher://127.0.0.1:6379/_FLUSHALL", wantErr: ErrNotAllowed},
		{name: "empty", src: "  ", wantErr: ErrNotAllowed, wantMsg: "empty image source"},
		{name: "remote without allowed hosts", src: "https://cdn.example.com/a.png", wantErr: ErrNotAllowed, wantMsg: "remote images are disabled"},
		{name: "protocol-relative without allowed hosts", src: "//cdn.example.com/a.png", wantErr: ErrNotAllowed, wantMsg: "remote images are disabled"},
		{name: "password hidden in message", opts: func(o *Options) { o.AllowedHosts = []string{"cdn.example.com"} }, src: "https://user:hunter2@evil.example.com/a.png", wantErr: ErrNotAllowed, wantMsg: `"https://user:xxxxx@evil.example.com/a.png"`},
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(Options{}).Load(ctx, dataURL("image/png", testPNG(t, 1, 1))); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: got %v", err)
	}
}

func TestHTTP(t *testing.T) {
	img := testPNG(t, 4, 4)
	const max = 2000
	big := append(testPNG(t, 1, 1), bytes.Repeat([]byte{0}, 3*max)...)
	mux := http.NewServeMux()
	serve := func(ct string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if ct != "" {
				w.Header().Set("Content-Type", ct)
			} else {
				w.Header()["Content-Type"] = nil // no sniffing by the server
			}
			w.Write(body)
		}
	}
	mux.HandleFunc("/ok.png", serve("image/png", img))
	mux.HandleFunc("/octet.png", serve("application/octet-stream", img))
	mux.HandleFunc("/untyped.png", serve("", img))
	mux.HandleFunc("/octet.html", serve("application/octet-stream", []byte("<!doctype html><html><body>hi</body></html>")))
	mux.HandleFunc("/page.html", serve("text/html; charset=utf-8", []byte("<!doctype html><p>login</p>")))
	mux.HandleFunc("/pic.svg", serve("image/svg+xml", []byte(svgDoc)))
	mux.HandleFunc("/lying.png", serve("image/png", []byte("<html>not really</html>")))
	mux.HandleFunc("/huge.png", serve("image/png", hugePNGHeader(100000, 100000)))
	mux.HandleFunc("/missing.png", http.NotFound)
	mux.HandleFunc("/big-length.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Length", fmt.Sprint(len(big)))
		w.Write(big)
	})
	mux.HandleFunc("/big-chunked.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		for i := 0; i < len(big); i += 500 {
			if _, err := w.Write(big[i:min(i+500, len(big))]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	})
	wait := func(r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	}
	mux.HandleFunc("/slow-headers.png", func(w http.ResponseWriter, r *http.Request) {
		wait(r)
		serve("image/png", img)(w, r)
	})
	mux.HandleFunc("/slow-body.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(img[:10])
		w.(http.Flusher).Flush()
		wait(r)
	})
	mux.HandleFunc("/redirect-inside", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok.png", http.StatusFound)
	})
	mux.HandleFunc("/redirect-outside", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://evil.example.com/ok.png", http.StatusFound)
	})
	mux.HandleFunc("/redirect-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/redirect-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/loop/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(strings.TrimPrefix(r.URL.Path, "/loop/"), &n)
		if n >= 10 {
			serve("image/png", img)(w, r)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/loop/%d", n+1), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	hostPort := u.Host // 127.0.0.1:port
	base := Options{AllowedHosts: []string{"127.0.0.1"}, AllowPrivate: true, MaxBytes: max, Timeout: 5 * time.Second}
	fast := func(o *Options) { o.Timeout = 150 * time.Millisecond }

	runCases(t, base, []loadCase{
		{name: "allowed host", src: srv.URL + "/ok.png", want: img},
		{name: "allowed host with port", opts: func(o *Options) { o.AllowedHosts = []string{hostPort} }, src: srv.URL + "/ok.png", want: img},
		{name: "allowed host upper case", opts: func(o *Options) { o.AllowedHosts = []string{"127.0.0.1:" + u.Port()} }, src: "HTTP://127.0.0.1:" + u.Port() + "/ok.png", want: img},
		{name: "octet-stream image", src: srv.URL + "/octet.png", want: img},
		{name: "no Content-Type image", src: srv.URL + "/untyped.png", want: img},
		{name: "redirect inside allowed host", src: srv.URL + "/redirect-inside", want: img},
		{name: "five redirects", src: srv.URL + "/loop/5", want: img},
		{name: "host not in allow-list", opts: func(o *Options) { o.AllowedHosts = []string{"cdn.example.com", "*.example.net"} }, src: srv.URL + "/ok.png", wantErr: ErrNotAllowed, wantMsg: `host "` + hostPort + `" is not in the allowed hosts`},
		{name: "port not in allow-list", opts: func(o *Options) { o.AllowedHosts = []string{"127.0.0.1:1"} }, src: srv.URL + "/ok.png", wantErr: ErrNotAllowed, wantMsg: "not in the allowed hosts"},
		{name: "loopback refused at dial", opts: func(o *Options) { o.AllowPrivate = false }, src: srv.URL + "/ok.png", wantErr: ErrNotAllowed, wantMsg: "refusing to connect to 127.0.0.1 (loopback address)"},
		{name: "loopback refused with port rule", opts: func(o *Options) { o.AllowPrivate = false; o.AllowedHosts = []string{hostPort} }, src: srv.URL + "/ok.png", wantErr: ErrNotAllowed, wantMsg: "loopback"},
		{name: "redirect to non-allowed host", src: srv.URL + "/redirect-outside", wantErr: ErrNotAllowed, wantMsg: `redirect to host "evil.example.com", which is not in the allowed hosts`},
		{name: "metadata address refused at dial", opts: func(o *Options) { o.AllowedHosts = []string{"127.0.0.1", "169.254.169.254"}; o.AllowPrivate = false }, src: "http://169.254.169.254/latest/meta-data/", wantErr: ErrNotAllowed, wantMsg: "169.254.169.254 (link-local, cloud metadata address)"},
		{name: "redirect to file URL", src: srv.URL + "/redirect-file", wantErr: ErrNotAllowed, wantMsg: "redirect to a file: URL"},
		{name: "redirect to metadata host not allowed", src: srv.URL + "/redirect-metadata", wantErr: ErrNotAllowed, wantMsg: "169.254.169.254"},
		{name: "too many redirects", src: srv.URL + "/loop/0", wantErr: ErrNotAllowed, wantMsg: "stopped after 5 redirects"},
		{name: "text/html refused", src: srv.URL + "/page.html", wantErr: ErrNotImage, wantMsg: "Content-Type text/html is not an image"},
		{name: "octet-stream html refused", src: srv.URL + "/octet.html", wantErr: ErrNotImage, wantMsg: "not an image"},
		{name: "svg refused", src: srv.URL + "/pic.svg", wantErr: ErrNotImage, wantMsg: "SVG images are not supported"},
		{name: "image/png that is not", src: srv.URL + "/lying.png", wantErr: ErrNotImage},
		{name: "status 404", src: srv.URL + "/missing.png", wantMsg: "HTTP status 404 Not Found"},
		{name: "oversized body with Content-Length", src: srv.URL + "/big-length.png", wantErr: ErrTooLarge, wantMsg: fmt.Sprintf("response of %d bytes exceeds the limit of %d bytes", len(big), max)},
		{name: "oversized body without Content-Length", src: srv.URL + "/big-chunked.png", wantErr: ErrTooLarge, wantMsg: fmt.Sprintf("response exceeds the limit of %d bytes", max)},
		{name: "timeout before headers", opts: fast, src: srv.URL + "/slow-headers.png", wantErr: context.DeadlineExceeded, wantMsg: "timed out after 150ms"},
		{name: "timeout during body", opts: fast, src: srv.URL + "/slow-body.png", wantErr: context.DeadlineExceeded, wantMsg: "timed out after 150ms"},
		{name: "huge dimensions refused before decoding", src: srv.URL + "/huge.png", wantErr: ErrTooLarge, wantMsg: "png image of 100000x100000 pixels exceeds the limit"},
		{name: "protocol-relative is https", src: "//" + hostPort + "/ok.png", wantMsg: "fetch failed"}, // the test server speaks plain HTTP
	})

	t.Run("client with proxy and TLS settings", func(t *testing.T) {
		c := srv.Client()
		tr := c.Transport.(*http.Transport).Clone()
		tr.Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: "127.0.0.1:1"}) // must be ignored
		l := New(Options{AllowedHosts: []string{"127.0.0.1"}, AllowPrivate: true, Client: &http.Client{Transport: tr}})
		if _, err := l.Load(context.Background(), srv.URL+"/ok.png"); err != nil {
			t.Fatal(err)
		}
		l.CloseIdleConnections()
	})

	t.Run("client with custom dialer gets only checked IPs", func(t *testing.T) {
		var mu sync.Mutex
		var dialed []string
		tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dialed = append(dialed, addr)
			mu.Unlock()
			return (&net.Dialer{}).DialContext(ctx, network, hostPort) // a "rebinding" dialer
		}}
		if _, err := New(Options{AllowedHosts: []string{"127.0.0.1"}, Client: &http.Client{Transport: tr}}).Load(context.Background(), srv.URL+"/ok.png"); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("loopback through custom dialer: got %v", err)
		}
		if len(dialed) != 0 {
			t.Errorf("custom dialer called with %v", dialed)
		}
		if _, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip4", "localhost"); err != nil {
			t.Skip("localhost does not resolve here")
		}
		l := New(Options{AllowedHosts: []string{"localhost"}, AllowPrivate: true, Client: &http.Client{Transport: tr}})
		if _, err := l.Load(context.Background(), "http://localhost:"+u.Port()+"/ok.png"); err != nil {
			t.Fatal(err)
		}
		for _, a := range dialed {
			if _, err := netip.ParseAddrPort(a); err != nil {
				t.Errorf("custom dialer asked for %q, not an IP address", a)
			}
		}
	})

	t.Run("name resolving to loopback refused", func(t *testing.T) {
		if _, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", "localhost"); err != nil {
			t.Skip("localhost does not resolve here")
		}
		l := New(Options{AllowedHosts: []string{"localhost"}})
		_, err := l.Load(context.Background(), "http://localhost:"+u.Port()+"/ok.png")
		if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("got %v", err)
		}
	})

	t.Run("non-Transport RoundTripper refused", func(t *testing.T) {
		c := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { panic("must not be called") })}
		_, err := New(Options{AllowedHosts: []string{"127.0.0.1"}, AllowPrivate: true, Client: c}).Load(context.Background(), srv.URL+"/ok.png")
		if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), "*http.Transport") {
			t.Errorf("got %v", err)
		}
	})

	t.Run("concurrent loads", func(t *testing.T) {
		l := New(base)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				src := srv.URL + "/ok.png"
				if i%2 == 1 {
					src = dataURL("image/png", img)
				}
				if _, err := l.Load(context.Background(), src); err != nil {
					errs <- err
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})

	t.Run("caller context deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := New(base).Load(ctx, srv.URL+"/slow-headers.png")
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "not loaded") {
			t.Errorf("got %v", err)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestHTTPS(t *testing.T) {
	img := testPNG(t, 2, 2)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			http.Redirect(w, r, "http://"+r.Host+"/ok.png", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(img)
	}))
	defer srv.Close()
	runCases(t, Options{AllowedHosts: []string{"127.0.0.1"}, AllowPrivate: true, Client: srv.Client()}, []loadCase{
		{name: "https ok", src: srv.URL + "/ok.png", want: img},
		{name: "https to http downgrade refused", src: srv.URL + "/down", wantErr: ErrNotAllowed, wantMsg: "redirect from https to http"},
		{name: "https loopback refused", opts: func(o *Options) { o.AllowPrivate = false }, src: srv.URL + "/ok.png", wantErr: ErrNotAllowed, wantMsg: "loopback"},
	})
}

func TestBlockedReason(t *testing.T) {
	blocked := []string{
		"0.0.0.0", "0.1.2.3",
		"10.0.0.1", "10.255.255.255",
		"100.64.0.1", "100.127.255.254",
		"127.0.0.1", "127.1.2.3",
		"169.254.169.254", "169.254.0.1",
		"172.16.0.1", "172.31.255.255",
		"192.0.0.8", "192.0.2.1", "192.88.99.1",
		"192.168.0.1", "192.168.255.255",
		"198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
		"224.0.0.1", "239.255.255.250",
		"240.0.0.1", "255.255.255.255",
		"::", "::1", "::127.0.0.1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:100.64.0.1", "::ffff:0.0.0.0",
		"::ffff:0:a00:1", // IPv4-translated 10.0.0.1
		"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1",
		"100::1",
		"2001::1", "2001:2::1", "2001:db8::1", "3fff::1",
		"2002:7f00:1::1", "2002:a00:1::", "2002:a9fe:a9fe::1",
		"fc00::1", "fd12:3456:789a::1", "fdff:ffff::1",
		"fe80::1", "fe80::1%eth0", "febf::1",
		"fec0::1",
		"ff02::1", "ff05::2", "ff0e::1",
	}
	public := []string{
		"1.1.1.1", "8.8.8.8", "93.184.216.34", "9.255.255.255", "11.0.0.1",
		"100.63.255.255", "100.128.0.1", "126.255.255.255", "128.0.0.1",
		"169.253.255.255", "169.255.0.1", "172.15.255.255", "172.32.0.1",
		"192.167.255.255", "192.169.0.1", "198.17.255.255", "198.20.0.1",
		"223.255.255.255",
		"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
		"2606:4700:4700::1111", "2a00:1450:4001:81b::200e", "2001:4860:4860::8888",
		"2600::1", "fbff:ffff::1",
	}
	for _, s := range blocked {
		t.Run("blocked "+s, func(t *testing.T) {
			if r := netguard.BlockedReason(netip.MustParseAddr(s)); r == "" {
				t.Errorf("%s is not blocked", s)
			}
		})
	}
	for _, s := range public {
		t.Run("public "+s, func(t *testing.T) {
			if r := netguard.BlockedReason(netip.MustParseAddr(s)); r != "" {
				t.Errorf("%s blocked as %s", s, r)
			}
		})
	}
	if netguard.BlockedReason(netip.Addr{}) == "" {
		t.Error("zero Addr not blocked")
	}
	l := New(Options{})
	for addr, want := range map[string]string{
		"127.0.0.1:80":          "loopback",
		"[::ffff:10.1.2.3]:443": "private, IPv4-mapped",
		"169.254.169.254:80":    "cloud metadata",
		"[fe80::1%lo]:80":       "link-local",
		"8.8.8.8:443":           "",
		"not-an-address:80":     "cannot check",
	} {
		err := l.checkAddr(addr)
		if want == "" {
			if err != nil {
				t.Errorf("checkAddr(%s) = %v", addr, err)
			}
		} else if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), want) {
			t.Errorf("checkAddr(%s) = %v, want %q", addr, err, want)
		}
	}
	if err := New(Options{AllowPrivate: true}).checkAddr("127.0.0.1:80"); err != nil {
		t.Errorf("AllowPrivate: %v", err)
	}
}

func TestAllowedHosts(t *testing.T) {
	l := New(Options{AllowedHosts: []string{
		"CDN.Example.com", "*.img.example.org", "api.example.net:8443", "[2001:db8::1]:8080",
		"https://full.example.io/path", "", "*", "bad host", "x.example.com:99999",
	}})
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"https://cdn.example.com/a.png", true},
		{"http://CDN.EXAMPLE.COM:8080/a.png", true},
		{"https://cdn.example.com./a.png", true},
		{"https://evil-cdn.example.com/a.png", false},
		{"https://cdn.example.com.evil.net/a.png", false},
		{"https://example.com/a.png", false},
		{"https://a.img.example.org/a.png", true},
		{"https://a.b.img.example.org/a.png", true},
		{"https://img.example.org/a.png", false},
		{"https://aimg.example.org/a.png", false},
		{"https://api.example.net:8443/a.png", true},
		{"https://api.example.net/a.png", false},
		{"http://[2001:db8::1]:8080/a.png", true},
		{"http://[2001:db8::1]/a.png", false},
		{"https://full.example.io/a.png", true},
		{"https://anything.else/a.png", false},
		{"https://x.example.com:99999/a.png", false},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.hosts.Allow(u); got != tc.want {
			t.Errorf("Allow(%s) = %v, want %v", tc.url, got, tc.want)
		}
	}
	if got := len(l.hosts); got != 5 {
		t.Errorf("%d rules parsed, want 5 (malformed ones dropped): %+v", got, l.hosts)
	}
}

func TestShortSource(t *testing.T) {
	long := "data:image/png;base64," + strings.Repeat("A", 10000)
	if s := shortSource(long); len(s) > 80 || !strings.Contains(s, "(10022 bytes)") {
		t.Errorf("shortSource(long data URL) = %q", s)
	}
	if s := shortSource("https://cdn.example.com/" + strings.Repeat("é", 200)); len(s) > 130 || !strings.HasSuffix(s, "…") {
		t.Errorf("shortSource(long URL) = %q", s)
	}
	if s := shortSource("img/a.png"); s != "img/a.png" {
		t.Errorf("shortSource(path) = %q", s)
	}
}
