package service_test

// Helpers of the dashboard's browser test: Debian's Chromium driven by
// chromedp, waits with useful failures, downloads and screenshots.

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's Chromium. CI installs it (`make deps`), so a
// missing browser fails the test rather than skipping it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("the dashboard test needs Chromium at /usr/bin/chromium: install it with `apt-get install chromium` (or `make deps`, as CI does)")
	return ""
}

// dashBrowser is one headless Chromium tab.
type dashBrowser struct {
	t         *testing.T
	ctx       context.Context
	downloads string

	mu       sync.Mutex
	problems []string // exceptions, console errors and CSP reports
}

func newDashBrowser(t *testing.T, timeout time.Duration) *dashBrowser {
	t.Helper()
	exe := chromiumPath(t)
	profile, err := os.MkdirTemp("", "fabricpress-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	downloads := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
		os.RemoveAll(profile)
	})
	b := &dashBrowser{t: t, ctx: ctx, downloads: downloads}
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", exe, err)
	}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.IsException() || (m.Source == "" && m.Type == chromedp.ConsoleError) || m.Source == "security" {
				b.mu.Lock()
				b.problems = append(b.problems, fmt.Sprintf("%s (%s:%d)", m.String(), m.URL, m.Line+1))
				b.mu.Unlock()
			}
		}
	}()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatalf("download folder: %v", err)
	}
	b.do(chromedp.EmulateViewport(1280, 900))
	return b
}

// checkConsole fails the test for any exception or error the page logged.
func (b *dashBrowser) checkConsole() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("browser console: %s", p)
	}
	b.problems = nil
}

func (b *dashBrowser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v\npage: %s", err, b.pageText())
	}
}

// eval runs JavaScript and decodes its value into T.
func dashEval[T any](b *dashBrowser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// pageText is the visible text of the page, for failure messages.
func (b *dashBrowser) pageText() string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(b.ctx), 3*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash + "\n" + document.body.innerText`))
	if err != nil {
		return "(" + err.Error() + ")"
	}
	if len(s) > 3000 {
		s = s[:3000] + "…"
	}
	return s
}

// waitFor polls a JavaScript condition until it is true.
func (b *dashBrowser) waitFor(what, cond string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			b.t.Fatalf("waiting %s for %s (%s): %v\npage: %s", timeout, what, cond, err, b.pageText())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *dashBrowser) navigate(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url))
}

// click clicks the element the CSS selector finds, once it is visible.
func (b *dashBrowser) click(sel string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// upload sets the files of a file input (the input fires "change").
func (b *dashBrowser) upload(sel, path string) {
	b.t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		b.t.Fatal(err)
	}
	b.do(chromedp.SetUploadFiles(chromedp.CSS(sel), []string{abs}))
}

// setValue sets a field as typing would: the value, then input and change
// events.
func (b *dashBrowser) setValue(sel, value string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.focus(); el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, sel, value)
	dashEval[bool](b, js)
}

// typeInto clears a text field and types into it with key events.
func (b *dashBrowser) typeInto(sel, text string) {
	b.t.Helper()
	b.setValue(sel, "")
	b.do(chromedp.SendKeys(chromedp.CSS(sel), text))
}

// waitDownload waits for a finished download named name.
func (b *dashBrowser) waitDownload(name string, timeout time.Duration) string {
	b.t.Helper()
	path := filepath.Join(b.downloads, name)
	deadline := time.Now().Add(timeout)
	for {
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			if _, err := os.Stat(path + ".crdownload"); os.IsNotExist(err) {
				if zr, err := zip.OpenReader(path); err == nil || !strings.HasSuffix(name, ".zip") {
					if zr != nil {
						zr.Close()
					}
					return path
				}
			}
		}
		if time.Now().After(deadline) {
			ents, _ := os.ReadDir(b.downloads)
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			b.t.Fatalf("no download %s after %s (the folder has %v)\npage: %s", name, timeout, names, b.pageText())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// shots saves full-page screenshots at desktop and phone widths into the
// test's temporary folder, and copies them to /tmp/dashboard-shots.
type shots struct {
	b     *dashBrowser
	dir   string
	share string
	n     int
}

func newShots(b *dashBrowser) *shots {
	s := &shots{b: b, dir: b.t.TempDir(), share: filepath.Join(os.TempDir(), "dashboard-shots")}
	if err := os.MkdirAll(s.share, 0o755); err != nil {
		b.t.Logf("screenshots are kept in %s only: %v", s.dir, err)
		s.share = ""
	}
	return s
}

func (s *shots) take(name string) {
	s.b.t.Helper()
	s.n++
	for _, v := range []struct {
		suffix string
		w, h   int64
		mobile bool
	}{{"desktop", 1280, 900, false}, {"phone", 375, 812, true}} {
		if v.mobile {
			s.b.do(chromedp.EmulateViewport(v.w, v.h, chromedp.EmulateMobile))
		} else {
			s.b.do(chromedp.EmulateViewport(v.w, v.h))
		}
		// Let the layout settle: two animation frames.
		dashEval[bool](s.b, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
		png, err := chromedp.Run(s.b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			s.b.t.Fatalf("screenshot %s: %v", name, err)
		}
		file := fmt.Sprintf("%02d-%s-%s.png", s.n, name, v.suffix)
		if err := os.WriteFile(filepath.Join(s.dir, file), png, 0o644); err != nil {
			s.b.t.Fatal(err)
		}
		if s.share != "" {
			os.WriteFile(filepath.Join(s.share, file), png, 0o644)
		}
	}
	s.b.do(chromedp.EmulateViewport(1280, 900))
}

// zipEntries lists a ZIP's entries by extension, and its manifest lines.
func zipEntries(t *testing.T, path string) (pngs int, manifest [][]string, names []string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		names = append(names, f.Name)
		switch {
		case f.Name == "manifest.csv":
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			manifest, err = csv.NewReader(rc).ReadAll()
			rc.Close()
			if err != nil {
				t.Fatalf("manifest.csv: %v", err)
			}
		case strings.HasSuffix(f.Name, ".png"):
			pngs++
		}
	}
	return pngs, manifest, names
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
