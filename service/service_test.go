package service_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/font"
	"github.com/fabricpress/fabricpress/service"
)

const (
	sampleTemplate = "../testdata/sample/postcard-9x6.json"
	sampleMapping  = "../testdata/sample/postcard-9x6.mapping.json"
	sampleCSV      = "../testdata/sample/recipients.csv"
	sampleBad      = "../testdata/sample/recipients.bad.txt"
)

var (
	fontsOnce sync.Once
	fonts     *font.Registry
	fontsErr  error
)

func corpusFonts(t testing.TB) *font.Registry {
	t.Helper()
	fontsOnce.Do(func() { fonts, fontsErr = font.LoadManifest("../testdata/corpus/fonts.json") })
	if fontsErr != nil {
		t.Fatalf("fonts (run `make deps`): %v", fontsErr)
	}
	return fonts
}

type env struct {
	url    string
	store  batch.Store
	server *service.Server
}

// start runs a real server (store, runner, listener) for one test.
func start(t *testing.T, keys map[string]string, mut ...func(*service.Config)) *env {
	t.Helper()
	dir := t.TempDir()
	store, err := bolt.Open(filepath.Join(dir, "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ro := render.Options{Fonts: corpusFonts(t), AssetsDir: "../testdata/sample"}
	runner := &batch.Runner{Store: store, Render: ro, OutputDir: filepath.Join(dir, "out"), Workers: 2, Lease: 5 * time.Second, Poll: 50 * time.Millisecond, Logger: log}
	cfg := service.Config{Store: store, Runner: runner, Render: ro, OutputDir: filepath.Join(dir, "out"), DataDir: dir, Keys: keys,
		Logger: log, Threshold: 10, RatePerSecond: 1000, RateBurst: 1000}
	for _, m := range mut {
		m(&cfg)
	}
	srv, err := service.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { runner.Run(ctx); close(done) }()
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		cancel()
		<-done
		store.Close()
	})
	return &env{url: hs.URL, store: store, server: srv}
}

// form builds a multipart body from fields; values starting with @ are
// files.
func form(t *testing.T, fields map[string]string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if strings.HasPrefix(v, "@") {
			data, err := os.ReadFile(v[1:])
			if err != nil {
				t.Fatal(err)
			}
			fw, _ := mw.CreateFormFile(k, filepath.Base(v[1:]))
			fw.Write(data)
			continue
		}
		mw.WriteField(k, v)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func do(t *testing.T, method, url, key, ctype string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func sampleJobForm(t *testing.T, extra map[string]string) (*bytes.Buffer, string) {
	f := map[string]string{"template": "@" + sampleTemplate, "csv": "@" + sampleCSV, "mapping": "@" + sampleMapping,
		"width": "864", "height": "576", "options": `{"scale":0.25,"name":"spring mailing"}`}
	for k, v := range extra {
		f[k] = v
	}
	return form(t, f)
}

// The whole road: create a job from the 9x6 postcard and the 500-row CSV,
// follow its event stream to the end, download the ZIP and check every
// entry and the manifest.
func TestJobEndToEnd(t *testing.T) {
	e := start(t, map[string]string{"k1": "acme"})
	body, ct := sampleJobForm(t, nil)
	resp, b := do(t, "POST", e.url+"/api/v1/jobs", "k1", ct, body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	var job struct {
		ID     string
		Status string
		Total  int
		Links  map[string]string
	}
	json.Unmarshal(b, &job)
	if job.ID == "" || resp.Header.Get("Location") != "/api/v1/jobs/"+job.ID || job.Total != 500 {
		t.Fatalf("job %+v location %q", job, resp.Header.Get("Location"))
	}
	// Follow the events to the end.
	req, _ := http.NewRequest("GET", e.url+job.Links["events"], nil)
	req.Header.Set("Authorization", "Bearer k1")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ev, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if ct := ev.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events content type %q", ct)
	}
	sc := bufio.NewScanner(ev.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	progress, ended := 0, false
	var last string
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "event: ") {
			last = strings.TrimPrefix(line, "event: ")
			if last == "progress" {
				progress++
			}
		}
		if strings.HasPrefix(line, "data: ") && last == "end" {
			ended = true
			if !strings.Contains(line, `"status":"completed_with_errors"`) {
				t.Errorf("final event %s", line)
			}
			break
		}
	}
	ev.Body.Close()
	if !ended || progress == 0 {
		t.Fatalf("stream ended=%v with %d progress events", ended, progress)
	}
	// Progress as JSON.
	resp, b = do(t, "GET", e.url+job.Links["progress"], "k1", "", nil)
	var p struct {
		Status              string
		Done, Failed, Total int
		Percent             float64
	}
	json.Unmarshal(b, &p)
	if p.Done != 494 || p.Failed != 6 || p.Total != 500 || p.Percent != 100 {
		t.Errorf("progress %+v", p)
	}
	// Failed recipients with their lines.
	resp, b = do(t, "GET", e.url+job.Links["recipients"]+"?status=failed", "k1", "", nil)
	var rs struct {
		Recipients []struct {
			Line  int
			Error string
		}
	}
	json.Unmarshal(b, &rs)
	want := badLines(t)
	if len(rs.Recipients) != len(want) {
		t.Fatalf("failed recipients %+v, want lines %v", rs.Recipients, want)
	}
	for _, r := range rs.Recipients {
		if !want[r.Line] || r.Error == "" {
			t.Errorf("failed line %d (%q) is not one of the bad lines", r.Line, r.Error)
		}
	}
	// The ZIP.
	resp, b = do(t, "GET", e.url+job.Links["download"], "k1", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download %d %v", resp.StatusCode, resp.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("zip: %v", err)
	}
	pieces := 0
	var manifest [][]string
	for _, f := range zr.File {
		rc, _ := f.Open()
		if f.Name == "manifest.csv" {
			manifest, _ = csv.NewReader(rc).ReadAll()
		} else if strings.HasSuffix(f.Name, ".png") {
			if _, err := png.DecodeConfig(rc); err != nil {
				t.Errorf("%s: %v", f.Name, err)
			}
			pieces++
		}
		rc.Close()
	}
	if pieces != 494 || len(manifest) != 501 {
		t.Fatalf("zip has %d pieces and %d manifest lines", pieces, len(manifest))
	}
	failed := 0
	for _, row := range manifest[1:] {
		if row[2] == "failed" {
			failed++
		}
	}
	if failed != 6 {
		t.Errorf("manifest lists %d failed", failed)
	}
}

func badLines(t *testing.T) map[int]bool {
	b, err := os.ReadFile(sampleBad)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var n int
		fmt.Sscanf(l, "%d", &n)
		out[n] = true
	}
	return out
}

func TestRenderAndProofs(t *testing.T) {
	e := start(t, nil)
	tpl, _ := os.ReadFile(sampleTemplate)
	one := map[string]any{"template": json.RawMessage(tpl), "width": 864, "height": 576, "options": map[string]any{"scale": 0.5},
		"recipients": []map[string]string{{"first_name": "Zoë", "last_name": "O'Brien", "address1": "1 Main St", "city": "Cork", "state": "CO", "zip": "T12", "offer_code": "X"}}}
	body, _ := json.Marshal(one)
	resp, b := do(t, "POST", e.url+"/api/v1/render", "", "application/json", bytes.NewReader(body))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("render: %d %s", resp.StatusCode, b[:min(len(b), 200)])
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width != 432 {
		t.Fatalf("png %v %v", cfg, err)
	}
	// several recipients: a ZIP
	f, ct := form(t, map[string]string{"template": "@" + sampleTemplate, "width": "864", "height": "576", "csv": "@" + smallCSV(t, 3), "options": `{"scale":0.2}`})
	resp, b = do(t, "POST", e.url+"/api/v1/render", "", ct, f)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("render zip: %d %s", resp.StatusCode, b[:min(len(b), 200)])
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(zr.File) != 4 {
		t.Fatalf("zip: %v %d entries", err, len(zr.File))
	}
	// above the threshold: 413 pointing to /jobs
	f, ct = form(t, map[string]string{"template": "@" + sampleTemplate, "width": "864", "height": "576", "csv": "@" + sampleCSV})
	resp, b = do(t, "POST", e.url+"/api/v1/render", "", ct, f)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "/api/v1/jobs") {
		t.Fatalf("threshold: %d %s", resp.StatusCode, b)
	}
	// proofs
	f, ct = form(t, map[string]string{"template": "@" + sampleTemplate, "width": "864", "height": "576", "csv": "@" + sampleCSV, "mapping": "@" + sampleMapping})
	resp, b = do(t, "POST", e.url+"/api/v1/proofs?rows=3", "", ct, f)
	var pr struct {
		Proofs []struct {
			Row        int
			PNG, Error string
		}
	}
	json.Unmarshal(b, &pr)
	if resp.StatusCode != 200 || len(pr.Proofs) != 3 || !strings.HasPrefix(pr.Proofs[0].PNG, "data:image/png;base64,") {
		t.Fatalf("proofs: %d %s", resp.StatusCode, b[:min(len(b), 300)])
	}
}

// smallCSV writes the sample CSV's first n rows to a temp file.
func smallCSV(t *testing.T, n int) string {
	t.Helper()
	f, err := os.Open(sampleCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := csv.NewReader(f)
	var recs [][]string
	for len(recs) <= n {
		rec, err := rd.Read()
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	path := filepath.Join(t.TempDir(), "small.csv")
	out, _ := os.Create(path)
	w := csv.NewWriter(out)
	w.WriteAll(recs)
	out.Close()
	return path
}

func TestKeysIsolateOwners(t *testing.T) {
	e := start(t, map[string]string{"ka": "alice", "kb": "bob"})
	f, ct := form(t, map[string]string{"template": "@" + sampleTemplate, "width": "864", "height": "576", "csv": "@" + smallCSV(t, 2), "options": `{"scale":0.1}`})
	resp, b := do(t, "POST", e.url+"/api/v1/jobs", "ka", ct, f)
	if resp.StatusCode != 202 {
		t.Fatalf("create %d %s", resp.StatusCode, b)
	}
	var j struct{ ID string }
	json.Unmarshal(b, &j)
	for _, path := range []string{"/api/v1/jobs/" + j.ID, "/api/v1/jobs/" + j.ID + "/progress", "/api/v1/jobs/" + j.ID + "/download"} {
		if resp, _ := do(t, "GET", e.url+path, "kb", "", nil); resp.StatusCode != 404 {
			t.Errorf("bob GET %s: %d", path, resp.StatusCode)
		}
	}
	if resp, _ := do(t, "DELETE", e.url+"/api/v1/jobs/"+j.ID, "kb", "", nil); resp.StatusCode != 404 {
		t.Errorf("bob DELETE: %d", resp.StatusCode)
	}
	resp, b = do(t, "GET", e.url+"/api/v1/jobs", "kb", "", nil)
	if strings.Contains(string(b), j.ID) {
		t.Errorf("bob lists alice's job: %s", b)
	}
	if resp, _ := do(t, "GET", e.url+"/api/v1/jobs/"+j.ID, "ka", "", nil); resp.StatusCode != 200 {
		t.Errorf("alice GET: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", e.url+"/api/v1/jobs", "", "", nil); resp.StatusCode != 401 {
		t.Errorf("no key: %d", resp.StatusCode)
	}
}

func TestIdempotencyKey(t *testing.T) {
	e := start(t, nil)
	var ids []string
	for i := 0; i < 2; i++ {
		f, ct := form(t, map[string]string{"template": "@" + sampleTemplate, "width": "864", "height": "576", "csv": "@" + smallCSV(t, 2), "options": `{"scale":0.1}`})
		resp, b := do(t, "POST", e.url+"/api/v1/jobs", "", ct, f, "Idempotency-Key", "order-42")
		if resp.StatusCode != 202 {
			t.Fatalf("create %d %s", resp.StatusCode, b)
		}
		var j struct{ ID string }
		json.Unmarshal(b, &j)
		ids = append(ids, j.ID)
	}
	if ids[0] != ids[1] {
		t.Errorf("two jobs for one key: %v", ids)
	}
	jobs, _, _ := e.store.ListJobs(context.Background(), batch.JobFilter{})
	if len(jobs) != 1 {
		t.Errorf("%d jobs stored", len(jobs))
	}
}

// Each bad input gets its status and a message naming the fault.
func TestBadInputs(t *testing.T) {
	e := start(t, map[string]string{"ka": "alice", "kb": "bob"}, func(c *service.Config) {
		c.MaxBodyBytes = 2 << 20
	})
	tpl, _ := os.ReadFile(sampleTemplate)
	// a job of alice's to reach from bob
	f, ct := form(t, map[string]string{"template": "@" + sampleTemplate, "width": "864", "height": "576", "csv": "@" + smallCSV(t, 1), "options": `{"scale":0.1}`})
	_, b := do(t, "POST", e.url+"/api/v1/jobs", "ka", ct, f)
	var aj struct{ ID string }
	json.Unmarshal(b, &aj)

	noHeader := filepath.Join(t.TempDir(), "empty.csv")
	os.WriteFile(noHeader, []byte("\n\n"), 0o644)
	dupHeader := filepath.Join(t.TempDir(), "dup.csv")
	os.WriteFile(dupHeader, []byte("first_name,first_name\nA,B\n"), 0o644)
	noColumn := filepath.Join(t.TempDir(), "nocol.csv")
	os.WriteFile(noColumn, []byte("email\na@b.c\n"), 0o644)
	unknownType := filepath.Join(t.TempDir(), "unknown.json")
	os.WriteFile(unknownType, []byte(`{"objects":[{"type":"rect"},{"type":"Sparkle"}]}`), 0o644)
	badJSON := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(badJSON, []byte(`{"objects":[`), 0o644)
	big := filepath.Join(t.TempDir(), "big.csv")
	os.WriteFile(big, bytes.Repeat([]byte("a,b,c\n"), 600000), 0o644)

	type tc struct {
		name, method, path, key, ctype string
		body                           func() io.Reader
		status                         int
		want                           string
	}
	multi := func(fields map[string]string) (func() io.Reader, string) {
		buf, ct := form(t, fields)
		return func() io.Reader { return bytes.NewReader(buf.Bytes()) }, ct
	}
	js := func(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }
	base := map[string]string{"template": "@" + sampleTemplate, "width": "864", "height": "576", "csv": "@" + sampleCSV}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	var cases []tc
	add := func(name string, fields map[string]string, status int, want string) {
		bf, ct := multi(fields)
		cases = append(cases, tc{name, "POST", "/api/v1/jobs", "ka", ct, bf, status, want})
	}
	add("malformed template JSON", with("template", "@"+badJSON), 400, "invalid JSON at byte")
	add("unknown object type", with("template", "@"+unknownType), 400, `objects[1].type: unknown object type "Sparkle"`)
	huge := with("width", "90000")
	huge["height"] = "90000"
	add("huge canvas", huge, 400, "pixels")
	add("no canvas size", with("width", ""), 400, "width and height")
	add("missing CSV", with("csv", ""), 400, "csv")
	add("CSV without header", with("csv", "@"+noHeader), 422, "line")
	add("duplicate CSV columns", with("csv", "@"+dupHeader), 422, "first_name")
	add("no column for a required field", with("csv", "@"+noColumn), 422, "no column for required field")
	add("bad mapping", with("mapping", `{"logo":{"image":"photo"}}`), 400, `mapping["logo"]`)
	add("mapping not JSON", with("mapping", `{"qr":`), 400, "mapping")
	add("bad options", with("options", `{"format":"gif"}`), 400, `options.format "gif"`)
	add("unknown option", with("options", `{"colour":"red"}`), 400, "colour")
	add("oversized body", with("csv", "@"+big), 413, "larger than")
	add("unknown template_id", map[string]string{"template_id": "t0123456789abcdef", "csv": "@" + sampleCSV}, 404, "t0123456789abcdef")
	cases = append(cases,
		tc{"wrong content type", "POST", "/api/v1/jobs", "ka", "text/plain", js("hello"), 415, "multipart/form-data"},
		tc{"JSON body not JSON", "POST", "/api/v1/jobs", "ka", "application/json", js("{"), 400, "request body"},
		tc{"JSON template inline broken", "POST", "/api/v1/jobs", "ka", "application/json", js(`{"template":{"objects":[{"type":"rect","left":"x"}]},"width":10,"height":10,"recipients":[{"a":"b"}]}`), 400, "objects[0].left"},
		tc{"unknown job", "GET", "/api/v1/jobs/j999999", "ka", "", js(""), 404, "j999999"},
		tc{"other owner's job", "GET", "/api/v1/jobs/" + aj.ID, "kb", "", js(""), 404, aj.ID},
		tc{"bad status filter", "GET", "/api/v1/jobs?status=sleeping", "ka", "", js(""), 400, "sleeping"},
		tc{"download before the end", "GET", "/api/v1/jobs/" + aj.ID + "/download?file=nope.pdf", "ka", "", js(""), 0, ""},
		tc{"retry a running or queued job", "POST", "/api/v1/jobs/" + aj.ID + "/retry", "ka", "", js(""), 0, ""},
		tc{"unknown route", "GET", "/api/v1/nothing", "ka", "", js(""), 404, "no route"},
		tc{"bad API key", "GET", "/api/v1/jobs", "nope", "", js(""), 401, "API key"},
		tc{"render without template", "POST", "/api/v1/render", "ka", "application/json", js(`{"width":10,"height":10}`), 400, "template"},
	)
	_ = tpl
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, b := do(t, c.method, e.url+c.path, c.key, c.ctype, c.body())
			if c.status == 0 {
				if resp.StatusCode < 400 || resp.StatusCode >= 500 {
					t.Errorf("%d %s", resp.StatusCode, b)
				}
				return
			}
			if resp.StatusCode != c.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, c.status, b)
			}
			var er struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(b, &er); err != nil || er.Error.Code == "" {
				t.Fatalf("not an error document: %s", b)
			}
			if !strings.Contains(er.Error.Message, c.want) {
				t.Errorf("message %q does not name %q", er.Error.Message, c.want)
			}
			if resp.Header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
		})
	}
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := start(t, nil)
	resp, b := do(t, "GET", e.url+"/api/v1/openapi.json", "", "", nil)
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	var doc struct {
		Openapi string
		Paths   map[string]map[string]any
	}
	json.Unmarshal(b, &doc)
	for _, p := range []string{"/api/v1/jobs", "/api/v1/jobs/{id}/events", "/api/v1/render", "/api/v1/proofs", "/api/v1/templates/{id}"} {
		if doc.Paths[p] == nil {
			t.Errorf("openapi lacks %s", p)
		}
	}
	if !strings.HasPrefix(doc.Openapi, "3.") {
		t.Errorf("openapi %q", doc.Openapi)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if resp, _ := do(t, "GET", e.url+p, "", "", nil); resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

func TestTemplates(t *testing.T) {
	e := start(t, map[string]string{"ka": "alice", "kb": "bob"})
	f, ct := form(t, map[string]string{"template": "@" + sampleTemplate, "width": "864", "height": "576", "name": "postcard"})
	resp, b := do(t, "POST", e.url+"/api/v1/templates", "ka", ct, f)
	if resp.StatusCode != 201 {
		t.Fatalf("create %d %s", resp.StatusCode, b)
	}
	var tp struct {
		ID    string
		Links map[string]string
	}
	json.Unmarshal(b, &tp)
	resp, b = do(t, "GET", e.url+tp.Links["thumbnail"], "ka", "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("thumbnail %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", e.url+"/api/v1/templates/"+tp.ID, "kb", "", nil); resp.StatusCode != 404 {
		t.Errorf("bob sees alice's template: %d", resp.StatusCode)
	}
	// a job from the stored template
	f, ct = form(t, map[string]string{"template_id": tp.ID, "csv": "@" + smallCSV(t, 2), "options": `{"scale":0.1}`})
	resp, b = do(t, "POST", e.url+"/api/v1/jobs", "ka", ct, f)
	if resp.StatusCode != 202 {
		t.Fatalf("job from template: %d %s", resp.StatusCode, b)
	}
	if resp, _ := do(t, "DELETE", e.url+"/api/v1/templates/"+tp.ID, "ka", "", nil); resp.StatusCode != 204 {
		t.Errorf("delete: %d", resp.StatusCode)
	}
}
