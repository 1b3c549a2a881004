package service_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The dashboard in a real browser (Debian's Chromium, headless, through
// chromedp) against a real server (bolt store, runner, BATCH_THRESHOLD 10):
// upload the sample postcard, its mapping and the 500-row CSV, check the
// column mapping and the three proofs, start the job, watch its bar reach
// 100% over the event stream, download the ZIP and count its pieces; list,
// filter and search the jobs; render a 3-row batch from the stored
// template at once and get the file; open a merged-PDF job and download
// its merged PDF; cancel a running job; then, on a server that wants an
// API key, enter the key, follow a job by polling, cancel it and download
// with the key. Screenshots of every page, at desktop and phone widths, go
// to the test's temporary folder and /tmp/dashboard-shots.
func TestDashboard(t *testing.T) {
	start0 := time.Now()
	e := start(t, nil)
	// A stored template, as `make run` offers: the picker shows its thumbnail.
	storedID, err := e.server.StoreTemplate("", "sample postcard", sampleTemplate, 864, 576)
	if err != nil {
		t.Fatal(err)
	}
	b := newDashBrowser(t, 150*time.Second)
	last := time.Now()
	step := func(n int) {
		if n > 1 {
			t.Logf("step %d took %s", n-1, time.Since(last).Round(time.Millisecond))
		}
		last = time.Now()
	}
	shot := newShots(b)
	t.Cleanup(func() { t.Logf("screenshots in %s and %s", shot.dir, shot.share) })

	// The server's side of the dashboard.
	resp, body := do(t, "GET", e.url+"/", "", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") || !strings.Contains(string(body), `<main id="main"`) {
		t.Fatalf("GET /: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, body := do(t, "GET", e.url+"/config.json", "", "", nil); resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"keysRequired":false,"threshold":10}` {
		t.Fatalf("config.json: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, "GET", e.url+"/app.js", "", "", nil); !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("app.js is served as %q", resp.Header.Get("Content-Type"))
	}
	if resp, _ := do(t, "GET", e.url+"/nothing-here.js", "", "", nil); resp.StatusCode != 404 {
		t.Errorf("unknown file: %d", resp.StatusCode)
	}

	step(1)
	// 1. The jobs page, empty.
	b.navigate(e.url + "/")
	b.waitFor("the empty jobs page", `document.querySelector('h1')?.textContent === 'Jobs' && !document.querySelector('.empty').hidden`, 10*time.Second)
	shot.take("jobs-empty")

	step(2)
	// 2. A new batch: the stored template is offered with its thumbnail;
	// upload the postcard instead, with its canvas size and mapping, and
	// the 500 recipients.
	b.click(`a[href="#/new"].btn`)
	b.waitFor("the stored template's thumbnail", `[...document.querySelectorAll('#stored-templates img')].some(i => i.complete && i.naturalWidth > 0)`, 15*time.Second)
	shot.take("new-batch-start")
	b.click("#source-upload")
	b.upload("#template-file", sampleTemplate)
	b.waitFor("the template to be read", `document.querySelector('#template-info').textContent.includes('postcard-9x6.json')`, 5*time.Second)
	b.setValue("#width", "864")
	b.setValue("#height", "576")
	b.upload("#mapping-file", sampleMapping)
	b.waitFor("the mapping file's QR binding", `document.querySelector('#bindings-table select[data-object="qr"]')?.value === 'qr'`, 5*time.Second)
	b.upload("#csv-file", sampleCSV)
	b.waitFor("the CSV summary", `document.querySelector('#csv-summary').textContent.includes('500 recipients')`, 10*time.Second)
	b.waitFor("the column mapping", `document.querySelectorAll('#mapping-table tbody tr').length === 8`, 20*time.Second)
	mapping := dashEval[map[string]string](b, `Object.fromEntries([...document.querySelectorAll('#mapping-table select')].map(s => [s.dataset.field, s.value]))`)
	for _, f := range []string{"id", "first_name", "last_name", "address1", "city", "state", "zip", "offer_code"} {
		if mapping[f] != f {
			t.Errorf("field %s is mapped to column %q, want %q (mapping %v)", f, mapping[f], f, mapping)
		}
	}
	if s := dashEval[string](b, `document.querySelector('#mapping-summary').textContent`); !strings.Contains(s, "All 8 fields are mapped") {
		t.Errorf("mapping summary %q", s)
	}
	b.waitFor("three proofs", `[...document.querySelectorAll('#proofs figure img')].filter(i => i.complete && i.naturalWidth >= 300).length === 3`, 30*time.Second)
	caption := dashEval[string](b, `document.querySelector('#proofs figcaption').textContent`)
	if !strings.Contains(caption, "Row 1") || !strings.Contains(caption, "José") {
		t.Errorf("first proof's caption %q", caption)
	}
	if s := dashEval[string](b, `document.querySelector('#submit').textContent`); s != "Start job" {
		t.Errorf("submit button %q for 500 recipients with threshold 10", s)
	}
	// Fix the mapping by hand: a column change reaches the proofs (the
	// override is sent as options.columns) and can be undone.
	b.setValue(`#mapping-table select[data-field="offer_code"]`, "id")
	b.waitFor("the override shown", `document.querySelector('#mapping-table tr[data-field="offer_code"]').dataset.match === 'chosen'`, 5*time.Second)
	b.waitFor("proofs with the override", `!document.querySelector('#proofs').hasAttribute('aria-busy') && document.querySelectorAll('#proofs figure img').length === 3`, 30*time.Second)
	b.setValue(`#mapping-table select[data-field="offer_code"]`, "offer_code")
	b.waitFor("the override undone", `document.querySelector('#mapping-table tr[data-field="offer_code"]').dataset.match === 'exact'`, 5*time.Second)
	b.setValue("#scale", "0.1")
	b.typeInto("#job-name", "spring mailing")
	shot.take("new-batch-large")

	step(3)
	// 3. Submit: a job, and the page goes to it.
	b.click("#submit")
	b.waitFor("the job page", `/^#\/jobs\/[^/]+$/.test(location.hash) && document.querySelector('#job-progress')`, 30*time.Second)
	jobID := strings.TrimPrefix(dashEval[string](b, `location.hash`), "#/jobs/")
	b.waitFor("progress", `+document.querySelector('#job-progress').getAttribute('aria-valuenow') > 0`, 60*time.Second)
	if st := dashEval[string](b, `document.querySelector('#job-status').textContent`); st == "Running" {
		if mode := dashEval[string](b, `document.querySelector('#live-mode').textContent`); !strings.Contains(mode, "server-sent events") {
			t.Errorf("live mode %q: want the event stream without API keys", mode)
		}
	}
	shot.take("job-running")
	b.waitFor("the bar at 100%", `document.querySelector('#job-progress').getAttribute('aria-valuenow') === '100'`, 90*time.Second)
	b.waitFor("the completion notice with the focus", `!document.querySelector('#job-notice').hidden && document.activeElement?.id === 'job-notice'`, 15*time.Second)
	if s := dashEval[string](b, `document.querySelector('#job-status').textContent`); s != "Completed with errors" {
		t.Errorf("status %q", s)
	}
	b.waitFor("the live region announcing it", `document.querySelector('#announcer').textContent.includes('494 pieces ready, 6 failed')`, 5*time.Second)
	if s := dashEval[string](b, `document.querySelector('#job-progress').getAttribute('aria-valuetext')`); !strings.Contains(s, "494 of 500 done") {
		t.Errorf("aria-valuetext %q", s)
	}
	b.waitFor("six failed recipients", `document.querySelectorAll('#failures-table tbody tr').length === 6`, 10*time.Second)
	failures := dashEval[[][]string](b, `[...document.querySelectorAll('#failures-table tbody tr')].map(r => [...r.cells].map(c => c.textContent))`)
	want := badLines(t)
	for _, f := range failures {
		if len(f) != 4 || !want[atoi(f[1])] || f[3] == "" || f[3] == "—" {
			t.Errorf("failed recipient %q: want a bad CSV line (%v) and a reason", f, want)
		}
	}
	timeline := dashEval[string](b, `document.querySelector('#job-timeline').textContent`)
	for _, w := range []string{"Created", "Started", "waited", "Finished", "took"} {
		if !strings.Contains(timeline, w) {
			t.Errorf("timeline %q lacks %q", timeline, w)
		}
	}
	shot.take("job-done")
	b.click("#download-zip")
	zipPath := b.waitDownload("spring-mailing.zip", 30*time.Second)
	pngs, manifest, _ := zipEntries(t, zipPath)
	if pngs != 494 || len(manifest) != 501 {
		t.Errorf("the ZIP has %d pieces and %d manifest lines, want 494 and 501", pngs, len(manifest))
	}

	step(4)
	// 4. The jobs page lists it; filter and search.
	b.click(`a[href="#/jobs"][data-nav]`)
	b.waitFor("the job in the list", `document.querySelector('#job-`+jobID+` .badge')?.textContent === 'Completed with errors'`, 10*time.Second)
	if v := dashEval[string](b, `document.querySelector('#job-`+jobID+` [role=progressbar]').getAttribute('aria-valuenow')`); v != "100" {
		t.Errorf("the list's bar is at %s", v)
	}
	actions := dashEval[[]string](b, `[...document.querySelectorAll('#job-`+jobID+` .job-actions [data-action]')].map(x => x.dataset.action)`)
	if strings.Join(actions, ",") != "download,retry,delete" {
		t.Errorf("actions of a job completed with errors: %v", actions)
	}
	b.setValue("#status-filter", "running")
	b.waitFor("no running job", `location.hash === '#/jobs?status=running' && !document.querySelector('.empty').hidden`, 10*time.Second)
	b.setValue("#status-filter", "completed_with_errors")
	b.waitFor("the filtered list", `location.hash === '#/jobs?status=completed_with_errors' && document.querySelector('#job-`+jobID+`')`, 10*time.Second)
	b.typeInto("#job-search", "nothing like it")
	b.waitFor("search hides the job", `document.querySelector('#job-`+jobID+`').hidden`, 5*time.Second)
	b.typeInto("#job-search", "spring")
	b.waitFor("search finds the job", `!document.querySelector('#job-`+jobID+`').hidden`, 5*time.Second)
	b.setValue("#status-filter", "")
	b.waitFor("all jobs", `location.hash === '#/jobs' && document.querySelector('#job-`+jobID+`')`, 10*time.Second)
	shot.take("jobs")

	step(5)
	// 5. A small batch (3 rows, below the threshold): rendered at once
	// and downloaded. The form kept the template and the mapping.
	small := smallCSV(t, 3)
	b.click(`a[href="#/new"][data-nav]`)
	b.waitFor("the form as it was", `document.querySelector('#source-upload').checked && document.querySelector('#template-file').files.length === 1`, 10*time.Second)
	// This time the stored template, with the bindings loaded before.
	b.click("#source-stored")
	b.click(`label[for="tpl-` + storedID + `"]`)
	b.waitFor("the stored template chosen", `document.querySelector('#tpl-`+storedID+`').checked && document.querySelector('#bindings-table select[data-object="qr"]')?.value === 'qr'`, 10*time.Second)
	b.upload("#csv-file", small)
	b.waitFor("a small batch", `document.querySelector('#csv-summary').textContent.includes('3 recipients') && document.querySelector('#submit').textContent === 'Render and download'`, 10*time.Second)
	b.waitFor("three proofs", `!document.querySelector('#proofs').hasAttribute('aria-busy') && document.querySelectorAll('#proofs figure img').length === 3`, 30*time.Second)
	b.click("#submit")
	b.waitFor("the result", `!document.querySelector('#result').hidden && document.activeElement?.id === 'result'`, 30*time.Second)
	piecesPath := b.waitDownload("pieces.zip", 30*time.Second)
	pngs, manifest, _ = zipEntries(t, piecesPath)
	if pngs != 3 || len(manifest) != 4 {
		t.Errorf("pieces.zip has %d pieces and %d manifest lines, want 3 and 4", pngs, len(manifest))
	}
	if s := dashEval[string](b, `location.hash`); s != "#/new" {
		t.Errorf("a small batch left the page for %s", s)
	}
	shot.take("new-batch-small")

	step(6)
	// 6. A print job (made through the API with a small template, to keep
	// the test quick): PDF with merge, bleed and crop marks; its page
	// offers the ZIP and the merged PDF, found by name.
	tiny := filepath.Join(t.TempDir(), "tiny.json")
	os.WriteFile(tiny, []byte(`{"version":"5.3.0","objects":[{"type":"rect","left":0,"top":0,"width":300,"height":200,"fill":"#e8efff"},`+
		`{"type":"textbox","left":20,"top":20,"width":260,"text":"Hello {{first_name}}","fontFamily":"Liberation Sans","fontSize":24}]}`), 0o644)
	f, ct := form(t, map[string]string{"template": "@" + tiny, "width": "300", "height": "200", "csv": "@" + smallCSV(t, 10),
		"options": `{"format":"pdf","merge":true,"bleed":12,"cropMarks":true,"name":"Print run: Ærø"}`})
	resp, body = do(t, "POST", e.url+"/api/v1/jobs", "", ct, f)
	if resp.StatusCode != 202 {
		t.Fatalf("print job: %d %s", resp.StatusCode, body)
	}
	var pj struct{ ID string }
	json.Unmarshal(body, &pj)
	b.navigate(e.url + "/#/jobs/" + pj.ID)
	b.waitFor("the merged PDF offered", `document.querySelector('#job-status')?.textContent === 'Completed' && document.querySelector('[data-merged="print-run-aero-0001.pdf"]')`, 60*time.Second)
	if s := dashEval[string](b, `document.querySelector('#job-title').nextElementSibling.textContent`); !strings.Contains(s, "PDF") || !strings.Contains(s, "10 recipients") {
		t.Errorf("print job heading %q", s)
	}
	b.click(`[data-merged="print-run-aero-0001.pdf"]`)
	if pdf, err := os.ReadFile(b.waitDownload("print-run-aero-0001.pdf", 20*time.Second)); err != nil || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Errorf("merged PDF: %v %.8q", err, pdf)
	}
	shot.take("job-pdf")
	b.click(`a[href="#/new"][data-nav]`)
	b.waitFor("the form as it was", `document.querySelector('#template-file')?.files.length === 1 && document.querySelector('#format-png').checked`, 10*time.Second)

	step(7)
	// 7. Cancel a running job: the 500 rows again, at full size so it runs
	// a while.
	b.upload("#csv-file", sampleCSV)
	b.waitFor("a large batch", `document.querySelector('#submit').textContent === 'Start job'`, 10*time.Second)
	b.setValue("#scale", "1")
	b.typeInto("#job-name", "to cancel")
	b.click("#submit")
	b.waitFor("the second job's page", `/^#\/jobs\/[^/]+$/.test(location.hash) && location.hash !== '#/jobs/`+jobID+`' && document.querySelector('#job-progress')`, 30*time.Second)
	b.waitFor("the job running", `document.querySelector('#job-status').textContent === 'Running' && document.querySelector('[data-action=cancel]')`, 30*time.Second)
	b.click("[data-action=cancel]")
	b.waitFor("the job cancelled", `document.querySelector('#job-status').textContent === 'Cancelled' && !document.querySelector('#job-notice').hidden`, 30*time.Second)
	if v := dashEval[int](b, `+document.querySelector('#job-progress').getAttribute('aria-valuenow')`); v >= 100 {
		t.Errorf("a cancelled job at %d%%", v)
	}
	if s := dashEval[string](b, `document.querySelector('#job-notice').textContent`); !strings.Contains(s, "cancelled") {
		t.Errorf("notice %q", s)
	}
	if n := dashEval[int](b, `document.querySelectorAll('#job-actions [data-action=cancel]').length`); n != 0 {
		t.Errorf("a cancelled job still offers Cancel")
	}
	shot.take("job-cancelled")
	b.checkConsole()

	step(8)
	// 8. A server that wants an API key: the key form, then the pages
	// work with the key (polling instead of the event stream, downloads
	// fetched with the key).
	k := start(t, map[string]string{"k1": "acme"})
	f, ct = form(t, map[string]string{"template": "@" + sampleTemplate, "width": "864", "height": "576", "csv": "@" + smallCSV(t, 2), "options": `{"scale":0.1,"name":"keyed"}`})
	resp, body = do(t, "POST", k.url+"/api/v1/jobs", "k1", ct, f)
	if resp.StatusCode != 202 {
		t.Fatalf("job with key: %d %s", resp.StatusCode, body)
	}
	var kj struct{ ID string }
	json.Unmarshal(body, &kj)
	b.navigate(k.url + "/#/jobs")
	b.waitFor("the key form", `!document.querySelector('#key-panel').hidden`, 10*time.Second)
	b.waitFor("the jobs page asking for the key", `document.querySelector('.flash-error')?.textContent.includes('API key')`, 10*time.Second)
	shot.take("api-key")
	b.typeInto("#key-input", "k1\n")
	b.waitFor("the job listed with the key", `document.querySelector('#key-panel').hidden && document.querySelector('#job-`+kj.ID+`')`, 10*time.Second)
	b.click(`#job-` + kj.ID + ` a.job-link`)
	b.waitFor("the keyed job finished", `document.querySelector('#job-status').textContent === 'Completed' && document.querySelector('#download-zip')`, 30*time.Second)
	if tag := dashEval[string](b, `document.querySelector('#download-zip').tagName`); tag != "BUTTON" {
		t.Errorf("with a key the download is a %s, want a button that fetches with the key", tag)
	}
	b.click("#download-zip")
	pngs, manifest, _ = zipEntries(t, b.waitDownload("keyed.zip", 20*time.Second))
	if pngs != 2 || len(manifest) != 3 {
		t.Errorf("keyed.zip has %d pieces and %d manifest lines", pngs, len(manifest))
	}
	// With a key the job page polls: follow a running job, then cancel it.
	f, ct = form(t, map[string]string{"template": "@" + sampleTemplate, "width": "864", "height": "576", "csv": "@" + sampleCSV,
		"mapping": "@" + sampleMapping, "options": `{"name":"keyed and long"}`})
	resp, body = do(t, "POST", k.url+"/api/v1/jobs", "k1", ct, f)
	if resp.StatusCode != 202 {
		t.Fatalf("long job with key: %d %s", resp.StatusCode, body)
	}
	var lj struct{ ID string }
	json.Unmarshal(body, &lj)
	b.navigate(k.url + "/#/jobs/" + lj.ID)
	b.waitFor("polling progress", `document.querySelector('#live-mode')?.textContent.includes('every 2 seconds') && +document.querySelector('#job-progress').getAttribute('aria-valuenow') > 0`, 30*time.Second)
	b.click("[data-action=cancel]")
	b.waitFor("the keyed job cancelled", `document.querySelector('#job-status').textContent === 'Cancelled' && document.activeElement?.id === 'job-notice'`, 30*time.Second)
	b.checkConsole()
	step(9)
	t.Logf("dashboard test took %s", time.Since(start0).Round(time.Millisecond))
}

var digits = regexp.MustCompile(`\d+`)

func atoi(s string) int {
	n := 0
	for _, c := range strings.Join(digits.FindAllString(s, -1), "") {
		n = n*10 + int(c-'0')
	}
	return n
}

// The dashboard's files are served with their types and the API keeps its
// own 404 and 405 answers.
func TestDashboardFiles(t *testing.T) {
	e := start(t, map[string]string{"k1": "acme"})
	for path, ctype := range map[string]string{"/": "text/html", "/app.css": "text/css", "/app.js": "text/javascript", "/favicon.svg": "image/svg+xml"} {
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) || resp.Header.Get("ETag") == "" {
			t.Errorf("GET %s: %d %q etag %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("ETag"))
		}
		req, _ := http.NewRequest("GET", e.url+path, nil)
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		if r2, err := http.DefaultClient.Do(req); err != nil || r2.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s again: %v %v", path, err, r2.StatusCode)
		} else {
			r2.Body.Close()
		}
	}
	if resp, body := do(t, "GET", e.url+"/config.json", "", "", nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"keysRequired":true`) {
		t.Errorf("config.json with keys: %d %s", resp.StatusCode, body)
	}
	if resp, body := do(t, "GET", e.url+"/api/v1/nothing", "k1", "", nil); resp.StatusCode != 404 || !strings.Contains(string(body), "no route") {
		t.Errorf("an unknown API route: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, "GET", e.url+"/api/v1/jobs", "", "", nil); resp.StatusCode != 401 {
		t.Errorf("the API without a key: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "POST", e.url+"/index.html", "", "text/plain", strings.NewReader("x")); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to the dashboard: %d", resp.StatusCode)
	}
	// Every file the page loads is embedded.
	entries, err := os.ReadDir("web")
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if resp, _ := do(t, "GET", e.url+"/"+en.Name(), "", "", nil); resp.StatusCode != 200 {
			t.Errorf("GET /%s: %d", en.Name(), resp.StatusCode)
		}
		if strings.HasSuffix(en.Name(), ".js") {
			src, _ := os.ReadFile(filepath.Join("web", en.Name()))
			for _, m := range regexp.MustCompile(`from '\./([^']+)'`).FindAllStringSubmatch(string(src), -1) {
				if _, err := os.Stat(filepath.Join("web", m[1])); err != nil {
					t.Errorf("%s imports %s, which is missing", en.Name(), m[1])
				}
			}
		}
	}
}
