package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// Sample template and its companions, relative to -root.
const (
	sampleTemplate = "testdata/sample/postcard-9x6.json"
	sampleMapping  = "testdata/sample/postcard-9x6.mapping.json"
	sampleFonts    = "testdata/corpus/fonts.json"
	sampleWidth    = "864"
	sampleHeight   = "576"
	recipientsSeed = 12345
)

// mode is one way of running the batch.
type mode struct {
	args []string
	// ext is the extension of the output files that hold the pieces.
	ext string
	// pdf: pieces are counted as pages, not files.
	pdf bool
	// browser is the bench.mjs run kind with the same output size
	// ("print" or "preview"), for the comparison; "" when there is none.
	browser string
}

var modes = map[string]mode{
	"png300":    {args: []string{"-format", "png", "-scale", "3.125"}, ext: ".png", browser: "print"},
	"preview":   {args: []string{"-format", "png", "-scale", "0.694444"}, ext: ".png", browser: "preview"},
	"jpeg300":   {args: []string{"-format", "jpeg", "-scale", "3.125"}, ext: ".jpg"},
	"pdf":       {args: []string{"-format", "pdf"}, ext: ".pdf", pdf: true},
	"pdfmerged": {args: []string{"-format", "pdf", "-merge"}, ext: ".pdf", pdf: true},
}

func modeNames() string {
	return "png300, preview, jpeg300, pdf, pdfmerged"
}

type config struct {
	bin      string
	ns       []int
	modes    []string
	workers  int
	dir      string
	jsonOut  string
	root     string
	corpus   string
	browser  string
	browserN int
	keep     bool
}

func main() {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "benchbatch:", oneLine(err.Error()))
		os.Exit(1)
	}
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fail(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		stop()
		fail(err)
	}
}

func parseFlags(args []string) (config, error) {
	var cfg config
	var ns, ms string
	fs := flag.NewFlagSet("benchbatch", flag.ContinueOnError)
	fs.StringVar(&cfg.bin, "bin", "", "built fabricpress binary (required)")
	fs.StringVar(&ns, "n", "1000,10000", "recipients per run, comma-separated")
	fs.StringVar(&ms, "modes", "png300,pdfmerged", "output modes: "+modeNames())
	fs.IntVar(&cfg.workers, "workers", runtime.NumCPU(), "fabricpress -workers")
	fs.StringVar(&cfg.dir, "dir", "", "scratch folder (default: a temporary one, removed at the end)")
	fs.StringVar(&cfg.jsonOut, "json", "", "also write the results to this JSON file")
	fs.StringVar(&cfg.root, "root", ".", "repository root (testdata is read from there)")
	fs.StringVar(&cfg.corpus, "corpus", "../shared/corpus", "shared corpus: bench-browser.json, and cases.json and fonts.json for -browser")
	fs.StringVar(&cfg.browser, "browser", "", "bench.mjs of tools/fabric-ref: run the browser baseline first")
	fs.IntVar(&cfg.browserN, "browser-n", 50, "recipients for the browser baseline")
	fs.BoolVar(&cfg.keep, "keep", false, "keep each run's output in the scratch folder (default: removed once checked)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.bin == "" {
		return cfg, errors.New("-bin is required (build it with go build -o bin/fabricpress ./cmd/fabricpress)")
	}
	for _, s := range splitList(ns) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return cfg, fmt.Errorf("-n %q: want positive integers", s)
		}
		cfg.ns = append(cfg.ns, n)
	}
	for _, m := range splitList(ms) {
		if _, ok := modes[m]; !ok {
			return cfg, fmt.Errorf("-modes: unknown mode %q (have %s)", m, modeNames())
		}
		cfg.modes = append(cfg.modes, m)
	}
	if len(cfg.ns) == 0 || len(cfg.modes) == 0 {
		return cfg, errors.New("-n and -modes must not be empty")
	}
	if cfg.workers < 1 {
		return cfg, fmt.Errorf("-workers %d: want at least 1", cfg.workers)
	}
	if cfg.browser != "" && cfg.browserN < 1 {
		return cfg, fmt.Errorf("-browser-n %d: want at least 1", cfg.browserN)
	}
	return cfg, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// report is what -json writes.
type report struct {
	Date        string       `json:"date"`
	Bin         string       `json:"bin"`
	CPUs        int          `json:"cpus"`
	Results     []result     `json:"results"`
	Browser     *browserDoc  `json:"browser,omitempty"`
	Reference   *browserDoc  `json:"reference,omitempty"`
	Comparisons []comparison `json:"comparisons,omitempty"`
}

func run(ctx context.Context, cfg config, stdout io.Writer) error {
	bin, err := filepath.Abs(cfg.bin)
	if err != nil {
		return err
	}
	if st, err := os.Stat(bin); err != nil || st.IsDir() {
		return fmt.Errorf("-bin %s: not a file", cfg.bin)
	}
	for _, f := range []string{sampleTemplate, sampleMapping, sampleFonts} {
		if _, err := os.Stat(filepath.Join(cfg.root, f)); err != nil {
			return fmt.Errorf("%v (run from the repository root or pass -root)", err)
		}
	}
	dir := cfg.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "benchbatch-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	rep := report{Date: time.Now().UTC().Format(time.RFC3339), Bin: cfg.bin, CPUs: runtime.NumCPU()}
	refPath := filepath.Join(cfg.corpus, "bench-browser.json")
	if doc, err := readBrowserDoc(refPath); err == nil {
		rep.Reference = doc
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}

	// The browser first, so its figures are not taken while our runs have
	// just heated the machine up.
	if cfg.browser != "" {
		doc, err := runBrowser(ctx, cfg, dir)
		if err != nil {
			return err
		}
		rep.Browser = doc
	}

	// bytes/piece of the mode's last run, for the free-space check.
	perPiece := map[string]float64{}
	for _, n := range cfg.ns {
		csvPath := filepath.Join(dir, fmt.Sprintf("recipients-%d.csv", n))
		if err := writeRecipientsFile(csvPath, n, recipientsSeed); err != nil {
			return err
		}
		for _, name := range cfg.modes {
			if bpp := perPiece[name]; bpp > 0 {
				if err := checkSpace(dir, int64(bpp*float64(n)*1.2)); err != nil {
					return fmt.Errorf("%s N=%d: %w", name, n, err)
				}
			}
			out := filepath.Join(dir, fmt.Sprintf("out-%s-%d", name, n))
			res, err := runBatch(ctx, cfg, bin, name, n, csvPath, out)
			if !cfg.keep {
				os.RemoveAll(out)
			}
			if err != nil {
				return fmt.Errorf("%s N=%d: %w", name, n, err)
			}
			perPiece[name] = res.BytesPerPiece()
			rep.Results = append(rep.Results, res)
			fmt.Fprintf(os.Stderr, "benchbatch: %s N=%d: %s\n", name, n, res.Summary)
		}
	}

	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, formatTable(rep.Results))
	against, label := rep.Browser, "browser baseline, measured now"
	if against == nil && rep.Reference != nil {
		against, label = rep.Reference, "browser baseline, static reference of "+rep.Reference.Date
	}
	if against != nil {
		rep.Comparisons = compare(rep.Results, against)
		fmt.Fprintln(stdout)
		fmt.Fprint(stdout, formatComparisons(label, rep.Comparisons))
	}
	if rep.Browser != nil {
		fmt.Fprintln(stdout)
		fmt.Fprint(stdout, formatBrowser("browser baseline (measured now: "+rep.Browser.Command+")", rep.Browser))
	}
	if rep.Reference != nil {
		fmt.Fprintln(stdout)
		fmt.Fprint(stdout, formatBrowser("static reference "+refPath+" ("+rep.Reference.Date+", "+rep.Reference.Environment.CPU+")", rep.Reference))
		fmt.Fprint(stdout, formatNodeCanvas(refPath, rep.Reference))
	}
	if cfg.jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ------------------------------------------------------------ recipients

var recipientHeader = []string{"id", "first_name", "last_name", "address1", "city", "state", "zip", "offer_code"}

// Names and places in the spirit of the sample: mostly short, some with
// diacritics (Latin-1 and Latin Extended-A, which the template's fonts
// cover) and some long, hyphenated ones that wrap or shrink the address
// block. Addresses with commas exercise CSV quoting.
var (
	firstNames = []string{
		"Sarah", "James", "María", "José", "Zoë", "Liam", "Olivia", "Noah", "Émilie", "Björn",
		"Siobhán", "Wei", "Aisha", "Mateo", "Chloé", "Ethan", "Amara", "Łukasz", "Ingrid", "Rafael",
		"Priya", "Tomás", "Hannah", "Kenji", "Fatima", "Søren", "Małgorzata", "François", "Jürgen",
		"Maximiliana-Alexandra", "Christopher-Jean-Baptiste", "Anne-Sophie", "Ólafur", "Dragoş",
	}
	lastNames = []string{
		"Johnson", "Smith", "García", "Müller", "O'Brien", "Nguyen", "Kowalski", "Åström",
		"Ní Bhriain", "Dubois-Lefèvre", "Patel", "Rossi", "Yamamoto", "Okafor", "Schröder",
		"Lee", "Brown", "Martínez", "Wójcik", "Andersen", "Haddad", "Fitzgerald", "Kovačević",
		"Dvořák", "Þórðardóttir", "Øvergaard", "Müller-Łukasiewicz",
		"Vandenberghe-Featherstonehaugh", "de la Fontaine-Montgomery", "Szczepańska-Wiśniewska",
	}
	streets = []string{
		"Elm Street", "Oak Avenue", "Maple Drive", "Water Street, Unit 12", "Chestnut Court",
		"North Bartholomew Parkway, Suite 1207", "Evergreen Terrace, Apt 3B", "Main St",
		"Commonwealth Boulevard, Building C, Unit 418", "Calle Mayor, 3º izq.", "Fjord Lane",
		"Rue de l'Église", "Highland Pl",
	}
	cities = [][3]string{
		{"Springfield", "IL", "62704"}, {"Portland", "OR", "97205"}, {"Boston", "MA", "02109"},
		{"Rancho Santa Margarita", "CA", "92688-1234"}, {"Savannah", "GA", "31401"},
		{"Minneapolis", "MN", "55401"}, {"Fort Lauderdale", "FL", "33301"}, {"Austin", "TX", "78701"},
		{"Denver", "CO", "80202"}, {"Seattle", "WA", "98101"}, {"Houston", "TX", "77021-7063"},
		{"San Francisco", "CA", "94120"},
	}
	offers = []string{"SMILE", "FRESH", "FAMILY", "SMILE-VIP"}
)

// rng is splitmix64: tiny, and its sequence is ours, so the recipients stay
// the same whatever math/rand does across Go versions.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// writeRecipients writes n recipients as CSV with the sample's header;
// the same n and seed always give the same bytes.
func writeRecipients(w io.Writer, n int, seed uint64) error {
	const idChars = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	r := rng(seed)
	cw := csv.NewWriter(w)
	if err := cw.Write(recipientHeader); err != nil {
		return err
	}
	id := make([]byte, 0, 12)
	for range n {
		id = append(id[:0], "BSD-"...)
		for range 8 {
			id = append(id, idChars[r.intn(len(idChars))])
		}
		c := pick(&r, cities)
		rec := []string{
			string(id),
			pick(&r, firstNames),
			pick(&r, lastNames),
			strconv.Itoa(1+r.intn(19999)) + " " + pick(&r, streets),
			c[0], c[1], c[2],
			pick(&r, offers) + "-" + strings.ToUpper(strconv.FormatInt(int64(100000+r.intn(899999)), 36)),
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeRecipientsFile(path string, n int, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	err = writeRecipients(bw, n, seed)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ------------------------------------------------------------ one run

// result is one timed run of the CLI.
type result struct {
	Mode    string `json:"mode"`
	N       int    `json:"n"`
	Workers int    `json:"workers"`
	// Pieces is what the output holds: files, or pages for PDF modes.
	Pieces      int     `json:"pieces"`
	Files       int     `json:"files"`
	WallS       float64 `json:"wallS"`
	UserS       float64 `json:"userS"`
	SysS        float64 `json:"sysS"`
	PeakRSSKiB  int64   `json:"peakRssKiB"`
	OutputBytes int64   `json:"outputBytes"`
	Load1Start  float64 `json:"loadavg1mAtStart"`
	Load1End    float64 `json:"loadavg1mAtEnd"`
	// Summary is the CLI's own last line ("rendered N pieces ...").
	Summary string `json:"summary"`
}

func (r result) PiecesPerSec() float64  { return ratio(float64(r.Pieces), r.WallS) }
func (r result) CPUPerPiece() float64   { return ratio(r.UserS+r.SysS, float64(r.Pieces)) }
func (r result) PeakRSSMiB() float64    { return float64(r.PeakRSSKiB) / 1024 }
func (r result) BytesPerPiece() float64 { return ratio(float64(r.OutputBytes), float64(r.Pieces)) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func runBatch(ctx context.Context, cfg config, bin, name string, n int, csvPath, out string) (result, error) {
	m := modes[name]
	res := result{Mode: name, N: n, Workers: cfg.workers}
	args := []string{"batch",
		"-template", filepath.Join(cfg.root, sampleTemplate), "-width", sampleWidth, "-height", sampleHeight,
		"-csv", csvPath, "-mapping", filepath.Join(cfg.root, sampleMapping),
		"-fonts", filepath.Join(cfg.root, sampleFonts),
		"-workers", strconv.Itoa(cfg.workers), "-o", out}
	args = append(args, m.args...)
	if err := os.RemoveAll(out); err != nil {
		return res, err
	}
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: 64 << 10}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	// An interrupted batch keeps what finished; let it say so and exit.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second

	res.Load1Start = loadavg()
	start := time.Now()
	err := cmd.Run()
	res.WallS = time.Since(start).Seconds()
	res.Load1End = loadavg()
	res.Summary = lastLine(stdout.String())
	if err != nil {
		why := lastLine(stderr.String())
		if why == "" {
			why = res.Summary
		}
		if why == "" {
			return res, fmt.Errorf("fabricpress batch: %v (no output)", err)
		}
		return res, fmt.Errorf("fabricpress batch: %v: %s", err, why)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.UserS = tvSeconds(ru.Utime)
		res.SysS = tvSeconds(ru.Stime)
		res.PeakRSSKiB = int64(ru.Maxrss) // KiB on Linux
	}

	files, pieces, size, err := countOutput(ctx, out, m)
	if err != nil {
		return res, err
	}
	res.Files, res.Pieces, res.OutputBytes = files, pieces, size
	done, failed, err := readManifest(filepath.Join(out, "manifest.csv"))
	if err != nil {
		return res, err
	}
	switch {
	case failed > 0:
		return res, fmt.Errorf("%d of %d recipients failed (see manifest.csv; %s)", failed, n, lastLine(stderr.String()))
	case done < n:
		return res, fmt.Errorf("manifest lists %d done recipients, want %d", done, n)
	case pieces < n:
		what := "files"
		if m.pdf {
			what = "PDF pages"
		}
		return res, fmt.Errorf("only %d %s for %d recipients", pieces, what, n)
	}
	return res, nil
}

func tvSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

// countOutput counts the pieces in a batch's output folder: files with the
// mode's extension, or their pages for PDF modes. size is their total.
func countOutput(ctx context.Context, dir string, m mode) (files, pieces int, size int64, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, 0, err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), m.ext) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return 0, 0, 0, err
		}
		files++
		size += info.Size()
		if !m.pdf {
			pieces++
			continue
		}
		p, err := pdfPages(ctx, filepath.Join(dir, e.Name()))
		if err != nil {
			return 0, 0, 0, err
		}
		pieces += p
	}
	return files, pieces, size, nil
}

// readManifest counts the done and failed rows of a batch's manifest.csv.
func readManifest(path string) (done, failed int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	for i, row := range rows {
		if i == 0 || len(row) < 3 {
			continue
		}
		switch row[2] {
		case "done":
			done++
		case "failed":
			failed++
		}
	}
	return done, failed, nil
}

// pdfPages counts a PDF's pages with pdfinfo when it is installed, else by
// counting page objects in the file.
func pdfPages(ctx context.Context, path string) (int, error) {
	if bin, err := exec.LookPath("pdfinfo"); err == nil {
		out, err := exec.CommandContext(ctx, bin, path).Output()
		if err != nil {
			return 0, fmt.Errorf("pdfinfo %s: %w", path, err)
		}
		return parsePDFInfoPages(out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return countPageObjects(b), nil
}

func parsePDFInfoPages(out []byte) (int, error) {
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, errors.New("pdfinfo printed no Pages: line")
}

// pageObject matches a page's /Type entry; \b leaves out /Pages (the tree
// nodes) and /PageLabel.
var pageObject = regexp.MustCompile(`/Type\s*/Page\b`)

// countPageObjects counts page objects in an uncompressed object layout,
// as gopdf writes it; objects inside compressed object streams are missed,
// which is why pdfinfo is preferred.
func countPageObjects(b []byte) int {
	return len(pageObject.FindAllIndex(b, -1))
}

// checkSpace fails when the folder's file system has less than need bytes
// free (a 10000-piece PNG run at 300 DPI writes about 10 GB).
func checkSpace(dir string, need int64) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return nil // unknown: let the run find out
	}
	if free := int64(st.Bavail) * int64(st.Bsize); free < need {
		return fmt.Errorf("about %s of output expected, %s free in %s (use -dir elsewhere or a smaller -n)", fmtBytes(need), fmtBytes(free), dir)
	}
	return nil
}

func fmtBytes(n int64) string {
	const gib = 1 << 30
	if n >= gib {
		return strconv.FormatFloat(float64(n)/gib, 'f', 1, 64) + " GiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}

// loadavg is the 1-minute load average, to tell a noisy run; 0 if unknown.
func loadavg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// tailBuffer keeps the last max bytes written to it (a long batch's
// progress lines would otherwise pile up).
type tailBuffer struct {
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// ------------------------------------------------------------ browser baseline

// browserDoc is the part of bench.mjs's JSON that is compared.
type browserDoc struct {
	Command     string `json:"command"`
	Date        string `json:"date"`
	Environment struct {
		Fabric string `json:"fabric"`
		Node   string `json:"node"`
		CPU    string `json:"cpu"`
	} `json:"environment"`
	Recipients struct {
		N int `json:"n"`
	} `json:"recipients"`
	Runs []browserRun `json:"runs"`
	// NodeCanvas holds node-canvas figures, should a version of the file
	// carry them (the one of 2026-11 does not).
	NodeCanvas []browserRun `json:"nodeCanvas,omitempty"`
}

type browserRun struct {
	Name         string  `json:"name"`
	Pages        int     `json:"pages"`
	Output       string  `json:"output"`
	Pieces       int     `json:"pieces"`
	WallS        float64 `json:"wallS"`
	PiecesPerSec float64 `json:"piecesPerSec"`
	CPUPerPiece  struct {
		Chromium float64 `json:"chromium"`
		Node     float64 `json:"node"`
		Total    float64 `json:"total"`
	} `json:"cpuSecondsPerPiece"`
	AvgPNGBytes float64 `json:"avgPngBytes"`
	PeakMemory  struct {
		RSSMiB float64 `json:"rssMiB"`
		PSSMiB float64 `json:"pssMiB"`
	} `json:"peakMemory"`
}

func readBrowserDoc(path string) (*browserDoc, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseBrowserDoc(b, path)
}

func parseBrowserDoc(b []byte, name string) (*browserDoc, error) {
	var doc browserDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Runs) == 0 {
		return nil, fmt.Errorf("%s: no runs", name)
	}
	// Older or hand-made files may list node-canvas as runs.
	runs := doc.Runs[:0:0]
	for _, r := range doc.Runs {
		if isNodeCanvas(r.Name) {
			doc.NodeCanvas = append(doc.NodeCanvas, r)
		} else {
			runs = append(runs, r)
		}
	}
	doc.Runs = runs
	return &doc, nil
}

func isNodeCanvas(name string) bool {
	n := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(name))
	return strings.Contains(n, "nodecanvas")
}

// runBrowser runs bench.mjs in its folder with print runs only and reads
// back the JSON it wrote to the scratch folder (never the corpus's file).
func runBrowser(ctx context.Context, cfg config, dir string) (*browserDoc, error) {
	script, err := filepath.Abs(cfg.browser)
	if err != nil {
		return nil, err
	}
	corpus, err := filepath.Abs(cfg.corpus)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules")); err != nil {
		return nil, fmt.Errorf("browser baseline: no node_modules beside %s (run npm ci --omit=optional there)", cfg.browser)
	}
	out := filepath.Join(dir, "bench-browser.json")
	// --cases and --fonts in full so a copy of the tool outside the
	// shared tree works too.
	args := []string{script, "--n", strconv.Itoa(cfg.browserN), "--runs", "print-seq,print-par2",
		"--cases", filepath.Join(corpus, "public/cases.json"), "--fonts", filepath.Join(corpus, "fonts.json"),
		"--json", out}
	fmt.Fprintf(os.Stderr, "benchbatch: browser baseline: node %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = filepath.Dir(script)
	stderr := &tailBuffer{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = io.Discard, io.MultiWriter(os.Stderr, stderr)
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("browser baseline: %v: %s", err, lastLine(stderr.String()))
	}
	doc, err := readBrowserDoc(out)
	if err != nil {
		return nil, fmt.Errorf("browser baseline: %w", err)
	}
	return doc, nil
}

// ------------------------------------------------------------ output

func formatTable(rs []result) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "mode\tN\tworkers\twall s\tpieces/s\tCPU-s/piece\tpeak RSS MiB\tbytes/piece\tload1\t\n")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.2f\t%.3f\t%.0f\t%.0f\t%.1f\t\n",
			r.Mode, r.N, r.Workers, r.WallS, r.PiecesPerSec(), r.CPUPerPiece(), r.PeakRSSMiB(), r.BytesPerPiece(), r.Load1End)
	}
	tw.Flush()
	return b.String()
}

// comparison is one of our runs beside a browser run of the same output
// size. Each factor is "how many times better ours is" (0 if unknown).
type comparison struct {
	Mode          string  `json:"mode"`
	N             int     `json:"n"`
	Workers       int     `json:"workers"`
	BrowserRun    string  `json:"browserRun"`
	OursCPU       float64 `json:"oursCpuSPerPiece"`
	BrowserCPU    float64 `json:"browserCpuSPerPiece"`
	FewerCPU      float64 `json:"fewerCpuSeconds"`
	OursRate      float64 `json:"oursPiecesPerSec"`
	BrowserRate   float64 `json:"browserPiecesPerSec"`
	Faster        float64 `json:"piecesPerSecRatio"`
	OursRSSMiB    float64 `json:"oursPeakRssMiB"`
	BrowserRSSMiB float64 `json:"browserPeakRssMiB"`
	BrowserPSSMiB float64 `json:"browserPeakPssMiB"`
	LessRSS       float64 `json:"lessRss"`
}

func compare(rs []result, doc *browserDoc) []comparison {
	var out []comparison
	for _, r := range rs {
		kind := modes[r.Mode].browser
		if kind == "" {
			continue
		}
		for _, b := range doc.Runs {
			if !strings.HasPrefix(b.Name, kind+"-") {
				continue
			}
			c := comparison{Mode: r.Mode, N: r.N, Workers: r.Workers, BrowserRun: b.Name,
				OursCPU: r.CPUPerPiece(), BrowserCPU: b.CPUPerPiece.Total,
				OursRate: r.PiecesPerSec(), BrowserRate: b.PiecesPerSec,
				OursRSSMiB: r.PeakRSSMiB(), BrowserRSSMiB: b.PeakMemory.RSSMiB, BrowserPSSMiB: b.PeakMemory.PSSMiB}
			c.FewerCPU = ratio(c.BrowserCPU, c.OursCPU)
			c.Faster = ratio(c.OursRate, c.BrowserRate)
			c.LessRSS = ratio(c.BrowserRSSMiB, c.OursRSSMiB)
			out = append(out, c)
		}
	}
	return out
}

func formatComparisons(label string, cs []comparison) string {
	var b strings.Builder
	fmt.Fprintf(&b, "vs %s:\n", label)
	if len(cs) == 0 {
		b.WriteString("  (no run of ours has the size of a browser run: png300 compares with print-*, preview with preview-*)\n")
		return b.String()
	}
	for _, c := range cs {
		fmt.Fprintf(&b, "  %s N=%d workers=%d vs %s: %s fewer CPU-seconds/piece (%.3f vs %.3f), %s pieces/s (%.2f vs %.2f), peak RSS %.0f vs %.0f MiB summed over processes (PSS %.0f): %s less\n",
			c.Mode, c.N, c.Workers, c.BrowserRun,
			times(c.FewerCPU), c.OursCPU, c.BrowserCPU,
			times(c.Faster), c.OursRate, c.BrowserRate,
			c.OursRSSMiB, c.BrowserRSSMiB, c.BrowserPSSMiB, times(c.LessRSS))
	}
	return b.String()
}

func times(f float64) string {
	if f <= 0 {
		return "n/a×"
	}
	if f < 10 {
		return strconv.FormatFloat(f, 'f', 2, 64) + "×"
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + "×"
}

func formatBrowser(label string, doc *browserDoc) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, fabric %s, node %s, N=%d:\n", label, doc.Environment.Fabric, doc.Environment.Node, doc.Recipients.N)
	writeBrowserRuns(&b, doc.Runs)
	return b.String()
}

func writeBrowserRuns(w io.Writer, runs []browserRun) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "run\toutput\tpages\tpieces/s\tCPU-s/piece\tpeak RSS MiB (sum)\tPSS MiB\tbytes/piece\t\n")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.3f\t%.0f\t%.0f\t%.0f\t\n", r.Name, r.Output, r.Pages, r.PiecesPerSec,
			r.CPUPerPiece.Total, r.PeakMemory.RSSMiB, r.PeakMemory.PSSMiB, r.AvgPNGBytes)
	}
	tw.Flush()
}

func formatNodeCanvas(path string, doc *browserDoc) string {
	var b strings.Builder
	if len(doc.NodeCanvas) == 0 {
		fmt.Fprintf(&b, "node-canvas: no figures in %s\n", path)
		return b.String()
	}
	fmt.Fprintf(&b, "node-canvas (static reference, %s):\n", doc.Date)
	writeBrowserRuns(&b, doc.NodeCanvas)
	return b.String()
}
