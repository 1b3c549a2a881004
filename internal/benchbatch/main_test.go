package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRecipientsDeterministic(t *testing.T) {
	var a, b, c bytes.Buffer
	if err := writeRecipients(&a, 500, 1); err != nil {
		t.Fatal(err)
	}
	if err := writeRecipients(&b, 500, 1); err != nil {
		t.Fatal(err)
	}
	if err := writeRecipients(&c, 500, 2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same n and seed gave different CSV")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("another seed gave the same CSV")
	}
	// A shorter run is a prefix: recipient i does not depend on n.
	var short bytes.Buffer
	if err := writeRecipients(&short, 10, 1); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(a.Bytes(), short.Bytes()) {
		t.Error("10 recipients are not the first 10 of 500")
	}
}

func TestRecipientsWellFormed(t *testing.T) {
	const n = 2000
	var buf bytes.Buffer
	if err := writeRecipients(&buf, n, recipientsSeed); err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(buf.Bytes()) {
		t.Fatal("CSV is not UTF-8")
	}
	rows, err := csv.NewReader(&buf).ReadAll() // also checks every row has the header's width
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 {
		t.Fatalf("%d rows, want header + %d", len(rows), n)
	}
	// Same header as the sample the template's mapping is written for.
	sample, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sample", "recipients.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := csv.NewReader(bytes.NewReader(sample)).Read()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], want) {
		t.Errorf("header %q, want the sample's %q", rows[0], want)
	}
	ids := map[string]bool{}
	var nonASCII, hyphenated, quoted int
	for _, r := range rows[1:] {
		for i, v := range r {
			if v == "" {
				t.Fatalf("row %q: empty %s", r, rows[0][i])
			}
		}
		ids[r[0]] = true
		name := r[1] + " " + r[2]
		if strings.ContainsFunc(name, func(c rune) bool { return c > 127 }) {
			nonASCII++
		}
		for _, part := range r[1:3] {
			if strings.Contains(part, "-") && utf8.RuneCountInString(part) > 15 {
				hyphenated++
				break
			}
		}
		if strings.Contains(r[3], ",") {
			quoted++
		}
	}
	if len(ids) < n*99/100 {
		t.Errorf("only %d distinct ids in %d rows", len(ids), n)
	}
	// The mix the benchmark is meant to have, loosely.
	for what, got := range map[string]int{"non-ASCII names": nonASCII, "long hyphenated names": hyphenated, "addresses with commas": quoted} {
		if got < n/20 {
			t.Errorf("%d %s in %d rows, want at least %d", got, what, n, n/20)
		}
	}
}

func TestCountPageObjects(t *testing.T) {
	pdf := []byte("%PDF-1.4\n" +
		"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
		"2 0 obj\n<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >>\nendobj\n" +
		"3 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n" +
		"4 0 obj\n<</Type/Page/Parent 2 0 R>>\nendobj\n" +
		"5 0 obj\n<<\n/Type /Page\n/Parent 2 0 R\n>>\nendobj\n" +
		"6 0 obj\n<< /Type /PageLabel >>\nendobj\n%%EOF\n")
	if got := countPageObjects(pdf); got != 3 {
		t.Errorf("countPageObjects = %d, want 3", got)
	}
	if got := countPageObjects([]byte("%PDF-1.4\n<< /Type /Pages /Count 0 >>")); got != 0 {
		t.Errorf("no pages: countPageObjects = %d, want 0", got)
	}
}

func TestParsePDFInfoPages(t *testing.T) {
	out := "Title:           postcard-9x6.json\nProducer:        gopdf\nPages:           1000\nEncrypted:       no\n"
	if n, err := parsePDFInfoPages([]byte(out)); err != nil || n != 1000 {
		t.Errorf("parsePDFInfoPages = %d, %v; want 1000", n, err)
	}
	if _, err := parsePDFInfoPages([]byte("Syntax Error: broken\n")); err == nil {
		t.Error("no Pages line: want an error")
	}
}

func TestFormatTable(t *testing.T) {
	rs := []result{
		{Mode: "png300", N: 1000, Workers: 2, Pieces: 1000, WallS: 100, UserS: 150, SysS: 10, PeakRSSKiB: 300 * 1024, OutputBytes: 350_000_000, Load1End: 2},
		{Mode: "pdfmerged", N: 1000, Workers: 2, Pieces: 1000, WallS: 20, UserS: 17, SysS: 3, PeakRSSKiB: 250 * 1024, OutputBytes: 7_000_000},
	}
	got := formatTable(rs)
	lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), got)
	}
	for _, h := range []string{"mode", "N", "workers", "wall s", "pieces/s", "CPU-s/piece", "peak RSS MiB", "bytes/piece"} {
		if !strings.Contains(lines[0], h) {
			t.Errorf("header lacks %q: %s", h, lines[0])
		}
	}
	want := [][]string{
		{"png300", "1000", "2", "100.0", "10.00", "0.160", "300", "350000", "2.0"},
		{"pdfmerged", "1000", "2", "20.0", "50.00", "0.020", "250", "7000", "0.0"},
	}
	for i, w := range want {
		if f := strings.Fields(lines[i+1]); !slices.Equal(f, w) {
			t.Errorf("row %d = %q, want %q", i, f, w)
		}
	}
	// Right-aligned columns: every line is as wide as the header.
	for _, l := range lines[1:] {
		if len(l) != len(lines[0]) {
			t.Errorf("ragged table:\n%s", got)
			break
		}
	}
}

func TestCompareAndFormat(t *testing.T) {
	doc, err := parseBrowserDoc([]byte(`{
		"date": "2026-11-29T02:35:31.625Z",
		"environment": {"fabric": "6.9.1", "node": "v20", "cpu": "2 x AMD EPYC"},
		"recipients": {"n": 200},
		"runs": [
			{"name": "print-seq", "pages": 1, "output": "2700x1800", "piecesPerSec": 4,
			 "cpuSecondsPerPiece": {"chromium": 0.2, "node": 0.1, "total": 0.3},
			 "avgPngBytes": 1105869, "peakMemory": {"rssMiB": 1200, "pssMiB": 700}},
			{"name": "preview-seq", "pages": 1, "output": "600x400", "piecesPerSec": 14,
			 "cpuSecondsPerPiece": {"total": 0.09}, "peakMemory": {"rssMiB": 1280}},
			{"name": "node-canvas-print", "pages": 1, "output": "2700x1800", "piecesPerSec": 3,
			 "cpuSecondsPerPiece": {"total": 0.25}, "peakMemory": {"rssMiB": 400}}
		]}`), "test.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 2 || len(doc.NodeCanvas) != 1 {
		t.Fatalf("runs %d, node-canvas %d; want 2 and 1", len(doc.Runs), len(doc.NodeCanvas))
	}
	ours := []result{
		{Mode: "png300", N: 100, Workers: 2, Pieces: 100, WallS: 10, UserS: 10, PeakRSSKiB: 300 * 1024},
		{Mode: "pdfmerged", N: 100, Workers: 2, Pieces: 100, WallS: 2, UserS: 2},
	}
	cs := compare(ours, doc)
	if len(cs) != 1 {
		t.Fatalf("%d comparisons, want 1 (png300 vs print-seq): %+v", len(cs), cs)
	}
	c := cs[0]
	// 0.3 CPU-s/piece in the browser, 0.1 here; 4 vs 10 pieces/s; 1200 vs 300 MiB.
	if c.BrowserRun != "print-seq" || !near(c.FewerCPU, 3) || !near(c.Faster, 2.5) || !near(c.LessRSS, 4) {
		t.Errorf("comparison %+v", c)
	}
	got := formatComparisons("browser", cs)
	for _, want := range []string{"png300 N=100 workers=2 vs print-seq", "3.00× fewer CPU-seconds/piece (0.100 vs 0.300)",
		"2.50× pieces/s (10.00 vs 4.00)", "300 vs 1200 MiB", "(PSS 700): 4.00× less"} {
		if !strings.Contains(got, want) {
			t.Errorf("comparison lacks %q:\n%s", want, got)
		}
	}
	if got := formatComparisons("browser", nil); !strings.Contains(got, "no run of ours") {
		t.Errorf("no comparisons: %q", got)
	}
	if got := formatNodeCanvas("test.json", doc); !strings.Contains(got, "node-canvas-print") || !strings.Contains(got, "2026-11-29") {
		t.Errorf("node-canvas block:\n%s", got)
	}
	doc.NodeCanvas = nil
	if got := formatNodeCanvas("test.json", doc); !strings.Contains(got, "no figures in test.json") {
		t.Errorf("no node-canvas: %q", got)
	}
	if got := formatBrowser("reference", doc); !strings.Contains(got, "print-seq") || !strings.Contains(got, "1105869") {
		t.Errorf("browser block:\n%s", got)
	}
}

func TestTimes(t *testing.T) {
	for f, want := range map[float64]string{0: "n/a×", 1.5: "1.50×", 12.34: "12.3×"} {
		if got := times(f); got != want {
			t.Errorf("times(%g) = %q, want %q", f, got, want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-bin", "x", "-n", "10, 20", "-modes", "png300,pdf"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.ns, []int{10, 20}) || !slices.Equal(cfg.modes, []string{"png300", "pdf"}) {
		t.Errorf("ns %v modes %v", cfg.ns, cfg.modes)
	}
	for _, args := range [][]string{
		{},                             // no -bin
		{"-bin", "x", "-n", "0"},       // not positive
		{"-bin", "x", "-modes", "gif"}, // unknown mode
		{"-bin", "x", "-workers", "0"}, // no workers
		{"-bin", "x", "-browser", "b.mjs", "-browser-n", "0"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q): want an error", args)
		}
	}
}

func TestTailBuffer(t *testing.T) {
	tb := &tailBuffer{max: 8}
	tb.Write([]byte("progress: 1\n"))
	tb.Write([]byte("boom\n"))
	if got := lastLine(tb.String()); got != "boom" {
		t.Errorf("lastLine = %q, want boom", got)
	}
	if len(tb.String()) > 8 {
		t.Errorf("kept %d bytes, max 8", len(tb.String()))
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
