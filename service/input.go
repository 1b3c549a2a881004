package service

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/fabric"
)

// input is what job, render, proof and template requests carry.
type input struct {
	spec       batch.Spec
	name       string
	templateID string
	csv        []byte // the recipients as CSV (from a file, or made from JSON)
	hasCSV     bool
}

// jsonInput is the JSON body form.
type jsonInput struct {
	Template   json.RawMessage     `json:"template"`
	Back       json.RawMessage     `json:"back"`
	TemplateID string              `json:"template_id"`
	Width      float64             `json:"width"`
	Height     float64             `json:"height"`
	Mapping    json.RawMessage     `json:"mapping"`
	Options    json.RawMessage     `json:"options"`
	Name       string              `json:"name"`
	Recipients []map[string]string `json:"recipients"`
}

// readInput reads a multipart or JSON request body within the size
// limits, resolving template_id against the owner's stored templates.
func (s *Server) readInput(r *http.Request) (*input, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, s.cfg.MaxBodyBytes)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	in := &input{}
	var rawOptions json.RawMessage
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return nil, bodyError(err)
		}
		defer r.MultipartForm.RemoveAll()
		f := r.MultipartForm
		val := func(k string) string {
			if v := f.Value[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		file := func(k string, limit int64) ([]byte, bool, error) {
			if fh := f.File[k]; len(fh) > 0 {
				if fh[0].Size > limit {
					return nil, true, errorf(http.StatusRequestEntityTooLarge, "too_large", "%s is %d bytes, more than the limit of %d", k, fh[0].Size, limit)
				}
				rd, err := fh[0].Open()
				if err != nil {
					return nil, true, err
				}
				defer rd.Close()
				b, err := io.ReadAll(io.LimitReader(rd, limit+1))
				return b, true, err
			}
			if v, ok := f.Value[k]; ok && len(v) > 0 {
				if int64(len(v[0])) > limit {
					return nil, true, errorf(http.StatusRequestEntityTooLarge, "too_large", "%s is %d bytes, more than the limit of %d", k, len(v[0]), limit)
				}
				return []byte(v[0]), true, nil
			}
			return nil, false, nil
		}
		var err error
		if in.spec.Template, _, err = file("template", s.cfg.MaxTemplate); err != nil {
			return nil, err
		}
		if in.spec.Back, _, err = file("back", s.cfg.MaxTemplate); err != nil {
			return nil, err
		}
		if in.csv, in.hasCSV, err = file("csv", s.cfg.MaxCSV); err != nil {
			return nil, err
		}
		if m, _, err := file("mapping", 1<<20); err != nil {
			return nil, err
		} else if len(bytes.TrimSpace(m)) > 0 {
			in.spec.Mapping = m
		}
		if o, _, err := file("options", 1<<20); err != nil {
			return nil, err
		} else {
			rawOptions = o
		}
		in.templateID, in.name = val("template_id"), val("name")
		for _, dim := range []struct {
			key string
			dst *float64
		}{{"width", &in.spec.Width}, {"height", &in.spec.Height}} {
			if v := strings.TrimSpace(val(dim.key)); v != "" {
				n, err := strconv.ParseFloat(v, 64)
				if err != nil || n <= 0 || n > 100000 {
					return nil, errorf(http.StatusBadRequest, "invalid_request", "%s %q is not a canvas size in px", dim.key, v)
				}
				*dim.dst = n
			}
		}
	case "application/json":
		var j jsonInput
		dec := json.NewDecoder(r.Body)
		if err := dec.Decode(&j); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, bodyError(err)
			}
			return nil, errorf(http.StatusBadRequest, "invalid_json", "request body: %v", err)
		}
		tpl := j.Template
		// A template may come as a JSON string holding the document.
		if len(tpl) > 0 && tpl[0] == '"' {
			var sv string
			if err := json.Unmarshal(tpl, &sv); err == nil {
				tpl = json.RawMessage(sv)
			}
		}
		if int64(len(tpl)) > s.cfg.MaxTemplate {
			return nil, errorf(http.StatusRequestEntityTooLarge, "too_large", "template is %d bytes, more than the limit of %d", len(tpl), s.cfg.MaxTemplate)
		}
		in.spec.Template, in.spec.Back, in.spec.Width, in.spec.Height = tpl, j.Back, j.Width, j.Height
		if len(j.Mapping) > 0 && string(j.Mapping) != "null" {
			in.spec.Mapping = j.Mapping
		}
		rawOptions, in.templateID, in.name = j.Options, j.TemplateID, j.Name
		if j.Recipients != nil {
			in.hasCSV = true
			in.csv = recipientsCSV(j.Recipients)
		}
	case "":
		return nil, errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send multipart/form-data or application/json")
	default:
		return nil, errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "content type %q: send multipart/form-data or application/json", ct)
	}
	if len(bytes.TrimSpace(rawOptions)) > 0 && string(rawOptions) != "null" {
		dec := json.NewDecoder(bytes.NewReader(rawOptions))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in.spec.Options); err != nil {
			return nil, errorf(http.StatusBadRequest, "invalid_options", "options: %v", err)
		}
	}
	if in.name != "" && in.spec.Options.Name == "" {
		in.spec.Options.Name = in.name
	}
	if in.templateID != "" {
		if len(in.spec.Template) > 0 {
			return nil, errorf(http.StatusBadRequest, "invalid_request", "give template or template_id, not both")
		}
		t, data, err := s.templates.get(owner(r), in.templateID)
		if err != nil {
			return nil, err
		}
		in.spec.Template = data
		if in.spec.Width == 0 && in.spec.Height == 0 {
			in.spec.Width, in.spec.Height = t.Width, t.Height
		}
	}
	return in, nil
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "request body is larger than %d bytes", mbe.Limit)
	}
	return errorf(http.StatusBadRequest, "invalid_request", "request body: %v", err)
}

// recipientsCSV turns inline JSON recipients into CSV (columns: every key,
// sorted) so they travel the same road as uploaded files.
func recipientsCSV(recs []map[string]string) []byte {
	keys := map[string]bool{}
	for _, r := range recs {
		for k := range r {
			keys[k] = true
		}
	}
	header := make([]string, 0, len(keys))
	for k := range keys {
		header = append(header, k)
	}
	sort.Strings(header)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(header)
	for _, r := range recs {
		row := make([]string, len(header))
		for i, k := range header {
			row[i] = r[k]
		}
		w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// compile checks the spec and answers 400 with the JSON path at fault.
func (s *Server) compile(spec batch.Spec) (*batch.Compiled, error) {
	c, err := spec.Compile(&fabric.ParseOptions{Limits: s.cfg.Limits}, s.cfg.Render.MaxOutputPixels)
	if err != nil {
		return nil, classify(err)
	}
	return c, nil
}

func csvOrError(in *input) error {
	if !in.hasCSV {
		return errorf(http.StatusBadRequest, "invalid_request", "csv (a file with a header row) or recipients is required")
	}
	if len(bytes.TrimSpace(in.csv)) == 0 {
		return errorf(http.StatusUnprocessableEntity, "invalid_csv", "line 1: the CSV is empty: a header row is required")
	}
	return nil
}
