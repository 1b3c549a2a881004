// Package service will be the HTTP API (github.com/gorilla/mux) and the
// embedded dashboard over package batch. It holds no code yet; the folder
// is part of the project map in ../shared/docs/design.md.
package service
