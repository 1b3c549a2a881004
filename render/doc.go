// Package render rasterises Fabric.js canvases with the pixels the browser
// editor draws: Compile turns a parsed *fabric.Canvas into a reusable
// *Plan (images decoded and filtered, fonts resolved, text laid out), and
// Plan.Render paints it at a scale (Fabric's toDataURL multiplier) into an
// *image.RGBA.
//
// Paths are flattened and stroked here (canvas stroke semantics: miter,
// round and bevel joins, caps, dashes) and filled with freetype's
// anti-aliasing rasterizer; gradients, images and layers (opacity,
// shadows, clip paths, blend modes) are composited in premultiplied RGBA
// as Chromium's canvas does.
//
// A Plan is safe for concurrent use; each Render call uses its own
// scratch state.
package render
