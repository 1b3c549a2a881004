package batch_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/asset"
	"github.com/fabricpress/fabricpress/render/code"
)

func TestPermanent(t *testing.T) {
	timeout := &net.OpError{Op: "dial", Net: "tcp", Err: &timeoutErr{}}
	for _, tt := range []struct {
		name      string
		err       error
		permanent bool
	}{
		{"nil", nil, false},
		{"missing field", fmt.Errorf("%w first_name", batch.ErrMissingField), true},
		{"placeholder", &fabric.MissingFieldError{Missing: []string{"objects[2]: {{zip}}"}}, true},
		{"bind error", &fabric.BindError{Path: "objects[3]", Name: "photo", Err: errors.New("bad fit")}, true},
		{"template path", &fabric.Error{Path: "objects[1].fill", Err: errors.New("bad colour")}, true},
		{"QR capacity", fmt.Errorf("objects[9] (qr): %w", code.ErrCapacity), true},
		{"image refused", &fabric.Error{Path: "objects[2].src", Err: &asset.Error{Source: "http://10.0.0.1/a.png", Kind: asset.ErrNotAllowed, Msg: "private address"}}, true},
		{"image not an image", &asset.Error{Source: "a.txt", Kind: asset.ErrNotImage, Msg: "not an image"}, true},
		{"image too large", &asset.Error{Source: "a.png", Kind: asset.ErrTooLarge, Msg: "too large"}, true},
		{"local image missing", &asset.Error{Source: "a.png", Msg: "file not found", Err: fs.ErrNotExist}, true},
		{"image does not decode", &fabric.Error{Path: "objects[2].src", Err: errors.New("cannot decode image: unexpected EOF")}, true},
		{"unknown", errors.New("something odd"), true},
		{"remote image timeout", &fabric.Error{Path: "objects[2].src", Err: &asset.Error{Source: "https://cdn/a.png", Msg: "timed out", Err: context.DeadlineExceeded}}, false},
		{"net timeout", &asset.Error{Source: "https://cdn/a.png", Msg: "dial", Err: timeout}, false},
		{"connection refused", fmt.Errorf("get: %w", syscall.ECONNREFUSED), false},
		{"HTTP 503", &asset.Error{Source: "https://cdn/a.png", Msg: "HTTP status 503 Service Unavailable"}, false},
		{"HTTP 429", &asset.Error{Source: "https://cdn/a.png", Msg: "HTTP status 429 Too Many Requests"}, false},
		{"HTTP 404", &asset.Error{Source: "https://cdn/a.png", Msg: "HTTP status 404 Not Found"}, true},
		{"disk full", &fs.PathError{Op: "write", Path: "/out/x.png", Err: syscall.ENOSPC}, false},
		{"I/O error", &os.PathError{Op: "fsync", Path: "/out/x.png", Err: syscall.EIO}, false},
		{"marked transient", batch.Transient(errors.New("cannot decode image: the CDN sent half a file")), false},
		{"transient wrapping a permanent cause", batch.Transient(fmt.Errorf("%w zip", batch.ErrMissingField)), false},
		{"wrapped transient", fmt.Errorf("row 3: %w", batch.Transient(errors.New("flaky"))), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := batch.Permanent(tt.err); got != tt.permanent {
				t.Errorf("Permanent(%v) = %t, want %t", tt.err, got, tt.permanent)
			}
		})
	}
	if batch.Transient(nil) != nil {
		t.Error("Transient(nil) is not nil")
	}
	inner := errors.New("inner")
	if err := batch.Transient(inner); !errors.Is(err, inner) || err.Error() != "inner" {
		t.Errorf("Transient hides its error: %v", err)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestDefaultBackoff(t *testing.T) {
	for attempt, base := range map[int]time.Duration{
		0: time.Second, 1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 5: 16 * time.Second,
		9: 256 * time.Second, 10: 5 * time.Minute, 64: 5 * time.Minute, 1000: 5 * time.Minute,
	} {
		lo, hi := time.Duration(float64(base)*0.8), min(time.Duration(float64(base)*1.2), 5*time.Minute)
		seen := map[time.Duration]bool{}
		for range 50 {
			d := batch.DefaultBackoff(attempt)
			if d < lo || d > hi {
				t.Errorf("DefaultBackoff(%d) = %v, want %v to %v", attempt, d, lo, hi)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("DefaultBackoff(%d): %d distinct delays in 50, want jitter", attempt, len(seen))
		}
	}
}

// flakyImages is an image loader whose sources behave as a remote host
// would: ok.png loads, flaky.png times out a few times first, down.png
// answers 503 for ever and broken.png is not an image. Everything else
// (the template's data URLs) goes to a real loader.
type flakyImages struct {
	png      []byte
	fallback render.ImageLoader

	mu    sync.Mutex
	fails int  // flaky.png failures left
	up    bool // down.png is back up
	calls map[string][]time.Time
}

func newFlakyImages(fails int) *flakyImages {
	img := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 0xc0
	}
	img.Set(1, 1, color.Black)
	var b bytes.Buffer
	png.Encode(&b, img)
	return &flakyImages{png: b.Bytes(), fallback: asset.New(asset.Options{}), fails: fails, calls: map[string][]time.Time{}}
}

func (f *flakyImages) Load(ctx context.Context, src string) ([]byte, error) {
	if strings.HasPrefix(src, "data:") {
		return f.fallback.Load(ctx, src)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[src] = append(f.calls[src], time.Now())
	switch src {
	case "ok.png":
		return f.png, nil
	case "flaky.png":
		if f.fails > 0 {
			f.fails--
			return nil, &asset.Error{Source: src, Msg: "timed out", Err: context.DeadlineExceeded}
		}
		return f.png, nil
	case "down.png":
		if f.up {
			return f.png, nil
		}
		return nil, &asset.Error{Source: src, Msg: "HTTP status 503 Service Unavailable"}
	case "broken.png":
		return []byte("<html>not an image</html>"), nil
	}
	return nil, &asset.Error{Source: src, Kind: asset.ErrNotAllowed, Msg: "unknown test source"}
}

func (f *flakyImages) times(src string) []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.calls[src]...)
}

// photoJob is a job of the sample postcard whose hero image comes from
// each row's photo column.
func photoJob(t *testing.T, st batch.Store, maxAttempts int, photos ...string) batch.Job {
	t.Helper()
	spec := sampleSpec(t, 0.05, func(s *batch.Spec) {
		s.Mapping = []byte(`{"qr": {"qr": "https://brightside.example/r/{{id}}"}, "hero": {"image": "photo"}}`)
	})
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"id", "first_name", "last_name", "address1", "city", "state", "zip", "offer_code", "photo"})
	for i, p := range photos {
		w.Write([]string{fmt.Sprintf("ID-%d", i+1), "Ann", fmt.Sprintf("Lee %d", i+1), "1 Main St", "Austin", "TX", "78701", "CODE", p})
	}
	w.Flush()
	return newJob(t, st, "photos", spec, b.Bytes(), func(j *batch.Job) { j.MaxAttempts = maxAttempts })
}

// TestRunnerRetry: an image that times out three times is tried again
// with growing delays and succeeds on the fourth attempt; an image host
// that stays down fails its recipient after MaxAttempts; a permanent
// failure (not an image) is tried once.
func TestRunnerRetry(t *testing.T) {
	st := openStore(t)
	out := t.TempDir()
	images := newFlakyImages(3)
	j := photoJob(t, st, 4, "ok.png", "flaky.png", "down.png", "broken.png")

	var mu sync.Mutex
	var attempts []int
	r := newRunner(t, st, out)
	r.Render.Images = images
	r.Backoff = func(n int) time.Duration {
		mu.Lock()
		attempts = append(attempts, n)
		mu.Unlock()
		return 40 * time.Millisecond << (n - 1) // 40, 80, 160 ms
	}
	start(t, r)
	j = waitJob(t, st, j.ID, 3*time.Minute, "finished", terminal)
	if j.State != batch.JobCompletedWithErrors || j.Done != 2 || j.Failed != 2 {
		t.Fatalf("job: %s %d done %d failed", j.State, j.Done, j.Failed)
	}
	rs := recipients(t, st, j.ID)
	if r := rs[0]; r.State != batch.RecipientDone || r.Attempts != 1 {
		t.Errorf("ok.png: %s after %d attempts", r.State, r.Attempts)
	}
	if r := rs[1]; r.State != batch.RecipientDone || r.Attempts != 4 || r.LastError != "" {
		t.Errorf("flaky.png: %s after %d attempts (%q), want done after 4", r.State, r.Attempts, r.LastError)
	}
	if r := rs[2]; r.State != batch.RecipientFailed || r.Permanent || r.Attempts != 4 || !strings.Contains(r.LastError, "503") {
		t.Errorf("down.png: %s permanent %t after %d attempts (%q), want failed after 4", r.State, r.Permanent, r.Attempts, r.LastError)
	}
	if r := rs[3]; r.State != batch.RecipientFailed || !r.Permanent || r.Attempts != 1 {
		t.Errorf("broken.png: %s permanent %t after %d attempts (%q), want failed at once", r.State, r.Permanent, r.Attempts, r.LastError)
	}
	if n := len(images.times("broken.png")); n != 1 {
		t.Errorf("broken.png loaded %d times, want once", n)
	}
	// Delays grow: the runner asked Backoff for attempts 1, 2 and 3 of
	// each retried row (40, 80 and 160 ms), and each retry waited at least
	// its backoff.
	calls := images.times("flaky.png")
	if len(calls) != 4 {
		t.Fatalf("flaky.png loaded %d times, want 4", len(calls))
	}
	for i := 1; i < len(calls); i++ {
		gap := calls[i].Sub(calls[i-1])
		want := 40 * time.Millisecond << (i - 1)
		t.Logf("attempt %d after %v (backoff %v)", i+1, gap, want)
		if gap < want {
			t.Errorf("attempt %d came %v after the previous, before its backoff of %v", i+1, gap, want)
		}
	}
	if n := len(images.times("down.png")); n != 4 {
		t.Errorf("down.png loaded %d times, want 4", n)
	}
	mu.Lock()
	slices.Sort(attempts)
	if !slices.Equal(attempts, []int{1, 1, 2, 2, 3, 3}) {
		t.Errorf("Backoff asked for attempts %v, want 1, 2 and 3 of each retried row", attempts)
	}
	mu.Unlock()
	checkOutputs(t, st, out, j, true)
}

// TestRunnerRetryFailed: after a job completed with errors, RetryFailed
// queues its failed recipients again and the runner renders only those,
// rebuilds the ZIP and notifies again.
func TestRunnerRetryFailed(t *testing.T) {
	st := openStore(t)
	out := t.TempDir()
	ctx := context.Background()
	images := newFlakyImages(0)
	j := photoJob(t, st, 1, "ok.png", "down.png", "ok.png", "broken.png")
	err := st.UpdateJob(ctx, j.ID, func(j *batch.Job) error {
		var spec map[string]any
		json.Unmarshal(j.Spec, &spec)
		spec["options"].(map[string]any)["webhookUrl"] = "https://hooks.example.com/x"
		j.Spec, _ = json.Marshal(spec)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := newRunner(t, st, out)
	r.Render.Images = images
	start(t, r)
	j = waitJob(t, st, j.ID, 3*time.Minute, "finished", terminal)
	if j.State != batch.JobCompletedWithErrors || j.Done != 2 || j.Failed != 2 {
		t.Fatalf("first run: %s %d done %d failed", j.State, j.Done, j.Failed)
	}
	images.mu.Lock()
	images.up = true
	images.mu.Unlock()
	if n, err := st.RetryFailed(ctx, j.ID); err != nil || n != 2 {
		t.Fatalf("RetryFailed = %d, %v", n, err)
	}
	j = waitJob(t, st, j.ID, 3*time.Minute, "finished again", func(j batch.Job) bool { return j.State.Terminal() && j.Done == 3 })
	if j.State != batch.JobCompletedWithErrors || j.Failed != 1 {
		t.Errorf("second run: %s %d done %d failed", j.State, j.Done, j.Failed)
	}
	if n := len(images.times("ok.png")); n != 1 {
		t.Errorf("ok.png loaded %d times: done rows were rendered again", n) // cached after the first
	}
	checkOutputs(t, st, out, j, true)
	var completed int
	deadline := time.Now().Add(5 * time.Second)
	for completed < 2 && time.Now().Before(deadline) {
		notes, _ := st.Notifications(ctx, j.ID)
		completed = 0
		for _, n := range notes {
			if n.Event == batch.EventJobCompleted {
				completed++
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if completed != 2 {
		t.Errorf("%d job.completed notifications, want one per run", completed)
	}
}
