package batch_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
	"github.com/fabricpress/fabricpress/render"
)

// crashEnv names the folder of the crash test's store and outputs in the
// environment of a child process.
const crashEnv = "FABRICPRESS_CRASH_DIR"

// crashReady is what a child prints once its runner works.
const crashReady = "crash-child: running"

// Crash test sizes.
const (
	crashRows   = 2000
	crashKills  = 20
	crashBudget = 3 * time.Minute
)

// quickPiece stands in for rendering under the race detector: it checks
// the record as rendering would (bad rows still fail, with the same
// errors) and returns a small PNG whose pixels spell the row number.
func quickPiece(ctx context.Context, t *batch.Template, rec batch.Recipient) (*batch.Piece, error) {
	if err := t.Validate(rec.Fields); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	img.Set(0, 0, color.NRGBA{uint8(rec.Row >> 16), uint8(rec.Row >> 8), uint8(rec.Row), 0xff})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return &batch.Piece{Data: b.Bytes(), Ext: ".png"}, nil
}

// TestCrashChild is the child process of TestCrash: it runs a Runner over
// the bbolt store in $FABRICPRESS_CRASH_DIR until the job there is
// finished. Run alone, it does nothing.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("the child process of TestCrash")
	}
	st, err := bolt.Open(filepath.Join(dir, "state.db"), &bolt.Options{LockTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &batch.Runner{
		Store:     st,
		Render:    render.Options{Fonts: sampleFonts(t)},
		OutputDir: filepath.Join(dir, "out"),
		Workers:   2,
		ChunkSize: 16,
		Lease:     time.Second,
		Poll:      50 * time.Millisecond,
		Logger:    testLogger(t),
	}
	if raceEnabled {
		batch.SetPieceHook(r, quickPiece)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	fmt.Println(crashReady)
	for {
		jobs, _, err := st.ListJobs(ctx, batch.JobFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) == 1 && jobs[0].State.Terminal() {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// child is one run of TestCrashChild.
type child struct {
	cmd    *exec.Cmd
	ready  chan struct{}
	exited chan error
	mu     sync.Mutex
	out    bytes.Buffer
}

func startChild(t *testing.T, dir string) *child {
	t.Helper()
	c := &child{ready: make(chan struct{}), exited: make(chan error, 1)}
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.v")
	c.cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	pr, pw := io.Pipe()
	c.cmd.Stdout, c.cmd.Stderr = pw, pw
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, crashReady) {
				once.Do(func() { close(c.ready) })
			}
			c.mu.Lock()
			c.out.WriteString(line + "\n")
			c.mu.Unlock()
		}
	}()
	go func() {
		err := c.cmd.Wait()
		pw.Close()
		c.exited <- err
	}()
	return c
}

func (c *child) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

// TestCrash runs a 2,000-recipient job in child processes killed with
// SIGKILL at random moments, 20 times in a row, then lets one finish: the
// output holds exactly one valid piece per good recipient, the manifest
// agrees with the store, and no temporary file is left.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: skipped with -short")
	}
	sampleFonts(t)
	dir := t.TempDir()
	st, err := bolt.Open(filepath.Join(dir, "state.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	j := newJob(t, st, "crash", sampleSpec(t, 0.05, nil), sampleRows(t, crashRows), nil)
	st.Close()

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 7))
	t.Logf("seed %d", seed)
	began := time.Now()
	giveUp := began.Add(crashBudget)
	kills, early := 0, 0
	for kills < crashKills {
		if time.Now().After(giveUp) {
			t.Fatalf("gave up after %v: %d of %d kills done", crashBudget, kills, crashKills)
		}
		c := startChild(t, dir)
		// Most kills land while the runner works; one in five may land
		// anywhere from the start (opening the store, compiling).
		wait := c.ready
		if rng.IntN(5) == 0 {
			wait = nil
		}
		delay := time.Duration(rng.IntN(400)) * time.Millisecond
		if wait != nil {
			select {
			case <-wait:
			case err := <-c.exited:
				t.Fatalf("child %d ended before it ran (%v):\n%s", kills+1, err, c.output())
			case <-time.After(time.Until(giveUp)):
				c.cmd.Process.Kill()
				t.Fatalf("child %d did not start:\n%s", kills+1, c.output())
			}
		}
		select {
		case <-time.After(delay):
			if err := c.cmd.Process.Kill(); err != nil {
				t.Fatalf("kill: %v", err)
			}
			err := <-c.exited
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				// It ended on its own just before the kill.
				t.Logf("child %d finished before its kill: %v", kills+1, err)
				early++
			}
			kills++
		case err := <-c.exited:
			if err != nil {
				t.Fatalf("child %d failed: %v\n%s", kills+1, err, c.output())
			}
			t.Fatalf("the job finished after %d kills, before all %d: make it bigger", kills, crashKills)
		}
	}
	st, err = bolt.Open(filepath.Join(dir, "state.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	mid, _ := st.GetJob(context.Background(), j.ID)
	st.Close()
	t.Logf("%d kills in %v; then %s with %d done, %d failed of %d", kills, time.Since(began).Round(time.Millisecond), mid.State, mid.Done, mid.Failed, mid.Total)
	if mid.State.Terminal() {
		t.Errorf("the job finished while it was being killed; the later kills tested nothing")
	}

	// Let the last one finish.
	c := startChild(t, dir)
	select {
	case err := <-c.exited:
		if err != nil {
			t.Fatalf("final child: %v\n%s", err, c.output())
		}
	case <-time.After(time.Until(giveUp)):
		c.cmd.Process.Kill()
		t.Fatalf("gave up after %v: the final child did not finish:\n%s", crashBudget, c.output())
	}
	t.Logf("finished after %v", time.Since(began).Round(time.Millisecond))

	st, err = bolt.Open(filepath.Join(dir, "state.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	j, err = st.GetJob(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	bad := badSampleRows(t)
	wantFailed := 0
	for row := 1; row <= crashRows; row++ {
		if bad[(row-1)%len(bad)+1] {
			wantFailed++
		}
	}
	if j.State != batch.JobCompletedWithErrors || j.Total != crashRows || j.Failed != wantFailed || j.Done != crashRows-wantFailed {
		t.Fatalf("job: %s, %d done, %d failed of %d; want completed_with_errors with %d failed", j.State, j.Done, j.Failed, j.Total, wantFailed)
	}
	rs := recipients(t, st, j.ID)
	out := filepath.Join(dir, "out")
	pieces := filepath.Join(batch.JobDir(out, j.ID), "pieces")
	want := map[string]int{}
	for _, r := range rs {
		isBad := bad[(r.Row-1)%len(bad)+1]
		switch {
		case r.State == batch.RecipientDone && !isBad:
			if r.Attempts != 1 {
				t.Errorf("row %d: done after %d committed attempts", r.Row, r.Attempts)
			}
			want[filepath.Base(r.Output)] = r.Row
		case r.State == batch.RecipientFailed && isBad:
			if !r.Permanent || r.Attempts > 1 {
				t.Errorf("bad row %d: permanent %t after %d attempts", r.Row, r.Permanent, r.Attempts)
			}
		default:
			t.Errorf("row %d (bad %t) is %s: %q", r.Row, isBad, r.State, r.LastError)
		}
	}
	ents, err := os.ReadDir(pieces)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(want) {
		t.Errorf("%d files in pieces/, want one per good recipient: %d", len(ents), len(want))
	}
	for _, e := range ents {
		row, ok := want[e.Name()]
		if !ok {
			t.Errorf("pieces/%s belongs to no done recipient", e.Name())
			continue
		}
		b, err := os.ReadFile(filepath.Join(pieces, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("row %d: %s does not decode: %v", row, e.Name(), err)
		}
	}
	checkOutputs(t, st, out, j, true)
}

// badSampleRows returns the rows of the sample CSV (1 to 500) that fail:
// the lines listed in recipients.bad.txt, as row numbers.
func badSampleRows(tb testing.TB) map[int]bool {
	tb.Helper()
	lines := badLines(tb)
	rd, err := batch.NewReader(bytes.NewReader(mustRead(tb, sampleCSV)), batch.ReaderOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	bad := map[int]bool{}
	n := 0
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		var re *batch.RowError
		switch {
		case errors.As(err, &re):
			n = re.Row
			bad[re.Row] = lines[re.Line]
		case err != nil:
			tb.Fatal(err)
		default:
			n = rec.Row
			bad[rec.Row] = lines[rec.Line]
		}
	}
	count := 0
	for _, b := range bad {
		if b {
			count++
		}
	}
	if count != len(lines) || n != len(bad) {
		tb.Fatalf("%d bad rows found for %d bad lines (%d rows)", count, len(lines), n)
	}
	return bad
}
