package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/pdf"
	"github.com/fabricpress/fabricpress/render"
)

// Spec is what a job renders: the template (and back side), its canvas
// size, the mapping and the output options. It is stored as the job's
// Spec JSON, so a resumed job needs nothing else.
type Spec struct {
	Template json.RawMessage `json:"template"`
	Back     json.RawMessage `json:"back,omitempty"`
	Width    float64         `json:"width"`
	Height   float64         `json:"height"`
	Mapping  json.RawMessage `json:"mapping,omitempty"`
	Options  Options         `json:"options"`
}

// Options are a job's output settings.
type Options struct {
	Name      string  `json:"name,omitempty"`
	Format    string  `json:"format,omitempty"`  // png (default), jpeg or pdf
	Scale     float64 `json:"scale,omitempty"`   // raster multiplier (default 1); dpi/96 when DPI is set for raster output
	DPI       float64 `json:"dpi,omitempty"`     // raster pieces: sets Scale; PDF: resolution of rasterised parts (default 300)
	Quality   int     `json:"quality,omitempty"` // JPEG quality (default 90)
	Merge     bool    `json:"merge,omitempty"`   // PDF: also write merged PDFs in row order
	MaxPages  int     `json:"maxPages,omitempty"`
	Bleed     float64 `json:"bleed,omitempty"` // PDF bleed in canvas px (96 per inch)
	CropMarks bool    `json:"cropMarks,omitempty"`
	// NameFields name each piece's file after its row number (default
	// first_name, last_name).
	NameFields []string `json:"nameFields,omitempty"`
	// Columns overrides the automatic column matching: field -> column.
	Columns     map[string]string `json:"columns,omitempty"`
	NotifyEmail string            `json:"notifyEmail,omitempty"`
	WebhookURL  string            `json:"webhookUrl,omitempty"`
}

// SpecError is a bad template, mapping or option, with the JSON path or
// option at fault; the service answers it with 400.
type SpecError struct{ Err error }

func (e *SpecError) Error() string { return e.Err.Error() }
func (e *SpecError) Unwrap() error { return e.Err }

// Compiled is a parsed, checked Spec.
type Compiled struct {
	Spec     Spec
	Canvas   *fabric.Canvas
	Back     *fabric.Canvas
	Mapping  *fabric.Mapping
	Fields   []fabric.Field
	Format   string
	maxPixel int
}

// Compile parses and checks a spec: the template and back side (errors
// name the JSON path), the mapping (errors name the key), the canvas and
// output sizes, and the options. lim may be nil for the defaults.
func (s Spec) Compile(lim *fabric.ParseOptions, maxOutputPixels int) (*Compiled, error) {
	bad := func(format string, args ...any) error { return &SpecError{Err: fmt.Errorf(format, args...)} }
	if len(s.Template) == 0 {
		return nil, bad("template: missing")
	}
	c := &Compiled{Spec: s}
	var err error
	if c.Canvas, err = fabric.Parse(s.Template, lim); err != nil {
		return nil, &SpecError{Err: fmt.Errorf("template: %w", err)}
	}
	if len(s.Back) > 0 {
		if c.Back, err = fabric.Parse(s.Back, lim); err != nil {
			return nil, &SpecError{Err: fmt.Errorf("back: %w", err)}
		}
	}
	if s.Width == 0 && s.Height == 0 {
		s.Width, s.Height = c.Canvas.Width, c.Canvas.Height
		c.Spec.Width, c.Spec.Height = s.Width, s.Height
	}
	if !(s.Width > 0 && s.Height > 0) || math.IsInf(s.Width+s.Height, 0) {
		return nil, bad("width and height: the canvas size in px is required (got %gx%g)", s.Width, s.Height)
	}
	c.Mapping = &fabric.Mapping{}
	if len(s.Mapping) > 0 && string(s.Mapping) != "null" {
		if c.Mapping, err = fabric.ParseMapping(s.Mapping); err != nil {
			return nil, &SpecError{Err: err}
		}
		var sides []*fabric.Canvas
		if c.Back != nil {
			sides = append(sides, c.Back)
		}
		if err := c.Mapping.Check(c.Canvas, sides...); err != nil {
			return nil, &SpecError{Err: err}
		}
	}
	o := &c.Spec.Options
	switch strings.ToLower(o.Format) {
	case "", FormatPNG:
		c.Format = FormatPNG
	case FormatJPEG, "jpg":
		c.Format = FormatJPEG
	case FormatPDF:
		c.Format = FormatPDF
	default:
		return nil, bad("options.format %q: want png, jpeg or pdf", o.Format)
	}
	if o.Merge && c.Format != FormatPDF {
		return nil, bad("options.merge needs format pdf")
	}
	if o.DPI < 0 || o.DPI > 2400 || o.Scale < 0 || o.Scale > 50 || o.Bleed < 0 || o.Bleed > 960 || o.Quality < 0 || o.Quality > 100 {
		return nil, bad("options: scale, dpi, bleed or quality out of range")
	}
	if o.Scale == 0 {
		o.Scale = 1
		if o.DPI > 0 && c.Format != FormatPDF {
			o.Scale = o.DPI / 96
		}
	}
	if maxOutputPixels <= 0 {
		maxOutputPixels = 60e6
	}
	if px := math.Round(s.Width*o.Scale) * math.Round(s.Height*o.Scale); px > float64(maxOutputPixels) {
		return nil, bad("output of %.0f pixels is more than the limit of %d", px, maxOutputPixels)
	}
	c.maxPixel = maxOutputPixels
	c.Fields = c.Mapping.Fields(c.Canvas)
	if c.Back != nil {
		seen := map[string]int{}
		for i, f := range c.Fields {
			seen[f.Name] = i
		}
		for _, f := range c.Mapping.Fields(c.Back) {
			if i, ok := seen[f.Name]; ok {
				c.Fields[i].Required = c.Fields[i].Required || f.Required
			} else {
				c.Fields = append(c.Fields, f)
			}
		}
	}
	if len(o.NameFields) == 0 {
		o.NameFields = []string{"first_name", "last_name"}
	}
	return c, nil
}

// Template returns the renderable template with the given render options
// (fonts, image loader, cache); canvas size and scale come from the spec.
func (c *Compiled) Template(ro render.Options) *Template {
	o := c.Spec.Options
	ro.Width, ro.Height, ro.Scale = c.Spec.Width, c.Spec.Height, o.Scale
	if ro.MaxOutputPixels == 0 {
		ro.MaxOutputPixels = c.maxPixel
	}
	return &Template{
		Canvas: c.Canvas, Back: c.Back, Mapping: c.Mapping, Render: ro, Format: c.Format, JPEGQuality: o.Quality,
		PDF: pdf.Options{Bleed: o.Bleed, CropMarks: o.CropMarks, DPI: o.DPI, Title: o.Name},
	}
}

// IngestReport says how a CSV reached the store.
type IngestReport struct {
	Rows    int      // data rows read
	BadRows int      // rows stored as failed (malformed CSV rows)
	Missing []string // template fields with no column (their defaults apply)
	Unused  []string // columns no field uses
}

// ErrNoColumn reports a required template field the CSV has no column for.
var ErrNoColumn = errors.New("no column for required field")

// Ingest reads the CSV of a created (queued, unsealed) job into the store
// in chunks, without holding the file in memory, and seals the job. A
// file that cannot be used at all (no header, binary data, duplicate
// columns, a required field with no column) is an error before any row is
// stored (*HeaderError or ErrNoColumn, with line numbers); a malformed row
// is stored as a permanently failed recipient with its line and reason,
// and never fails the job.
func Ingest(ctx context.Context, s Store, jobID string, c *Compiled, csv io.Reader) (IngestReport, error) {
	var rep IngestReport
	rd, err := NewReader(csv, ReaderOptions{})
	if err != nil {
		return rep, err
	}
	names := make([]string, len(c.Fields))
	required := map[string]bool{}
	for i, f := range c.Fields {
		names[i] = f.Name
		required[f.Name] = f.Required
	}
	cols, err := MatchColumns(names, rd.Header(), c.Spec.Options.Columns)
	if err != nil {
		return rep, err
	}
	rep.Missing, rep.Unused = cols.Missing, cols.Unused
	var fatal []string
	for _, f := range cols.Missing {
		if required[f] {
			fatal = append(fatal, f)
		}
	}
	if len(fatal) > 0 {
		return rep, fmt.Errorf("%w %s (line 1 has columns: %s)", ErrNoColumn, strings.Join(fatal, ", "), strings.Join(rd.Header(), ", "))
	}
	const chunk = 2000
	buf := make([]Recipient, 0, chunk)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		err := s.AddRecipients(ctx, jobID, buf)
		buf = buf[:0]
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		var rowErr *RowError
		if errors.As(err, &rowErr) {
			rep.Rows++
			rep.BadRows++
			buf = append(buf, Recipient{Row: rowErr.Row, Line: rowErr.Line, State: RecipientFailed, Permanent: true, LastError: oneLineMessage(rowErr.Err)})
		} else if err != nil {
			return rep, err
		} else {
			rep.Rows++
			fields := cols.Apply(rec)
			buf = append(buf, Recipient{Row: rec.Row, Line: rec.Line, Name: DisplayName(c.Spec.Options.NameFields, fields, rec.Fields), Fields: fields, State: RecipientPending})
		}
		if len(buf) == chunk {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	return rep, s.UpdateJob(ctx, jobID, func(j *Job) error {
		j.Sealed = true
		return nil
	})
}

// DisplayName joins the values of the name fields (a template field's
// value, else the CSV column of that name) to name a recipient.
func DisplayName(nameFields []string, record, columns map[string]string) string {
	var parts []string
	for _, f := range nameFields {
		v, ok := record[f]
		if !ok {
			v = columns[f]
		}
		if v = strings.TrimSpace(v); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " ")
}

func oneLineMessage(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
