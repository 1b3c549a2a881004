package service_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/service"
)

var loadFor = flag.Duration("load", 8*time.Second, "how long TestLoad keeps its clients busy (the issue's figure: -load 30s)")

// TestLoad runs 50 clients against a real listener for a bounded time,
// each creating small jobs and polling their progress. No request may
// answer 5xx and every job the API accepted must still be listed and
// finish. The request rate and p99 latency it held are logged (not
// checked: the machine is shared).
func TestLoad(t *testing.T) {
	const clients = 50
	e := start(t, nil, func(c *service.Config) { c.MaxQueued = 300 })
	tpl := `{"version":"5.3.0","objects":[{"type":"rect","left":2,"top":2,"width":20,"height":10,"fill":"#c00"},` +
		`{"type":"text","name":"first","text":"{{first}}","left":4,"top":14,"fontSize":8,"fontFamily":"Liberation Sans"}]}`

	var (
		mu        sync.Mutex
		latencies []time.Duration
		accepted  []string
		failures  []string
		throttled int
	)
	call := func(method, url string, body []byte) (int, []byte) {
		req, _ := http.NewRequest(method, url, bytes.NewReader(body))
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		t0 := time.Now()
		resp, err := http.DefaultClient.Do(req)
		d := time.Since(t0)
		if err != nil {
			mu.Lock()
			failures = append(failures, fmt.Sprintf("%s %s: %v", method, url, err))
			mu.Unlock()
			return 0, nil
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		mu.Lock()
		latencies = append(latencies, d)
		if resp.StatusCode >= 500 {
			failures = append(failures, fmt.Sprintf("%s %s: %d %s", method, url, resp.StatusCode, b))
		}
		mu.Unlock()
		return resp.StatusCode, b
	}

	stop := time.Now().Add(*loadFor)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for n := 0; time.Now().Before(stop); n++ {
				body, _ := json.Marshal(map[string]any{
					"template": json.RawMessage(tpl), "width": 60, "height": 30,
					"recipients": []map[string]string{{"first": fmt.Sprintf("c%d-%d", c, n)}, {"first": "Ada"}},
					"options":    map[string]any{"name": fmt.Sprintf("load %d/%d", c, n)},
				})
				code, b := call(http.MethodPost, e.url+"/api/v1/jobs", body)
				if code == http.StatusTooManyRequests {
					// Back-pressure (the owner's queue is full): the
					// answer a client must expect; wait as told.
					mu.Lock()
					throttled++
					mu.Unlock()
					time.Sleep(time.Second)
					continue
				}
				if code != http.StatusAccepted {
					if code != 0 && code < 500 {
						mu.Lock()
						failures = append(failures, fmt.Sprintf("create: %d %s", code, b))
						mu.Unlock()
					}
					continue
				}
				var j struct{ ID string }
				json.Unmarshal(b, &j)
				mu.Lock()
				accepted = append(accepted, j.ID)
				mu.Unlock()
				for range 3 {
					call(http.MethodGet, e.url+"/api/v1/jobs/"+j.ID+"/progress", nil)
				}
			}
		})
	}
	wg.Wait()
	elapsed := *loadFor
	mu.Lock()
	underLoad := int64(len(latencies)) + int64(len(failures))
	held := slices.Clone(latencies)
	mu.Unlock()
	for _, f := range failures[:min(len(failures), 10)] {
		t.Error(f)
	}
	if len(accepted) == 0 {
		t.Fatal("no job was accepted")
	}

	// No job lost: every accepted job is listed and finishes.
	listed := map[string]bool{}
	cursor := ""
	for {
		code, b := call(http.MethodGet, e.url+"/api/v1/jobs?limit=500&cursor="+cursor, nil)
		var page struct {
			Jobs []struct{ ID string }
			Next string
		}
		if code != 200 || json.Unmarshal(b, &page) != nil {
			t.Fatalf("list jobs: %d %s", code, b)
		}
		for _, j := range page.Jobs {
			listed[j.ID] = true
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	for _, id := range accepted {
		if !listed[id] {
			t.Errorf("job %s was accepted but is not listed", id)
		}
	}
	deadline := time.Now().Add(5 * time.Minute)
	for _, id := range accepted {
		for {
			code, b := call(http.MethodGet, e.url+"/api/v1/jobs/"+id, nil)
			var j struct {
				Status string
				Done   int
			}
			json.Unmarshal(b, &j)
			if code == 200 && j.Status == "completed" && j.Done == 2 {
				break
			}
			if code != 200 || j.Status == "failed" || j.Status == "cancelled" || time.Now().After(deadline) {
				t.Fatalf("job %s did not complete: %d %s", id, code, b)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	slices.Sort(held)
	p := func(q float64) time.Duration { return held[int(q*float64(len(held)-1))] }
	t.Logf("%d clients for %v: %d requests under load (%.0f/s), %d jobs created (%.0f/s); %d answered 429; latency p50 %v, p99 %v, max %v",
		clients, elapsed, underLoad, float64(underLoad)/elapsed.Seconds(), len(accepted),
		float64(len(accepted))/elapsed.Seconds(), throttled, p(0.5), p(0.99), held[len(held)-1])
}
