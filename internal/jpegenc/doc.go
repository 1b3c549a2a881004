// Package jpegenc writes baseline JPEGs fast, for print pieces: YCbCr
// 4:2:0 with the example tables of ITU-T T.81 Annex K (quantisation
// scaled by quality as libjpeg does, the typical Huffman codes), a float
// AAN transform, quantisation by multiplication, flat blocks coded without
// a transform, pooled buffers. Pixels are composited over white as they
// are converted: JPEG has no alpha, and the image is left alone.
//
// Why not image/jpeg: pieces painted over a shared static layer
// (render.Layered) differ from it in a few places. Every file written here
// has a restart marker after each MCU row (16 pixel rows), which makes each
// row's coded data independent of the others', and every MCU is coded from
// its own pixels only. Static keeps the layer's coded rows and where each
// MCU's bits start in them, so a piece costs the MCUs it changed, and its
// bytes are exactly those Encode writes for it.
package jpegenc
