package jpegenc

import (
	"encoding/binary"
	"math/bits"
)

// bitWriter packs Huffman codes and coefficient bits, most significant
// first, into bytes, stuffing a 0 after every 0xFF (T.81 F.1.2.3) so no
// marker appears in the data.
type bitWriter struct {
	acc     uint64 // the pending bits are its low n
	n       uint
	out     []byte
	stuffed int // zero bytes stuffed (see since)
}

// since is how many bits were put since out was start bytes long and
// stuffed was 0.
func (b *bitWriter) since(start int) uint32 {
	return uint32(8*(len(b.out)-start-b.stuffed)) + uint32(b.n)
}

// put appends the low n bits of v; n + 31 must fit in 64.
func (b *bitWriter) put(v uint32, n uint) {
	b.acc = b.acc<<n | uint64(v)
	b.n += n
	if b.n >= 32 {
		b.n -= 32
		b.word(uint32(b.acc >> b.n))
	}
}

// word appends 32 bits.
func (b *bitWriter) word(v uint32) {
	// Whether a byte of v is 0xFF: a zero byte of ^v (the classic
	// has-zero-byte test).
	if (^v-0x01010101)&v&0x80808080 == 0 {
		b.out = binary.BigEndian.AppendUint32(b.out, v)
		return
	}
	for s := 24; s >= 0; s -= 8 {
		c := byte(v >> s)
		b.out = append(b.out, c)
		if c == 0xff {
			b.out = append(b.out, 0)
			b.stuffed++
		}
	}
}

// pad fills the last byte with 1 bits (F.1.2.3) and appends the pending
// bytes.
func (b *bitWriter) pad() {
	if r := b.n % 8; r != 0 {
		b.put(1<<(8-r)-1, 8-r)
	}
	for b.n >= 8 {
		b.n -= 8
		c := byte(b.acc >> b.n)
		b.out = append(b.out, c)
		if c == 0xff {
			b.out = append(b.out, 0)
			b.stuffed++
		}
	}
	b.acc = 0
}

// block codes one block's quantised coefficients zz (zig-zag order;
// nonzero has bit k set when zz[k] is not 0; only those are read) as
// F.1.2 says: the difference from the previous DC of the component, then
// each non-zero AC coefficient with the run of zeros before it, ZRL for
// every 16 zeros of a longer run, EOB unless the last one is non-zero.
func (b *bitWriter) block(zz *[64]int32, nonzero uint64, pred *int32, dc, ac *huffCodes) {
	diff := zz[0] - *pred
	s, v := magnitude(diff)
	if s > 11 {
		// Only samples outside 0-255 (not premultiplied) get here: code
		// the largest difference there is and predict from it.
		s, v, diff = 11, 0x7ff, 2047
		if zz[0] < *pred {
			v, diff = 0, -2047
		}
	}
	*pred += diff
	h := dc[s]
	b.put((h&0xffff)<<s|v, uint(h>>16)+s)

	last := 0
	for m := nonzero &^ 1; m != 0; m &= m - 1 {
		k := bits.TrailingZeros64(m)
		run := k - last - 1
		for ; run >= 16; run -= 16 {
			h := ac[0xf0]
			b.put(h&0xffff, uint(h>>16))
		}
		s, v := magnitude(zz[k&63])
		if s > 10 {
			s, v = 10, 0x3ff // as above
			if zz[k&63] < 0 {
				v = 0
			}
		}
		h := ac[run<<4|int(s)]
		b.put((h&0xffff)<<s|v, uint(h>>16)+s)
		last = k
	}
	if last != 63 {
		h := ac[0x00]
		b.put(h&0xffff, uint(h>>16))
	}
}

// magnitude returns the category of x (its size in bits, F.1.2.1) and the
// bits that code it: x itself when positive, x − 1 when negative, in s
// bits.
func magnitude(x int32) (s uint, v uint32) {
	// Without branches: the sign of a coefficient is a coin toss.
	neg := x >> 31 // -1 or 0
	s = uint(bits.Len32(uint32((x ^ neg) - neg)))
	return s, uint32(x+neg) & (1<<s - 1)
}

// copy appends bits from to to of src, most significant first; src has 8
// bytes to spare after bit to.
func (b *bitWriter) copy(src []byte, from, to uint) {
	for from < to {
		n := min(to-from, 32)
		v := binary.BigEndian.Uint64(src[from/8:])
		b.put(uint32(v<<(from%8)>>(64-n)), n)
		from += n
	}
}
