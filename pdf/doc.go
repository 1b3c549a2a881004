// Package pdf will write print-ready PDFs of Fabric.js designs on
// github.com/signintech/gopdf: page size from the canvas (96 px = 1 in =
// 72 pt) plus bleed, vector text from the shared text layout, static
// content stored once per document, raster fallback through package render
// for what PDF paths cannot express. It holds no code yet; the folder is
// part of the project map in ../shared/docs/design.md.
package pdf
