package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/pdf"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/asset"
	"github.com/fabricpress/fabricpress/render/font"
)

// batchGrace is how long pieces being rendered when the batch is
// interrupted may take to finish before they are cancelled.
const batchGrace = 5 * time.Second

// batchConfig is the batch command's flags.
type batchConfig struct {
	template, csv, mapping, columns string
	width, height, scale            float64
	format                          string
	quality                         int
	fonts, assets, allowHosts       string
	workers                         int
	nameFields                      string
	out                             string
	back                            string
	merge, cropMarks                bool
	maxPages                        int
	bleed                           string
	bleedPx, dpi                    float64

	// progressEvery is the interval of plain progress lines when stderr is
	// not a terminal.
	progressEvery time.Duration
	// afterAdd, when set, is called by the writer after each piece is in
	// the output (tests use it to interrupt a batch half way).
	afterAdd func(done int)

	// store is the bbolt file of a resumable batch (-store); see
	// runStoreBatch.
	store string
	// storeHook, when set, is called with the job's done count each time
	// a resumable batch looks at its job (tests interrupt it with it).
	storeHook func(done int)
}

func batchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := batchConfig{progressEvery: 2 * time.Second}
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.template, "template", "", "Fabric canvas JSON file (required)")
	fs.Float64Var(&cfg.width, "width", 0, "canvas width in px (Fabric JSON does not store it)")
	fs.Float64Var(&cfg.height, "height", 0, "canvas height in px")
	fs.StringVar(&cfg.csv, "csv", "", "recipients: CSV file with a header row, or - for standard input (required)")
	fs.StringVar(&cfg.mapping, "mapping", "", "mapping JSON: object bindings by name or id (text, image, qr, barcode)")
	fs.StringVar(&cfg.columns, "columns", "", "column overrides: field=Column,... (default: columns matched by name)")
	fs.StringVar(&cfg.format, "format", "png", "output format: png or jpeg")
	fs.IntVar(&cfg.quality, "quality", batch.DefaultJPEGQuality, "JPEG quality, 1-100")
	fs.Float64Var(&cfg.scale, "scale", 1, "output multiplier (3.125 = 300 DPI)")
	fs.StringVar(&cfg.fonts, "fonts", "", "font manifest (fonts.json format) or a folder of .ttf/.otf files")
	fs.StringVar(&cfg.assets, "assets", "", "folder that local image paths are read from (default: the template's folder)")
	fs.StringVar(&cfg.allowHosts, "allow-hosts", "", "hosts images may be fetched from over http(s): a.com,*.b.com (default: none)")
	fs.IntVar(&cfg.workers, "workers", runtime.NumCPU(), "pieces rendered at once")
	fs.StringVar(&cfg.nameFields, "name-fields", "first_name,last_name", "fields (or columns) whose values name each file, after the row number")
	fs.StringVar(&cfg.back, "back", "", "Fabric canvas JSON of the back side (two-sided pieces; same size)")
	fs.BoolVar(&cfg.merge, "merge", false, "with -format pdf: merged PDFs (a page per side) instead of a file per recipient")
	fs.IntVar(&cfg.maxPages, "max-pages", pdf.DefaultMaxPages, "with -merge: pages per merged PDF file")
	fs.StringVar(&cfg.bleed, "bleed", "0", "PDF bleed: 0.125in, 3mm, 9pt or 12px")
	fs.BoolVar(&cfg.cropMarks, "crop-marks", false, "PDF crop marks outside the bleed")
	fs.Float64Var(&cfg.dpi, "dpi", 300, "PDF: resolution of rasterised parts")
	fs.StringVar(&cfg.out, "o", "", "output: a .zip file, or a folder (required)")
	fs.StringVar(&cfg.store, "store", "", "resumable: keep the job in this bbolt file (its pieces in a .jobs folder beside it); run the same command again to continue after an interruption")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if cfg.template == "" || cfg.csv == "" || cfg.out == "" {
		fs.Usage()
		return usageError{"batch needs -template, -csv and -o"}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	switch strings.ToLower(cfg.format) {
	case "png":
		cfg.format = batch.FormatPNG
	case "jpeg", "jpg":
		cfg.format = batch.FormatJPEG
	case "pdf":
		cfg.format = batch.FormatPDF
	default:
		return usageError{fmt.Sprintf("-format %q: want png, jpeg or pdf", cfg.format)}
	}
	if cfg.merge && cfg.format != batch.FormatPDF {
		return usageError{"-merge needs -format pdf"}
	}
	bleed, err := parseLength(cfg.bleed)
	if err != nil {
		return usageError{"-bleed: " + err.Error()}
	}
	cfg.bleedPx = bleed
	if !(cfg.dpi >= 36 && cfg.dpi <= 2400) {
		return usageError{fmt.Sprintf("-dpi %g: want 36 to 2400", cfg.dpi)}
	}
	if cfg.quality < 1 || cfg.quality > 100 {
		return usageError{fmt.Sprintf("-quality %d: want 1 to 100", cfg.quality)}
	}
	if cfg.workers < 1 {
		return usageError{fmt.Sprintf("-workers %d: want at least 1", cfg.workers)}
	}
	if !(cfg.scale > 0) {
		return usageError{fmt.Sprintf("-scale %g: want a positive number", cfg.scale)}
	}
	if cfg.width < 0 || cfg.height < 0 {
		return usageError{"-width and -height must not be negative"}
	}
	if cfg.store != "" {
		return runStoreBatch(ctx, cfg, stdout, stderr)
	}
	return runBatch(ctx, cfg, stdout, stderr)
}

// parseColumns reads "field=Column,field2=Column 2".
func parseColumns(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		field, col, ok := strings.Cut(part, "=")
		field = strings.TrimSpace(field)
		if !ok || field == "" {
			return nil, usageError{fmt.Sprintf("-columns %q: want field=Column,...", part)}
		}
		if _, dup := out[field]; dup {
			return nil, usageError{fmt.Sprintf("-columns: field %q given twice", field)}
		}
		out[field] = strings.TrimSpace(col)
	}
	return out, nil
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

// job is one recipient on its way to a worker.
type job struct {
	row, line int
	record    map[string]string
	display   string
}

// result is one recipient's outcome on its way to the writer.
type result struct {
	row, line int
	name      string
	data      []byte
	warnings  []string
	err       error
	cancelled bool // stopped by the interrupt: not finished, not in the manifest
	// with -merge: the record's pages, prepared by the worker and added
	// in row order by the writer
	pages []*pdf.Page
}

// preparePages binds record to the template's sides and prepares a merged
// PDF page for each.
func preparePages(ctx context.Context, tpl *batch.Template, record map[string]string, width, height float64) ([]*pdf.Page, error) {
	sides, tpls, err := tpl.Sides(record)
	if err != nil {
		return nil, err
	}
	pages := make([]*pdf.Page, len(sides))
	for i, c := range sides {
		if pages[i], err = pdf.Prepare(ctx, c, width, height, tpls[i], tpl.PDFOptions()); err != nil {
			return nil, err
		}
	}
	return pages, nil
}

// parseLength reads a length with a unit (in, mm, cm, pt, px; px when
// none) as canvas pixels (96 per inch).
func parseLength(s string) (float64, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	for _, u := range []struct {
		suffix string
		px     float64
	}{{"in", 96}, {"mm", 96 / 25.4}, {"cm", 96 / 2.54}, {"pt", 96.0 / 72}, {"px", 1}, {"", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), 64)
			if err != nil || v < 0 || v > 960 {
				return 0, fmt.Errorf("%q is not a length such as 0.125in or 3mm", s)
			}
			return v * u.px, nil
		}
	}
	return 0, fmt.Errorf("%q is not a length", s)
}

func runBatch(ctx context.Context, cfg batchConfig, stdout, stderr io.Writer) error {
	start := time.Now()

	// Template, mapping, CSV header and fonts: any problem here stops the
	// command before any work.
	src, err := os.ReadFile(cfg.template)
	if err != nil {
		return err
	}
	canvas, err := fabric.Parse(src, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.template, err)
	}
	mapping := &fabric.Mapping{}
	if cfg.mapping != "" {
		b, err := os.ReadFile(cfg.mapping)
		if err != nil {
			return err
		}
		if mapping, err = fabric.ParseMapping(b); err != nil {
			return fmt.Errorf("%s: %w", cfg.mapping, err)
		}
		if err := mapping.Check(canvas); err != nil {
			return fmt.Errorf("%s: %w", cfg.mapping, err)
		}
	}
	overrides, err := parseColumns(cfg.columns)
	if err != nil {
		return err
	}

	// Recipients: header and column mapping.
	in := os.Stdin
	if cfg.csv != "-" {
		f, err := os.Open(cfg.csv)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	rd, err := batch.NewReader(in, batch.ReaderOptions{})
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.csv, err)
	}
	fields := mapping.Fields(canvas)
	names := make([]string, len(fields))
	required := map[string]bool{}
	for i, f := range fields {
		names[i] = f.Name
		required[f.Name] = f.Required
	}
	cols, err := batch.MatchColumns(names, rd.Header(), overrides)
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.csv, err)
	}
	var fatal []string
	for _, f := range cols.Missing {
		if required[f] {
			fatal = append(fatal, f)
		} else {
			fmt.Fprintf(stderr, "fabricpress: field %q has no column: its default is used\n", f)
		}
	}
	if len(fatal) > 0 {
		return fmt.Errorf("%s: no column for required field(s) %s (columns: %s); map them with -columns field=Column",
			cfg.csv, strings.Join(fatal, ", "), strings.Join(rd.Header(), ", "))
	}
	if len(cols.Unused) > 0 {
		fmt.Fprintf(stderr, "fabricpress: columns not used by the template: %s\n", strings.Join(cols.Unused, ", "))
	}

	// Fonts and images, checked by compiling the template once as it is
	// (placeholders unfilled) to catch what would fail every recipient:
	// canvas size, fonts, the template's own images.
	opts, loader, err := cfg.renderOptions()
	if err != nil {
		return err
	}
	defer loader.CloseIdleConnections()
	opts.Width, opts.Height, opts.Scale, opts.Cache = cfg.width, cfg.height, cfg.scale, render.NewImageCache(0)
	pre := opts
	pre.SkipBrokenImages = true // images swapped per recipient may be placeholders
	plan, err := render.Compile(ctx, canvas, pre)
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.template, err)
	}
	for _, w := range plan.Warnings() {
		fmt.Fprintln(stderr, "fabricpress: warning: template:", w)
	}
	tpl := &batch.Template{Canvas: canvas, Mapping: mapping, Render: opts, Format: cfg.format, JPEGQuality: cfg.quality,
		PDF: pdf.Options{Bleed: cfg.bleedPx, CropMarks: cfg.cropMarks, DPI: cfg.dpi, Title: filepath.Base(cfg.template)}}
	if cfg.back != "" {
		src, err := os.ReadFile(cfg.back)
		if err != nil {
			return err
		}
		if tpl.Back, err = fabric.Parse(src, nil); err != nil {
			return fmt.Errorf("%s: %w", cfg.back, err)
		}
		if _, err := render.Compile(ctx, tpl.Back, pre); err != nil {
			return fmt.Errorf("%s: %w", cfg.back, err)
		}
	}
	var merged *pdf.Merged
	if cfg.merge {
		dir, err := os.MkdirTemp("", "fabricpress-merge-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		merged = pdf.NewMerged(dir, "merged", cfg.maxPages, tpl.PDFOptions())
	}

	total := -1
	if st, err := in.Stat(); err == nil && st.Mode().IsRegular() {
		// ReadAt leaves the file offset, hence the Reader, alone.
		if n, err := countRows(io.NewSectionReader(in, 0, st.Size()), byte(rd.Comma())); err == nil {
			total = n
		}
	}
	width := 4
	if total > 0 {
		width = max(width, len(strconv.Itoa(total)))
	}
	nameFields := splitList(cfg.nameFields)

	out, err := batch.NewOutput(cfg.out)
	if err != nil {
		return err
	}

	// The pipeline: this goroutine reads rows and feeds the workers; the
	// workers render; one writer adds pieces to the output in completion
	// order and keeps the manifest.
	feedCtx, stopFeed := context.WithCancel(ctx)
	defer stopFeed()
	renderCtx, stopRender := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRender()
	go func() {
		select {
		case <-feedCtx.Done():
			t := time.NewTimer(batchGrace)
			defer t.Stop()
			select {
			case <-t.C:
				stopRender()
			case <-renderCtx.Done():
			}
		case <-renderCtx.Done():
		}
	}()

	jobs := make(chan job, cfg.workers)
	results := make(chan result, cfg.workers)
	var workers sync.WaitGroup
	for range cfg.workers {
		workers.Go(func() {
			for j := range jobs {
				if feedCtx.Err() != nil {
					continue // interrupted before it started: not part of this run
				}
				if merged != nil {
					// Merged PDFs are paged in row order by the writer;
					// workers bind and prepare the pages (the most of a
					// page's work).
					pages, err := preparePages(renderCtx, tpl, j.record, cfg.width, cfg.height)
					results <- result{row: j.row, line: j.line, err: err, pages: pages, cancelled: err != nil && renderCtx.Err() != nil}
					continue
				}
				p, err := tpl.Piece(renderCtx, j.record)
				r := result{row: j.row, line: j.line, err: err}
				switch {
				case err != nil && renderCtx.Err() != nil:
					r.cancelled = true
				case err == nil:
					r.name = batch.PieceName(j.row, width, j.display, p.Ext)
					r.data, r.warnings = p.Data, p.Warnings
				}
				results <- r
			}
		})
	}

	prog := newProgress(stderr, total, cfg.progressEvery, start)
	var (
		manifest  []batch.ManifestRow
		writeErr  error
		cancelled int
		warnRows  int
		warnings  = map[string]*warnSeen{}
		wdone     = make(chan struct{})
	)
	record := func(r result) {
		if r.cancelled {
			cancelled++
			return
		}
		if r.err == nil && writeErr == nil && r.pages == nil {
			if err := out.Add(r.name, r.data); err != nil {
				writeErr = err
				stopFeed()
				stopRender()
			}
		}
		switch {
		case r.err == nil && writeErr == nil:
			manifest = append(manifest, batch.ManifestRow{Row: r.row, Line: r.line, Status: batch.StatusDone, File: r.name})
			prog.done.Add(1)
			if len(r.warnings) > 0 {
				warnRows++
			}
			for _, w := range r.warnings {
				if s := warnings[w]; s != nil {
					s.n++
				} else {
					warnings[w] = &warnSeen{row: r.row, line: r.line, n: 1}
				}
			}
			if cfg.afterAdd != nil {
				cfg.afterAdd(int(prog.done.Load()))
			}
		case r.err != nil:
			manifest = append(manifest, batch.ManifestRow{Row: r.row, Line: r.line, Status: batch.StatusFailed, Error: oneLine(r.err.Error())})
			prog.failed.Add(1)
		}
	}
	// With -merge, results wait until every earlier row has arrived, so
	// the pages follow the CSV.
	pending := map[int]result{}
	nextRow := 1
	page := func(r result) result {
		if r.err != nil || writeErr != nil {
			return r
		}
		for _, p := range r.pages {
			if err := merged.AddPrepared(renderCtx, p); err != nil {
				r.err = err
				return r
			}
		}
		r.name = "merged"
		return r
	}
	go func() {
		defer close(wdone)
		for r := range results {
			if merged == nil {
				record(r)
				continue
			}
			pending[r.row] = r
			for q, ok := pending[nextRow]; ok; q, ok = pending[nextRow] {
				delete(pending, nextRow)
				nextRow++
				record(page(q))
			}
		}
		rows := make([]int, 0, len(pending))
		for row := range pending {
			rows = append(rows, row)
		}
		sort.Ints(rows)
		for _, row := range rows {
			record(page(pending[row]))
		}
	}()
	prog.start()

	var readErr error
	interrupted := false
feed:
	for {
		if feedCtx.Err() != nil {
			interrupted = ctx.Err() != nil
			break
		}
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		var rowErr *batch.RowError
		if errors.As(err, &rowErr) {
			results <- result{row: rowErr.Row, line: rowErr.Line, err: rowErr.Err}
			continue
		}
		if err != nil {
			readErr = fmt.Errorf("%s: %w", cfg.csv, err)
			break
		}
		j := job{row: rec.Row, line: rec.Line, record: cols.Apply(rec)}
		j.display = batch.DisplayName(nameFields, j.record, rec.Fields)
		select {
		case jobs <- j:
		case <-feedCtx.Done():
			interrupted = ctx.Err() != nil
			break feed
		}
	}
	close(jobs)
	workers.Wait()
	close(results)
	<-wdone
	prog.stop()

	if merged != nil {
		files, err := merged.Close()
		for _, f := range files {
			if err != nil || writeErr != nil {
				break
			}
			data, rerr := os.ReadFile(f)
			if rerr != nil {
				err = rerr
				break
			}
			err = out.Add(filepath.Base(f), data)
		}
		if err != nil && writeErr == nil {
			writeErr = err
		}
		for i := range manifest {
			if manifest[i].Status == batch.StatusDone {
				manifest[i].File = "merged-*.pdf"
			}
		}
	}
	closeErr := out.Close(manifest)
	done, failed := int(prog.done.Load()), int(prog.failed.Load())
	printWarnings(stderr, warnRows, warnings)
	elapsed := time.Since(start)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(done) / s
	}
	dest := cfg.out
	if closeErr != nil {
		dest = "(output not written)"
	}
	fmt.Fprintf(stdout, "rendered %d pieces, %d failed, in %s (%.1f pieces/s) -> %s\n", done, failed, fmtSeconds(elapsed), rate, dest)
	switch {
	case writeErr != nil:
		return writeErr
	case closeErr != nil:
		return closeErr
	case readErr != nil:
		return readErr
	case interrupted:
		msg := fmt.Sprintf("batch interrupted after %d rows", done+failed)
		if cancelled > 0 {
			msg += fmt.Sprintf(" (%d pieces in progress were cancelled)", cancelled)
		}
		return interruptedError{fmt.Errorf("%s; %s holds what finished", msg, cfg.out)}
	}
	return nil
}

// renderOptions loads the fonts and sets up the image loader the flags ask
// for (local images from -assets, else the template's folder). The caller
// closes the loader's idle connections.
func (cfg batchConfig) renderOptions() (render.Options, *asset.Loader, error) {
	var opts render.Options
	if cfg.fonts != "" {
		var err error
		if opts.Fonts, err = font.Load(cfg.fonts); err != nil {
			return opts, nil, err
		}
	}
	assets := cfg.assets
	if assets == "" {
		assets = filepath.Dir(cfg.template)
	}
	loader := asset.New(asset.Options{Dir: assets, AllowedHosts: splitList(cfg.allowHosts)})
	opts.Images = loader
	return opts, loader, nil
}

type warnSeen struct{ row, line, n int }

// printWarnings reports how many rows had renderer warnings and the first
// few distinct warnings, each with the first row that had it and how many
// rows did.
func printWarnings(w io.Writer, rows int, seen map[string]*warnSeen) {
	if rows == 0 {
		return
	}
	msgs := make([]string, 0, len(seen))
	for m := range seen {
		msgs = append(msgs, m)
	}
	sort.Slice(msgs, func(i, j int) bool {
		a, b := seen[msgs[i]], seen[msgs[j]]
		if a.row != b.row {
			return a.row < b.row
		}
		return msgs[i] < msgs[j]
	})
	fmt.Fprintf(w, "fabricpress: %d rows rendered with warnings (%d kinds):\n", rows, len(msgs))
	const most = 5
	for i, m := range msgs {
		if i == most {
			fmt.Fprintf(w, "fabricpress: warning: and %d more kinds\n", len(msgs)-most)
			break
		}
		s := seen[m]
		more := ""
		if s.n > 1 {
			more = fmt.Sprintf(" (and %d more rows)", s.n-1)
		}
		fmt.Fprintf(w, "fabricpress: warning: row %d (line %d): %s%s\n", s.row, s.line, oneLine(m), more)
	}
}

// countRows counts the data rows of CSV text with a quick byte scan (no
// values are built): records end at line breaks outside quoted fields, and
// records with no text are skipped, as the Reader does; the header is not
// counted. It is an estimate for progress, exact for well-formed files.
func countRows(f io.Reader, comma byte) (int, error) {
	const (
		fieldStart = iota
		unquoted
		quoted
		quoteSeen
	)
	st, text, afterCR, records := fieldStart, false, false, 0
	br := bufio.NewReaderSize(f, 64<<10)
	buf := make([]byte, 64<<10)
	for {
		n, err := br.Read(buf)
		for _, c := range buf[:n] {
			lf := afterCR && c == '\n'
			afterCR = c == '\r'
			if st == quoted {
				switch c {
				case '"':
					st = quoteSeen
				case ' ', '\t', '\r', '\n':
				default:
					text = true
				}
				continue
			}
			switch c {
			case '\r', '\n':
				if lf {
					continue
				}
				if text {
					records++
				}
				st, text = fieldStart, false
			case comma:
				st = fieldStart
			case '"':
				switch st {
				case fieldStart:
					st = quoted
				case quoteSeen:
					st = quoted // a doubled quote inside a quoted field
					text = true
				default:
					text = true
				}
			case ' ', '\t':
				if st == quoteSeen {
					st = unquoted
				}
			default:
				st, text = unquoted, true
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if text {
		records++
	}
	return max(records-1, 0), nil
}

// progress reports the batch on stderr: one updating line on a terminal,
// else a plain line every interval and at the end.
type progress struct {
	w        io.Writer
	total    int
	every    time.Duration
	began    time.Time
	terminal bool

	done, failed atomic.Int64
	quit         chan struct{}
	stopped      chan struct{}
}

func newProgress(w io.Writer, total int, every time.Duration, began time.Time) *progress {
	p := &progress{w: w, total: total, every: every, began: began, quit: make(chan struct{}), stopped: make(chan struct{})}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) start() {
	every := p.every
	if p.terminal {
		every = 200 * time.Millisecond
	}
	go func() {
		defer close(p.stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.print(false)
			case <-p.quit:
				p.print(true)
				return
			}
		}
	}()
}

func (p *progress) stop() {
	close(p.quit)
	<-p.stopped
}

func (p *progress) print(final bool) {
	done, failed := int(p.done.Load()), int(p.failed.Load())
	n := done + failed
	elapsed := time.Since(p.began)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(n) / s
	}
	total := p.total
	if total >= 0 && n > total {
		total = n // the quick count was short (malformed quoting)
	}
	var b strings.Builder
	if p.terminal {
		b.WriteString("\r")
	} else {
		b.WriteString("progress: ")
	}
	if total > 0 {
		const width = 20
		fill := n * width / total
		if p.terminal {
			b.WriteString("[" + strings.Repeat("#", fill) + strings.Repeat(".", width-fill) + "] ")
		}
		fmt.Fprintf(&b, "%d/%d", n, total)
		if !p.terminal {
			fmt.Fprintf(&b, " (%d%%)", n*100/total)
		}
	} else {
		fmt.Fprintf(&b, "%d rows", n)
	}
	fmt.Fprintf(&b, " (%d failed) %.1f/s", failed, rate)
	if total > 0 && !final && rate > 0 {
		eta := time.Duration(float64(total-n) / rate * float64(time.Second))
		b.WriteString(" ETA " + fmtETA(eta))
	}
	if p.terminal {
		b.WriteString("\x1b[K")
		if final {
			b.WriteString("\n")
		}
	} else {
		b.WriteString("\n")
	}
	io.WriteString(p.w, b.String())
}

// fmtETA writes a duration rounded to seconds: 6s, 2m05s, 1h02m.
func fmtETA(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
}

// fmtSeconds writes an elapsed time as seconds with one decimal.
func fmtSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
}
