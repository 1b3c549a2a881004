// Package pngenc writes 8-bit PNGs fast, for print pieces: the Up filter
// on every row, klauspost/compress's fastest deflate, pooled buffers, and
// for pieces painted over a shared static layer (render.Layered) the
// compressed rows of that layer reused wherever the piece left them alone,
// so a piece costs in proportion to what changed in it.
package pngenc
