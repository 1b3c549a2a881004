package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
)

const (
	sampleMapping = "../../testdata/sample/postcard-9x6.mapping.json"
	sampleCSV     = "../../testdata/sample/recipients.csv"
	sampleBad     = "../../testdata/sample/recipients.bad.txt"
	corpusFonts   = "../../testdata/corpus/fonts.json"
)

func needFonts(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/usr/share/fonts/truetype/roboto/unhinted/RobotoTTF/Roboto-Regular.ttf"); err != nil {
		t.Skip("corpus fonts not installed (make fonts)")
	}
}

// sampleArgs are the batch flags for the sample postcard, plus extra.
func sampleArgs(csvPath, out string, extra ...string) []string {
	args := []string{"batch", "-template", sample, "-width", "864", "-height", "576",
		"-csv", csvPath, "-mapping", sampleMapping, "-fonts", corpusFonts, "-o", out}
	return append(args, extra...)
}

// zipManifest reads manifest.csv of a ZIP and the names of its entries.
func zipManifest(t *testing.T, path string) (rows [][]string, entries map[string]*zip.File) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("output is not a valid ZIP: %v", err)
	}
	t.Cleanup(func() { zr.Close() })
	entries = map[string]*zip.File{}
	for _, f := range zr.File {
		entries[f.Name] = f
	}
	if last := zr.File[len(zr.File)-1].Name; last != batch.ManifestName {
		t.Errorf("last entry %q, want the manifest", last)
	}
	f, err := zr.Open(batch.ManifestName)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], []string{"row", "line", "status", "file", "error"}) {
		t.Fatalf("manifest header %q", recs[0])
	}
	return recs[1:], entries
}

// TestBatchSample runs the sample batch: every row but the ones listed in
// recipients.bad.txt is rendered, and those fail with their line numbers.
func TestBatchSample(t *testing.T) {
	needFonts(t)
	badText, err := os.ReadFile(sampleBad)
	if err != nil {
		t.Fatal(err)
	}
	wantBad := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(badText)), "\n") {
		line, reason, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("recipients.bad.txt: %q is not line<TAB>reason", l)
		}
		wantBad[line] = reason
	}
	if len(wantBad) != 6 {
		t.Fatalf("recipients.bad.txt lists %d lines, want 6", len(wantBad))
	}

	out := filepath.Join(t.TempDir(), "postcards.zip")
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), sampleArgs(sampleCSV, out, "-scale", "0.1", "-workers", "2"), &stdout, &stderr)
	if err != nil {
		t.Fatalf("batch: %v\n%s", err, stderr.String())
	}
	summary := regexp.MustCompile(`^rendered 494 pieces, 6 failed, in [0-9.]+s \([0-9.]+ pieces/s\) -> ` + regexp.QuoteMeta(out) + "\n$")
	if !summary.MatchString(stdout.String()) {
		t.Errorf("summary %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), "500/500 (100%) (6 failed)") {
		t.Errorf("no final progress line in stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), `"ễ" is not in Arial`) {
		t.Errorf("the Vietnamese fallback is not reported:\n%s", stderr.String())
	}

	rows, entries := zipManifest(t, out)
	if len(rows) != 500 {
		t.Errorf("manifest has %d rows, want 500", len(rows))
	}
	done := 0
	for i, r := range rows {
		if r[0] != strconv.Itoa(i+1) {
			t.Fatalf("manifest row %d is row %s: not sorted", i+1, r[0])
		}
		switch r[2] {
		case "done":
			done++
			if _, ok := entries[r[3]]; !ok {
				t.Errorf("row %s: %s is not in the ZIP", r[0], r[3])
			}
			if _, bad := wantBad[r[1]]; bad {
				t.Errorf("line %s (%s) did not fail", r[1], wantBad[r[1]])
			}
		case "failed":
			if _, bad := wantBad[r[1]]; !bad {
				t.Errorf("line %s failed: %s", r[1], r[4])
			}
			if r[3] != "" || r[4] == "" || strings.ContainsAny(r[4], "\r\n") {
				t.Errorf("failed row %q: want no file and a one-line reason", r)
			}
		default:
			t.Errorf("row %s: status %q", r[0], r[2])
		}
	}
	if done != 494 || len(entries) != 495 {
		t.Errorf("%d done, %d entries; want 494 and 495", done, len(entries))
	}
	for line, want := range map[string]string{
		"38": "missing required field first_name", "235": "missing required field zip",
		"303": "6 fields, header has 8", "391": "bare quote", "458": "over capacity",
	} {
		i := slices.IndexFunc(rows, func(r []string) bool { return r[1] == line })
		if i < 0 || !strings.Contains(rows[i][4], want) {
			t.Errorf("line %s: reason %q, want %q", line, rows[i][4], want)
		}
	}
	// File names: row number and the recipient's name; a piece decodes.
	for _, name := range []string{"0001-jose-muller-lukasiewicz.png", "0002-zoe-o-brien.png", "0003-thao-nguyen.png"} {
		f, ok := entries[name]
		if !ok {
			t.Errorf("no entry %s", name)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(rc)
		rc.Close()
		if err != nil || cfg.Width != 86 || cfg.Height != 58 {
			t.Errorf("%s: %dx%d, %v; want an 86x58 PNG", name, cfg.Width, cfg.Height, err)
		}
	}
}

// smallCSV writes the first n data rows of the sample CSV (a prefix of its
// lines) with the given header.
func smallCSV(t *testing.T, header string, lines int) string {
	t.Helper()
	b, err := os.ReadFile(sampleCSV)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.SplitAfter(string(b), "\n")
	p := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(p, []byte(header+"\n"+strings.Join(all[1:1+lines], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const sampleHeader = "id,first_name,last_name,address1,city,state,zip,offer_code"

func TestBatchFolderJPEG(t *testing.T) {
	needFonts(t)
	in := smallCSV(t, sampleHeader, 3)
	out := filepath.Join(t.TempDir(), "proofs") + "/"
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), sampleArgs(in, out, "-scale", "0.1", "-format", "jpeg", "-quality", "70",
		"-name-fields", "last_name"), &stdout, &stderr)
	if err != nil {
		t.Fatalf("batch: %v\n%s", err, stderr.String())
	}
	names, err := filepath.Glob(filepath.Join(out, "*"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range names {
		names[i] = filepath.Base(names[i])
	}
	want := []string{"0001-muller-lukasiewicz.jpg", "0002-o-brien.jpg", "0003-nguyen.jpg", "manifest.csv"}
	if !slices.Equal(names, want) {
		t.Errorf("files %q, want %q", names, want)
	}
	if !strings.HasPrefix(stdout.String(), "rendered 3 pieces, 0 failed") {
		t.Errorf("summary %q", stdout.String())
	}
}

func TestBatchColumns(t *testing.T) {
	needFonts(t)
	// The CSV calls zip "Postal Code" and first_name "First Name" (matched
	// by normalised name), and has an extra column.
	in := smallCSV(t, "id,First Name,last_name,address1,city,state,Postal Code,offer_code", 2)
	b, _ := os.ReadFile(in)
	lines := strings.SplitAfter(string(b), "\n")
	for i := range lines {
		if lines[i] != "" {
			lines[i] = strings.TrimSuffix(lines[i], "\n") + ",x\n"
		}
	}
	lines[0] = strings.Replace(lines[0], ",x\n", ",Notes\n", 1)
	os.WriteFile(in, []byte(strings.Join(lines, "")), 0o644)

	out := filepath.Join(t.TempDir(), "o.zip")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), sampleArgs(in, out, "-scale", "0.1"), &stdout, &stderr)
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("without -columns: err = %v, want a fatal error", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "zip") || strings.Contains(msg, "first_name,") {
		t.Errorf("error %q should name the field zip only", msg)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("an output was written before the fatal error")
	}

	stdout.Reset()
	stderr.Reset()
	err = run(context.Background(), sampleArgs(in, out, "-scale", "0.1", "-columns", "zip=Postal Code"), &stdout, &stderr)
	if err != nil {
		t.Fatalf("with -columns: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "columns not used by the template: Notes") {
		t.Errorf("unused column not reported:\n%s", stderr.String())
	}
	rows, _ := zipManifest(t, out)
	if len(rows) != 2 || rows[0][2] != "done" || rows[1][2] != "done" {
		t.Errorf("manifest %q", rows)
	}
}

func TestBatchErrors(t *testing.T) {
	needFonts(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "o.zip")
	badMapping := filepath.Join(dir, "m.json")
	os.WriteFile(badMapping, []byte(`{"coupon": {"qr": "{{id}}"}}`), 0o644)
	syntaxMapping := filepath.Join(dir, "s.json")
	os.WriteFile(syntaxMapping, []byte(`{"qr": {"qr": "{{id}}", "level": "X"}}`), 0o644)
	badTemplate := filepath.Join(dir, "t.json")
	os.WriteFile(badTemplate, []byte(`{"objects":[{"type":"Rect"},{"type":"Blob"}]}`), 0o644)
	binCSV := filepath.Join(dir, "book.csv")
	os.WriteFile(binCSV, []byte("PK\x03\x04 not csv"), 0o644)

	base := func(extra ...string) []string { return sampleArgs(sampleCSV, out, extra...) }
	for _, tc := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"no csv", []string{"batch", "-template", sample, "-o", out}, "needs -template, -csv and -o", 2},
		{"unknown flag", append(base(), "-colour", "red"), "flag provided but not defined", 2},
		{"bad format", base("-format", "gif"), `-format "gif"`, 2},
		{"bad quality", base("-quality", "0"), "-quality 0", 2},
		{"bad workers", base("-workers", "0"), "-workers 0", 2},
		{"bad scale", base("-scale", "-1"), "-scale -1", 2},
		{"bad columns", base("-columns", "zip"), `-columns "zip"`, 2},
		{"extra argument", append(base(), "more"), `unexpected argument "more"`, 2},
		{"unknown column", base("-columns", "zip=Postcode"), `column "Postcode"`, 1},
		{"unknown field", base("-columns", "zipcode=zip"), `field "zipcode"`, 1},
		{"bad template", sampleArgs(sampleCSV, out), "", 0}, // replaced below
		{"mapping names no object", base("-mapping", badMapping), `mapping["coupon"]: no object`, 1},
		{"bad mapping", base("-mapping", syntaxMapping), `mapping["qr"]: level "X"`, 1},
		{"no fonts", []string{"batch", "-template", sample, "-width", "864", "-height", "576", "-csv", sampleCSV, "-o", out}, "font not registered", 1},
		{"no size", []string{"batch", "-template", sample, "-csv", sampleCSV, "-fonts", corpusFonts, "-o", out}, "0x0", 1},
		{"not csv", base("-csv", binCSV), "spreadsheet", 1},
		{"missing csv", base("-csv", filepath.Join(dir, "nope.csv")), "no such file", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "bad template" {
				tc.args = []string{"batch", "-template", badTemplate, "-width", "10", "-height", "10", "-csv", sampleCSV, "-o", out}
				tc.want, tc.code = `objects[1].type: unknown object type "Blob"`, 1
			}
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
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Error("an output was written")
			}
		})
	}
}

// TestBatchInterrupted cancels the command's context (as Ctrl-C does) after
// a few pieces: the command stops, reports it, and leaves a valid ZIP whose
// manifest lists what finished.
func TestBatchInterrupted(t *testing.T) {
	needFonts(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := filepath.Join(t.TempDir(), "o.zip")
	cfg := batchConfig{
		template: sample, width: 864, height: 576, scale: 0.1, csv: sampleCSV, mapping: sampleMapping,
		fonts: corpusFonts, workers: 2, format: batch.FormatPNG, quality: 90, nameFields: "first_name,last_name",
		out: out, progressEvery: time.Hour,
		afterAdd: func(done int) {
			if done == 5 {
				cancel()
			}
		},
	}
	var stdout, stderr bytes.Buffer
	err := runBatch(ctx, cfg, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "interrupted") || exitCode(err) == 0 {
		t.Fatalf("err = %v, want an interruption error", err)
	}
	rows, entries := zipManifest(t, out)
	done := 0
	for _, r := range rows {
		if r[2] == "done" {
			done++
			if _, ok := entries[r[3]]; !ok {
				t.Errorf("manifest lists %s, not in the ZIP", r[3])
			}
		}
	}
	// At most the pieces in flight when the interrupt came finish after it.
	if done < 5 || done > 5+2*cfg.workers+1 || len(entries) != done+1 {
		t.Errorf("%d done, %d entries after interrupting at 5", done, len(entries))
	}
	if !strings.HasPrefix(stdout.String(), "rendered "+strconv.Itoa(done)+" pieces") {
		t.Errorf("summary %q", stdout.String())
	}
}

func TestCountRows(t *testing.T) {
	f, err := os.Open(sampleCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := countRows(f, ',')
	if err != nil || n != 500 {
		t.Errorf("sample: %d rows, %v; want 500", n, err)
	}
	for _, tc := range []struct {
		name, text string
		comma      byte
		want       int
	}{
		{"simple", "a,b\n1,2\n3,4\n", ',', 2},
		{"no final newline", "a,b\n1,2\n3,4", ',', 2},
		{"CRLF", "a,b\r\n1,2\r\n3,4\r\n", ',', 2},
		{"lone CR", "a,b\r1,2\r3,4\r", ',', 2},
		{"blank and empty rows", "a,b\n\n1,2\n,\n \t\n3,4\n\n", ',', 2},
		{"line break in quotes", "a,b\n\"x\ny\",2\n3,\"4\r\n\"\"5\"\"\"\n", ',', 2},
		{"bare quote stays in its row", "a,b\nx\"y,2\n3,4\n", ',', 2},
		{"text after closing quote", "a,b\n\"x\"y,2\n3,4\n", ',', 2},
		{"unterminated quote", "a,b\n1,\"2\n3,4\n", ',', 1},
		{"semicolons", "a;b\n1;\"2;3\"\n", ';', 1},
		{"header only", "a,b\n", ',', 0},
		{"empty", "", ',', 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "f.csv")
			os.WriteFile(p, []byte(tc.text), 0o644)
			got, err := countRows(strings.NewReader(tc.text), tc.comma)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("countRows = %d, want %d", got, tc.want)
			}
			// The Reader agrees on rows (good and bad).
			f, _ := os.Open(p)
			defer f.Close()
			r, err := batch.NewReader(f, batch.ReaderOptions{Comma: rune(tc.comma)})
			if err != nil {
				return // empty file: no header
			}
			rows := 0
			for {
				_, err := r.Next()
				if err == io.EOF {
					break
				}
				rows++
			}
			if rows != tc.want {
				t.Errorf("the Reader reads %d rows, countRows says %d", rows, got)
			}
		})
	}
}

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 500, time.Hour, time.Now().Add(-10*time.Second))
	p.done.Store(238)
	p.failed.Store(12)
	p.print(false)
	want := regexp.MustCompile(`^progress: 250/500 \(50%\) \(12 failed\) 2[45]\.\d/s ETA 1[01]s\n$`)
	if !want.MatchString(buf.String()) {
		t.Errorf("line %q", buf.String())
	}
	buf.Reset()
	p.terminal = true
	p.print(false)
	if !strings.HasPrefix(buf.String(), "\r[##########..........] 250/500 (12 failed) ") || !strings.Contains(buf.String(), "/s ETA ") {
		t.Errorf("terminal line %q", buf.String())
	}
	buf.Reset()
	p = newProgress(&buf, -1, time.Hour, time.Now().Add(-time.Second))
	p.done.Store(7)
	p.print(true)
	if got := buf.String(); !strings.HasPrefix(got, "progress: 7 rows (0 failed) ") || strings.Contains(got, "ETA") {
		t.Errorf("unknown total: %q", got)
	}
	for d, want := range map[time.Duration]string{6 * time.Second: "6s", 125 * time.Second: "2m05s", 3720 * time.Second: "1h02m"} {
		if got := fmtETA(d); got != want {
			t.Errorf("fmtETA(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestBatchStdin reads recipients from a pipe: no row count is known, so
// progress shows counts without a percentage or ETA.
func TestBatchStdin(t *testing.T) {
	needFonts(t)
	in := smallCSV(t, sampleHeader, 2)
	text, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		w.Write(text)
		w.Close()
	}()
	stdin := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = stdin; r.Close() }()

	out := filepath.Join(t.TempDir(), "o.zip")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), sampleArgs("-", out, "-scale", "0.1"), &stdout, &stderr); err != nil {
		t.Fatalf("batch: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "progress: 2 rows (0 failed) ") || strings.Contains(stderr.String(), "ETA") {
		t.Errorf("progress without a total:\n%s", stderr.String())
	}
	if rows, _ := zipManifest(t, out); len(rows) != 2 {
		t.Errorf("manifest %q", rows)
	}
}

// PDF pieces, one per recipient or merged in CSV order, two pages each
// when a back side is given.
func TestBatchPDF(t *testing.T) {
	needFonts(t)
	if _, err := exec.LookPath("pdfinfo"); err != nil {
		t.Fatal("pdfinfo not found: install poppler-utils (make deps)")
	}
	in := smallCSV(t, sampleHeader, 5)
	pages := func(path string) string {
		out, err := exec.Command("pdfinfo", path).Output()
		if err != nil {
			t.Fatalf("pdfinfo %s: %v", path, err)
		}
		m := regexp.MustCompile(`Pages:\s+(\d+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("pdfinfo: %s", out)
		}
		return string(m[1])
	}
	// a file per recipient, two-sided
	out := filepath.Join(t.TempDir(), "pdfs") + "/"
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), sampleArgs(in, out, "-format", "pdf", "-back", sample, "-bleed", "3mm"), &stdout, &stderr); err != nil {
		t.Fatalf("batch: %v\n%s", err, stderr.String())
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.pdf"))
	if len(files) != 5 {
		t.Fatalf("files %v", files)
	}
	if p := pages(files[0]); p != "2" {
		t.Errorf("%s has %s pages, want 2 (front and back)", files[0], p)
	}
	// merged, split at 4 pages
	out = filepath.Join(t.TempDir(), "merged") + "/"
	stdout.Reset()
	if err := run(context.Background(), sampleArgs(in, out, "-format", "pdf", "-merge", "-max-pages", "4", "-crop-marks"), &stdout, &stderr); err != nil {
		t.Fatalf("batch: %v\n%s", err, stderr.String())
	}
	if p := pages(filepath.Join(out, "merged-0001.pdf")); p != "4" {
		t.Errorf("first merged file has %s pages", p)
	}
	if p := pages(filepath.Join(out, "merged-0002.pdf")); p != "1" {
		t.Errorf("second merged file has %s pages", p)
	}
	text, err := exec.Command("pdftotext", filepath.Join(out, "merged-0001.pdf"), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	// pages follow the CSV rows
	rows := readCSVRows(t, in)
	last := -1
	for _, r := range rows[:4] {
		i := strings.Index(string(text), r["zip"])
		if i < 0 || i < last {
			t.Errorf("zip %q missing or out of order", r["zip"])
		}
		last = i
	}
	if err := run(context.Background(), sampleArgs(in, out, "-merge"), &stdout, &stderr); err == nil || exitCode(err) != 2 {
		t.Errorf("-merge without pdf: %v", err)
	}
}

// readCSVRows reads a small CSV into maps (test helper).
func readCSVRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}
