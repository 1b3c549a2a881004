// Package service is fabricpress's HTTP API on github.com/gorilla/mux, over
// a batch.Store and a batch.Runner: jobs from a template and a CSV (202,
// then progress as JSON or server-sent events, the recipients, the ZIP),
// cancel, retry and delete; synchronous renders of small batches and
// proofs; stored templates; health, readiness, Prometheus metrics and an
// OpenAPI document built from the route table.
//
// Every request gets an X-Request-Id and a structured log line. API keys
// map to owners (Authorization: Bearer KEY); an owner sees only its own jobs
// and templates (another's are 404). Bodies, templates and CSVs have size
// limits, each key a rate limit (429 with Retry-After) and a cap on queued
// jobs. Errors are {"error": {"code", "message", "details"}}; internal
// errors are logged with detail and shown without it.
//
// A Server is an http.Handler and safe for concurrent use.
package service
