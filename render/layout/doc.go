// Package layout is fabricpress's one text layout: it measures, wraps,
// aligns and shapes Fabric.js Text, IText and Textbox objects exactly as
// Fabric.js does in the browser (fabric-model.md §4), and returns a Block
// of lines, shaped glyph runs, background boxes and decorations in the
// object's local coordinates. The raster painter (package render) and the
// PDF writer draw the same Block, so a line can never break differently
// between PNG and PDF.
//
// Measuring follows Fabric: each grapheme is measured on its own and as a
// couple with its predecessor (the browser's measureText, here HarfBuzz
// shaping through github.com/go-text/typesetting), charSpacing is added to
// every grapheme, Textbox words wrap on spaces, justification widens the
// spaces. Drawing follows the browser: each Fabric drawing run is shaped as
// one string, in Unicode bidirectional order.
//
// Fonts is shared and safe for concurrent use; an Engine caches faces and
// widths and belongs to one goroutine.
package layout
