// Package pdf writes print-ready PDFs of Fabric.js designs with
// github.com/signintech/gopdf: one page per piece, the page the canvas size
// (96 px = 1 in = 72 pt) plus bleed, with TrimBox and BleedBox, optional
// crop marks and document metadata.
//
// Everything PDF expresses directly is written as vectors: shapes and
// paths with their fills, strokes, dashes, caps, joins, opacity and blend
// modes; text from the same layout the raster painter draws (package
// render/layout), in embedded subset fonts, selectable; images, embedded
// once per document however many pages use them; QR codes and barcodes as
// rectangles. Whatever PDF cannot express as simply (gradients, shadows,
// clip paths, image filters already applied, skewed text, stroked text)
// is drawn by package render at the document's DPI and placed as an image
// at its exact position, transparency kept.
//
// Vector art is written into small form XObjects (gopdf imports them as
// page templates). In a merged document the objects a page shares with its
// template are stored once and every page refers to them; only the
// personalised objects are written per page, as PDF/VT does.
//
// A Document is not safe for concurrent use; build one per output file.
package pdf
