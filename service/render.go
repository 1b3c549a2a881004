package service

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/render"
)

// syncRecipients reads up to limit+1 records of a request's CSV.
func syncRecipients(in *input, c *batch.Compiled, limit int) ([]syncRow, error) {
	rd, err := batch.NewReader(bytes.NewReader(in.csv), batch.ReaderOptions{})
	if err != nil {
		return nil, classify(err)
	}
	names := make([]string, len(c.Fields))
	required := map[string]bool{}
	for i, f := range c.Fields {
		names[i] = f.Name
		required[f.Name] = f.Required
	}
	cols, err := batch.MatchColumns(names, rd.Header(), c.Spec.Options.Columns)
	if err != nil {
		return nil, classify(err)
	}
	for _, f := range cols.Missing {
		if required[f] {
			return nil, errorf(http.StatusUnprocessableEntity, "invalid_csv", "line 1: no column for required field %s", f)
		}
	}
	var rows []syncRow
	for len(rows) <= limit {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		var re *batch.RowError
		if errors.As(err, &re) {
			rows = append(rows, syncRow{row: re.Row, line: re.Line, err: re})
			continue
		}
		if err != nil {
			return nil, err
		}
		fields := cols.Apply(rec)
		rows = append(rows, syncRow{row: rec.Row, line: rec.Line, fields: fields, name: batch.DisplayName(c.Spec.Options.NameFields, fields, rec.Fields)})
	}
	return rows, nil
}

type syncRow struct {
	row, line int
	fields    map[string]string
	name      string
	err       error
}

// renderSync renders a small batch in the request: one recipient returns
// the PNG, JPEG or PDF itself, several a ZIP with a manifest. Batches of
// more than BATCH_THRESHOLD recipients belong in /jobs.
func (s *Server) renderSync(w http.ResponseWriter, r *http.Request) error {
	in, err := s.readInput(r)
	if err != nil {
		return err
	}
	c, err := s.compile(in.spec)
	if err != nil {
		return err
	}
	if !in.hasCSV {
		// no recipients: the template itself, with defaults
		in.hasCSV, in.csv = true, recipientsCSV([]map[string]string{{"_": ""}})
	}
	rows, err := syncRecipients(in, c, s.cfg.Threshold)
	if err != nil {
		return err
	}
	if len(rows) > s.cfg.Threshold {
		return errorf(http.StatusRequestEntityTooLarge, "too_many_recipients",
			"more than %d recipients (BATCH_THRESHOLD): create a job with POST /api/v1/jobs", s.cfg.Threshold)
	}
	if len(rows) == 0 {
		return errorf(http.StatusUnprocessableEntity, "invalid_csv", "the CSV has a header but no recipients")
	}
	tpl := c.Template(s.renderOptions())
	if len(rows) == 1 {
		if rows[0].err != nil {
			return errorf(http.StatusUnprocessableEntity, "invalid_csv", "%s", oneLine(rows[0].err))
		}
		start := time.Now()
		p, err := tpl.Piece(r.Context(), rows[0].fields)
		s.metrics.renderSeconds.Observe(time.Since(start).Seconds())
		if err != nil {
			s.metrics.syncPieces.WithLabelValues("failed").Inc()
			return errorf(http.StatusUnprocessableEntity, "render_failed", "row 1 (line %d): %s", rows[0].line, oneLine(err))
		}
		s.metrics.syncPieces.WithLabelValues("done").Inc()
		w.Header().Set("Content-Type", contentType(p.Ext))
		w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="piece%s"`, p.Ext))
		_, err = w.Write(p.Data)
		return err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var manifest []batch.ManifestRow
	for _, row := range rows {
		if row.err != nil {
			manifest = append(manifest, batch.ManifestRow{Row: row.row, Line: row.line, Status: batch.StatusFailed, Error: oneLine(row.err)})
			continue
		}
		start := time.Now()
		p, err := tpl.Piece(r.Context(), row.fields)
		s.metrics.renderSeconds.Observe(time.Since(start).Seconds())
		if err != nil {
			s.metrics.syncPieces.WithLabelValues("failed").Inc()
			manifest = append(manifest, batch.ManifestRow{Row: row.row, Line: row.line, Status: batch.StatusFailed, Error: oneLine(err)})
			continue
		}
		s.metrics.syncPieces.WithLabelValues("done").Inc()
		name := batch.PieceName(row.row, 4, row.name, p.Ext)
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: time.Now()})
		if err != nil {
			return err
		}
		fw.Write(p.Data)
		manifest = append(manifest, batch.ManifestRow{Row: row.row, Line: row.line, Status: batch.StatusDone, File: name})
	}
	mw, err := zw.Create("manifest.csv")
	if err != nil {
		return err
	}
	if err := batch.WriteManifest(mw, manifest); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="pieces.zip"`)
	_, err = w.Write(buf.Bytes())
	return err
}

func contentType(ext string) string {
	switch ext {
	case ".png":
		return "image/png"
	case ".jpg":
		return "image/jpeg"
	case ".pdf":
		return "application/pdf"
	}
	return "application/octet-stream"
}

// renderOptions are the synchronous renders' options; one image cache
// per request keeps repeated artwork decoded once.
func (s *Server) renderOptions() render.Options {
	ro := s.cfg.Render
	ro.Cache = render.NewImageCache(0)
	return ro
}

// proofs renders the first rows at preview size (at most 600 px wide) as
// PNG data URLs, to check a mapping before starting a job.
func (s *Server) proofs(w http.ResponseWriter, r *http.Request) error {
	in, err := s.readInput(r)
	if err != nil {
		return err
	}
	if err := csvOrError(in); err != nil {
		return err
	}
	n := s.cfg.ProofRows
	if q := r.URL.Query().Get("rows"); q != "" {
		fmt.Sscanf(q, "%d", &n)
		n = max(1, min(n, 20))
	}
	in.spec.Options.Format, in.spec.Options.Merge = batch.FormatPNG, false
	in.spec.Options.DPI, in.spec.Options.Scale = 0, 0
	c, err := s.compile(in.spec)
	if err != nil {
		return err
	}
	rows, err := syncRecipients(in, c, n)
	if err != nil {
		return err
	}
	if len(rows) > n {
		rows = rows[:n]
	}
	ro := s.renderOptions()
	tpl := c.Template(ro)
	tpl.Render.Scale = min(1, 600/c.Spec.Width)
	type proof struct {
		Row   int    `json:"row"`
		Line  int    `json:"line"`
		Name  string `json:"name,omitempty"`
		PNG   string `json:"png,omitempty"`
		Error string `json:"error,omitempty"`
	}
	out := []proof{}
	for _, row := range rows {
		p := proof{Row: row.row, Line: row.line, Name: row.name}
		if row.err != nil {
			p.Error = oneLine(row.err)
		} else if piece, err := tpl.Piece(r.Context(), row.fields); err != nil {
			p.Error = oneLine(err)
		} else {
			p.PNG = "data:image/png;base64," + base64.StdEncoding.EncodeToString(piece.Data)
		}
		out = append(out, p)
	}
	writeJSON(w, http.StatusOK, map[string]any{"proofs": out, "fields": c.Fields})
	return nil
}
