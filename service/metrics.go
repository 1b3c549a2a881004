package service

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fabricpress/fabricpress/batch"
)

type metrics struct {
	requests       *prometheus.CounterVec
	requestSeconds *prometheus.HistogramVec
	renderSeconds  prometheus.Histogram
	syncPieces     *prometheus.CounterVec
}

// jobsCollector reports jobs by state, queue depth and pieces from the
// store at scrape time.
type jobsCollector struct {
	store  batch.Store
	jobs   *prometheus.Desc
	queue  *prometheus.Desc
	pieces *prometheus.Desc
}

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.jobs
	ch <- c.queue
	ch <- c.pieces
}

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	if c.store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	jobs, _, err := c.store.ListJobs(ctx, batch.JobFilter{})
	if err != nil {
		return
	}
	byState := map[batch.JobState]int{}
	queue, done, failed := 0, 0, 0
	for _, j := range jobs {
		byState[j.State]++
		if !j.State.Terminal() {
			queue += j.Pending()
		}
		done += j.Done
		failed += j.Failed
	}
	for _, st := range batch.JobStates {
		ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(byState[st]), string(st))
	}
	ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(queue))
	ch <- prometheus.MustNewConstMetric(c.pieces, prometheus.GaugeValue, float64(done), "done")
	ch <- prometheus.MustNewConstMetric(c.pieces, prometheus.GaugeValue, float64(failed), "failed")
}

func newMetrics(reg *prometheus.Registry, store batch.Store) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fabricpress_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "fabricpress_http_request_duration_seconds", Help: "HTTP request durations by route.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}, []string{"method", "route"}),
		renderSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "fabricpress_render_duration_seconds", Help: "Synchronous render durations (one piece).",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}),
		syncPieces: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fabricpress_sync_pieces_total", Help: "Pieces rendered synchronously (render and proofs), by outcome.",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.requests, m.requestSeconds, m.renderSeconds, m.syncPieces,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&jobsCollector{
			store:  store,
			jobs:   prometheus.NewDesc("fabricpress_jobs", "Jobs by state.", []string{"state"}, nil),
			queue:  prometheus.NewDesc("fabricpress_queue_depth", "Recipients not yet done or failed in unfinished jobs.", nil, nil),
			pieces: prometheus.NewDesc("fabricpress_job_pieces", "Pieces of stored jobs by outcome.", []string{"outcome"}, nil),
		})
	return m
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}
