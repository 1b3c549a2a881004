package font

import "encoding/binary"

// Browsers load web fonts through the OpenType Sanitizer (OTS), which drops
// a legacy 'kern' table it cannot vouch for; HarfBuzz then has no kerning
// from it. Fabric.js editors use web fonts, so fabricpress drops the same
// tables: Open Sans, for one, has 18,694 pairs in one subtable, more than
// the 16-bit subtable length can describe, and Chromium draws it unkerned.

// kernDroppedByOTS reports whether OTS would drop the font's 'kern' table
// (ots/src/kern.cc: unsupported version, no subtables, an empty or
// oversized format 0 subtable, unsorted pairs, or no usable subtable).
func kernDroppedByOTS(kern []byte) bool {
	if len(kern) < 4 {
		return true
	}
	if binary.BigEndian.Uint16(kern) != 0 {
		return true // the Apple (version 1) form is not supported
	}
	n := int(binary.BigEndian.Uint16(kern[2:]))
	if n == 0 {
		return true
	}
	off, usable := 4, 0
	for i := 0; i < n; i++ {
		if off+6 > len(kern) {
			return true
		}
		version := binary.BigEndian.Uint16(kern[off:])
		length := int(binary.BigEndian.Uint16(kern[off+2:]))
		coverage := binary.BigEndian.Uint16(kern[off+4:])
		if version != 0 {
			off += length
			continue
		}
		if length < 14 || off+length > len(kern) && i < n-1 {
			return true
		}
		if coverage&0xF0 != 0 {
			return true // reserved bits
		}
		if coverage&1 == 0 || coverage>>8 != 0 {
			off += length
			continue // vertical or not format 0: skipped
		}
		if off+14 > len(kern) {
			return true
		}
		pairs := int(binary.BigEndian.Uint16(kern[off+6:]))
		const pairSize = 6
		if pairs == 0 || pairs > 65536/pairSize {
			return true
		}
		if off+14+pairs*pairSize > len(kern) {
			return true
		}
		var last uint32
		for p := 0; p < pairs; p++ {
			at := off + 14 + p*pairSize
			key := binary.BigEndian.Uint32(kern[at:])
			if p > 0 && key <= last {
				return true // pairs must be sorted
			}
			last = key
		}
		usable++
		off += length
	}
	return usable == 0
}

// withoutDroppedKern returns data with the 'kern' table hidden (its tag
// renamed in the table directory) when OTS would drop it; otherwise data.
func withoutDroppedKern(data []byte) []byte {
	if len(data) < 12 {
		return data
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return data
		}
		if string(data[rec:rec+4]) != "kern" {
			continue
		}
		off := int(binary.BigEndian.Uint32(data[rec+8:]))
		length := int(binary.BigEndian.Uint32(data[rec+12:]))
		if off < 0 || length < 0 || off+length > len(data) || off+length < off {
			return data
		}
		if !kernDroppedByOTS(data[off : off+length]) {
			return data
		}
		out := append([]byte(nil), data...)
		copy(out[rec:rec+4], "xern")
		return out
	}
	return data
}
