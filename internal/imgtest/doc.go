// Package imgtest owns the image comparison used by the renderer's golden
// tests. It is a faithful Go port of the comparison done by the reference tool
// (tools/fabric-ref/compare.mjs and lib/compare.mjs), so a Go test reports the
// same figures for the same pixels:
//
//   - the mismatched-pixel count and share of pixelmatch 8.0.0 with the tool's
//     options (threshold 0.1, includeAA false as the main figure; includeAA
//     true as the secondary one), bit for bit: OKLab/HyAB colour distance with
//     semi-transparent pixels blended over pixelmatch's pseudo-random
//     dark/light checkerboard, and pixelmatch's anti-aliasing detector;
//   - the mean absolute per-channel difference (0-255, RGB composited over
//     white plus alpha) of meanAbsDiff;
//   - pixelmatch's diff image (grey ghost of the reference, red differences,
//     yellow anti-aliasing).
//
// pixelmatch works on the straight-alpha 8-bit RGBA bytes that pngjs decodes
// from a PNG file. Compare therefore first turns each image into exactly the
// bytes that image/png's encoder would write for it (un-premultiplying an
// *image.RGBA the way the encoder does, rounding 16-bit samples the way pngjs
// does), so comparing an in-memory image gives the same answer as writing it
// with WritePNG and running compare.mjs on the file. ReadPNG decodes a file to
// the same bytes pngjs would produce.
//
// The package is for tests only (it lives under render/internal).
package imgtest
