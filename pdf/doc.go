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
// In a merged document the objects a page shares with its template are
// stored once, as layers: each stretch of them is drawn into a page of
// its own, which gopdf imports as a form XObject that every page places.
// Only the personalised objects are laid out, compiled and written per
// page, as PDF/VT does; their vector art goes straight into the page's
// content stream (gopdf takes no raw operators, so a marker holds the
// place until the file is written).
//
// A Document is not safe for concurrent use; build one per output file.
package pdf
