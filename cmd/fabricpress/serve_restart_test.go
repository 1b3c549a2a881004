package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test start this binary as the fabricpress command: with
// FABRICPRESS_AS_COMMAND=1 it runs the command line after "--".
func TestMain(m *testing.M) {
	if os.Getenv("FABRICPRESS_AS_COMMAND") == "1" {
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, args, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "fabricpress:", err)
			os.Exit(exitCode(err))
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startServe starts `fabricpress serve` in a child process and returns it
// with its base URL once it listens.
func startServe(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--", "serve", "-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "FABRICPRESS_AS_COMMAND=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "fabricpress listening on "); ok {
				urls <- u
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case u := <-urls:
		return cmd, u
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start in 60s; stderr:\n%s", stderr.String())
	}
	return nil, ""
}

type jobStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Total  int    `json:"total"`
	Done   int    `json:"done"`
	Failed int    `json:"failed"`
}

func getJob(t *testing.T, base, id string) jobStatus {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/jobs/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j jobStatus
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET job %s: %d, %v", id, resp.StatusCode, err)
	}
	return j
}

// The service is killed with SIGKILL in the middle of a job and started
// again on the same data: the job completes, every recipient exactly once.
func TestServeRestartAfterKill(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-data", filepath.Join(dir, "data"), "-output", filepath.Join(dir, "out"),
		"-fonts", "../../testdata/corpus/fonts.json", "-assets", "../../testdata/sample", "-workers", "2"}

	// The first 150 lines of the sample CSV (a quoted field spans two
	// lines), with its bad row at line 38.
	full, err := os.ReadFile("../../testdata/sample/recipients.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(full), "\n")
	csvText := strings.Join(lines[:151], "")

	cmd, base := startServe(t, args...)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, path := range map[string]string{"template": "../../testdata/sample/postcard-9x6.json", "mapping": "../../testdata/sample/postcard-9x6.mapping.json"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fw, _ := mw.CreateFormFile(name, filepath.Base(path))
		fw.Write(data)
	}
	fw, _ := mw.CreateFormFile("csv", "recipients.csv")
	fw.Write([]byte(csvText))
	mw.WriteField("width", "864")
	mw.WriteField("height", "576")
	mw.WriteField("options", `{"scale":0.1,"name":"restart"}`)
	mw.Close()
	resp, err := http.Post(base+"/api/v1/jobs", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	var created jobStatus
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || created.Total < 100 {
		t.Fatalf("create job: %d, %+v", resp.StatusCode, created)
	}

	// Kill it once some pieces are done and many are not.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		j := getJob(t, base, created.ID)
		if j.Done >= 10 {
			if j.Done+j.Failed >= j.Total {
				t.Fatalf("the job finished before the kill (%+v): nothing was tested", j)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress in 3 minutes: %+v", j)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	_, base = startServe(t, args...)
	var j jobStatus
	for {
		j = getJob(t, base, created.ID)
		if j.Status != "queued" && j.Status != "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job did not finish after the restart: %+v", j)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if j.Status != "completed_with_errors" || j.Failed != 1 || j.Done+j.Failed != created.Total {
		t.Fatalf("after the restart the job is %+v; want completed_with_errors, %d done, 1 failed (line 38)", j, created.Total-1)
	}

	// The ZIP holds each good recipient once, and the manifest every row once.
	resp, err = http.Get(base + "/api/v1/jobs/" + created.ID + "/download")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("download: %d, %v", resp.StatusCode, err)
	}
	seen := map[string]bool{}
	pieces := 0
	var manifest [][]string
	for _, f := range zr.File {
		if seen[f.Name] {
			t.Errorf("%s is in the ZIP twice", f.Name)
		}
		seen[f.Name] = true
		if f.Name == "manifest.csv" {
			rc, _ := f.Open()
			manifest, err = csv.NewReader(rc).ReadAll()
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		pieces++
	}
	if pieces != j.Done {
		t.Errorf("ZIP holds %d pieces, want %d", pieces, j.Done)
	}
	if len(manifest) != created.Total+1 {
		t.Errorf("manifest has %d lines, want a header and %d rows", len(manifest), created.Total)
	}
	rows := map[string]bool{}
	for _, rec := range manifest[1:] {
		if rows[rec[0]] {
			t.Errorf("row %s twice in the manifest", rec[0])
		}
		rows[rec[0]] = true
	}
}
