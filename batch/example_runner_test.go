package batch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
	"github.com/fabricpress/fabricpress/render"
)

// A job from a template and a CSV, rendered by a Runner over a bbolt store.
func ExampleRunner() {
	dir, err := os.MkdirTemp("", "fabricpress-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := bolt.Open(filepath.Join(dir, "state.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()

	// The job: a spec (template, size, options) and its recipients.
	spec := batch.Spec{
		Template: []byte(`{"version":"6.9.1","background":"#ffffff","objects":[
			{"type":"Textbox","left":10,"top":10,"width":180,"fontSize":16,"text":"Hello {{first_name}}"}]}`),
		Width: 200, Height: 60,
		Options: batch.Options{Name: "Hello cards"},
	}
	c, err := spec.Compile(nil, 0)
	if err != nil {
		log.Fatal(err)
	}
	raw, _ := json.Marshal(c.Spec)
	j := &batch.Job{Name: "Hello cards", Spec: raw}
	if err := st.CreateJob(ctx, j); err != nil {
		log.Fatal(err)
	}
	csv := "first_name,last_name\nAnn,Lee\nBo,Chen\n,Nobody\n"
	if _, err := batch.Ingest(ctx, st, j.ID, c, strings.NewReader(csv)); err != nil {
		log.Fatal(err)
	}

	// The runner, until the job is finished.
	r := &batch.Runner{
		Store:     st,
		Render:    render.Options{FontFallback: true}, // the embedded Go fonts
		OutputDir: filepath.Join(dir, "out"),
		Workers:   2,
		Logger:    slog.New(slog.DiscardHandler),
	}
	events, stop := r.Subscribe(j.ID)
	defer stop()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- r.Run(runCtx) }()
	timeout := time.After(time.Minute)
wait:
	for {
		select {
		case ev := <-events:
			if ev.Type == batch.EventState {
				fmt.Println("state:", ev.Job.State)
				if ev.Job.State.Terminal() {
					break wait
				}
			}
		case <-timeout:
			log.Fatal("timed out")
		}
	}
	cancel()
	<-done

	j2, _ := st.GetJob(ctx, j.ID)
	fmt.Printf("%d done, %d failed\n", j2.Done, j2.Failed)
	zip, _, _ := batch.Outputs(r.OutputDir, j2)
	fmt.Println(filepath.Base(zip))
	// Output:
	// state: running
	// state: completed_with_errors
	// 2 done, 1 failed
	// hello-cards.zip
}
