// Package filter reproduces, in pure Go, the pixel operations Chromium
// performs for a Fabric.js canvas that this renderer cannot delegate to a
// general 2D library: Fabric's image filters and the Gaussian blur behind
// canvas shadows.
//
// # Image filters
//
// [Apply] runs an Image's "filters" array the way Fabric 6.9.1's
// Canvas2dFilterBackend does (the JavaScript applyTo2d code of
// src/filters/*.ts, not the WebGL shaders): on the natural-size image, in
// array order, with filters whose isNeutralState() is true left out, every
// value stored through a Uint8ClampedArray (round half to even, clamp to
// 0..255) and every floating-point expression evaluated in the order and
// precision V8 uses. Before the first filter it emulates the
// premultiply/unpremultiply round trip a browser canvas puts pixels through
// (see [Apply]). v5 JSON spellings are accepted too.
//
// # Blur
//
// [GaussianBlurAlpha], [GaussianBlurRGBA] and [MaskBlurAlpha] reproduce
// Skia's CPU raster blurs, the ones Chromium uses for a canvas shadowBlur
// (σ = shadowBlur/2), and [BlurPad] says how much transparent margin the
// blurred result needs.
//
// # Concurrency
//
// Every function is safe for concurrent use on distinct images.
package filter
