package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/internal/atomicfile"
	"github.com/fabricpress/fabricpress/render"
)

// storedTemplate is a template kept for reuse by jobs (template_id).
type storedTemplate struct {
	ID        string    `json:"id"`
	Owner     string    `json:"-"`
	Name      string    `json:"name"`
	Width     float64   `json:"width"`
	Height    float64   `json:"height"`
	CreatedAt time.Time `json:"createdAt"`
	Bytes     int       `json:"bytes"`
}

// templateStore keeps templates as files: DATA/templates/ID.json (the
// Fabric JSON) and ID.meta.json, written atomically. It is safe for
// concurrent use.
type templateStore struct {
	dir string
	mu  sync.Mutex
}

var templateID = regexp.MustCompile(`^t[0-9a-f]{16}$`)

func newTemplateStore(dataDir string) (*templateStore, error) {
	if dataDir == "" {
		return &templateStore{}, nil
	}
	dir := filepath.Join(dataDir, "templates")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &templateStore{dir: dir}, nil
}

func (ts *templateStore) save(t *storedTemplate, data []byte) error {
	if ts.dir == "" {
		return errorf(http.StatusServiceUnavailable, "no_storage", "templates need a data folder")
	}
	meta, _ := json.Marshal(struct {
		*storedTemplate
		Owner string `json:"owner"`
	}{t, t.Owner})
	if err := atomicfile.WriteBytes(filepath.Join(ts.dir, t.ID+".json"), data); err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(ts.dir, t.ID+".meta.json"), meta)
}

func (ts *templateStore) get(owner, id string) (*storedTemplate, []byte, error) {
	if ts.dir == "" || !templateID.MatchString(id) {
		return nil, nil, errorf(http.StatusNotFound, "not_found", "no template %q", id)
	}
	meta, err := os.ReadFile(filepath.Join(ts.dir, id+".meta.json"))
	if err != nil {
		return nil, nil, errorf(http.StatusNotFound, "not_found", "no template %q", id)
	}
	var t struct {
		storedTemplate
		Owner string `json:"owner"`
	}
	if err := json.Unmarshal(meta, &t); err != nil {
		return nil, nil, err
	}
	if t.Owner != owner {
		return nil, nil, errorf(http.StatusNotFound, "not_found", "no template %q", id)
	}
	data, err := os.ReadFile(filepath.Join(ts.dir, id+".json"))
	if err != nil {
		return nil, nil, err
	}
	st := t.storedTemplate
	st.Owner = t.Owner
	return &st, data, nil
}

func (ts *templateStore) list(owner string) ([]*storedTemplate, error) {
	if ts.dir == "" {
		return nil, nil
	}
	files, _ := filepath.Glob(filepath.Join(ts.dir, "*.meta.json"))
	var out []*storedTemplate
	for _, f := range files {
		id := filepath.Base(f)
		id = id[:len(id)-len(".meta.json")]
		t, _, err := ts.get(owner, id)
		if err == nil {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

func (ts *templateStore) remove(owner, id string) error {
	if _, _, err := ts.get(owner, id); err != nil {
		return err
	}
	os.Remove(filepath.Join(ts.dir, id+".meta.json"))
	return os.Remove(filepath.Join(ts.dir, id+".json"))
}

// createTemplate stores a template: multipart (name, template file, width,
// height) or JSON {name, template, width, height}.
func (s *Server) createTemplate(w http.ResponseWriter, r *http.Request) error {
	in, err := s.readInput(r)
	if err != nil {
		return err
	}
	if len(in.spec.Template) == 0 {
		return errorf(http.StatusBadRequest, "invalid_request", "template is required")
	}
	c, err := fabric.Parse(in.spec.Template, &fabric.ParseOptions{Limits: s.cfg.Limits})
	if err != nil {
		return classify(fmt.Errorf("template: %w", err))
	}
	wd, ht := in.spec.Width, in.spec.Height
	if wd == 0 && ht == 0 {
		wd, ht = c.Width, c.Height
	}
	if !(wd > 0 && ht > 0) {
		return errorf(http.StatusBadRequest, "invalid_request", "width and height (the canvas size in px) are required")
	}
	t := &storedTemplate{ID: "t" + newID(), Owner: owner(r), Name: in.name, Width: wd, Height: ht, CreatedAt: time.Now().UTC(), Bytes: len(in.spec.Template)}
	if t.Name == "" {
		t.Name = t.ID
	}
	if err := s.templates.save(t, in.spec.Template); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/templates/"+t.ID)
	writeJSON(w, http.StatusCreated, templateView(t))
	return nil
}

func templateView(t *storedTemplate) map[string]any {
	return map[string]any{
		"id": t.ID, "name": t.Name, "width": t.Width, "height": t.Height, "createdAt": t.CreatedAt, "bytes": t.Bytes,
		"links": map[string]string{"self": "/api/v1/templates/" + t.ID, "thumbnail": "/api/v1/templates/" + t.ID + "/thumbnail.png"},
	}
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.templates.list(owner(r))
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, t := range ts {
		out = append(out, templateView(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": out})
	return nil
}

func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request) error {
	t, data, err := s.templates.get(owner(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	v := templateView(t)
	v["template"] = json.RawMessage(data)
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) deleteTemplate(w http.ResponseWriter, r *http.Request) error {
	if err := s.templates.remove(owner(r), mux.Vars(r)["id"]); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// templateThumbnail renders the template (placeholders as they are) at
// most 320 px wide.
func (s *Server) templateThumbnail(w http.ResponseWriter, r *http.Request) error {
	t, data, err := s.templates.get(owner(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	c, err := fabric.Parse(data, &fabric.ParseOptions{Limits: s.cfg.Limits})
	if err != nil {
		return classify(err)
	}
	ro := s.cfg.Render
	ro.Width, ro.Height = t.Width, t.Height
	ro.Scale = min(1, 320/t.Width)
	ro.FontFallback, ro.SkipBrokenImages = true, true
	plan, err := render.Compile(r.Context(), c, ro)
	if err != nil {
		return classify(err)
	}
	img, err := plan.Render(r.Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, err = io.Copy(w, &buf)
	return err
}

// StoreTemplate stores a template file for owner (the command uses it to
// offer the sample postcard) and returns its id. A template of the same
// name and owner is replaced.
func (s *Server) StoreTemplate(owner, name, path string, width, height float64) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	c, err := fabric.Parse(data, &fabric.ParseOptions{Limits: s.cfg.Limits})
	if err != nil {
		return "", err
	}
	if width == 0 && height == 0 {
		width, height = c.Width, c.Height
	}
	if !(width > 0 && height > 0) {
		return "", fmt.Errorf("%s: the canvas size is required", path)
	}
	if old, _ := s.templates.list(owner); old != nil {
		for _, t := range old {
			if t.Name == name {
				s.templates.remove(owner, t.ID)
			}
		}
	}
	t := &storedTemplate{ID: "t" + newID(), Owner: owner, Name: name, Width: width, Height: height, CreatedAt: time.Now().UTC(), Bytes: len(data)}
	return t.ID, s.templates.save(t, data)
}
