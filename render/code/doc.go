// Package code turns content into barcode geometry: QR codes (QR) as a
// square module grid and Code 128 (Code128) as a row of bar modules.
//
// It owns the symbologies only, not the drawing. Both backends draw the
// result as crisp filled rectangles, never as a scaled bitmap: Matrix.Rects
// and Bars.Rects give one rectangle per horizontal run of dark modules in
// module units, and PixelGrid (or PixelSpan for a one-dimensional code)
// picks an integer module size and an integer offset for raster output, so
// every module edge falls on a device pixel boundary. The PDF writer can
// scale the module-unit rectangles by any factor it likes.
//
// QR symbols are built with github.com/skip2/go-qrcode (byte, alphanumeric
// and numeric segments chosen by that library; smallest version that fits;
// deterministic mask choice). Code 128 is encoded here: code sets A, B and C
// are chosen by a shortest-symbol search, so runs of digits go into set C
// when that makes the code narrower, control characters go through set A,
// and the checksum and stop pattern (with its final bar) are appended.
//
// Concurrency: everything here is a pure function of its arguments; there
// is no package state besides read-only tables, so all functions are safe
// for concurrent use. A returned *Matrix or *Bars belongs to the caller;
// its methods only read it.
package code
