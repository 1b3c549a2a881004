package code

import (
	"errors"
	"fmt"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// Level is a QR error correction level. The zero value is Low.
type Level int

// QR error correction levels, in increasing order of redundancy.
const (
	Low      Level = iota // L: about 7% of codewords can be restored
	Medium                // M: about 15%
	Quartile              // Q: about 25%
	High                  // H: about 30%
)

// ErrCapacity is wrapped by the error QR returns when the content does not
// fit the largest QR symbol (version 40) at the requested level.
var ErrCapacity = errors.New("code: QR content over capacity")

// ParseLevel reads a level name: "L", "M", "Q", "H" or "low", "medium",
// "quartile", "high", in any case and with surrounding spaces ignored.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "l", "low":
		return Low, nil
	case "m", "medium":
		return Medium, nil
	case "q", "quartile":
		return Quartile, nil
	case "h", "high":
		return High, nil
	}
	return 0, fmt.Errorf("code: unknown QR error correction level %q (want L, M, Q or H)", s)
}

// String returns the level's one-letter name ("L", "M", "Q", "H").
func (l Level) String() string {
	if l >= Low && l <= High {
		return "LMQH"[l : l+1]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Capacities of a version 40 symbol per level: bytes in byte mode, and
// digits in numeric mode (the most any content can reach).
var (
	byteCapacity    = [4]int{2953, 2331, 1663, 1273}
	numericCapacity = [4]int{7089, 5596, 3993, 3057}
)

// library maps our levels onto go-qrcode's, which names Q "High" and H
// "Highest".
func (l Level) library() qrcode.RecoveryLevel {
	switch l {
	case Medium:
		return qrcode.Medium
	case Quartile:
		return qrcode.High
	case High:
		return qrcode.Highest
	}
	return qrcode.Low
}

// Matrix is a square grid of QR modules, row-major, true = dark. It holds
// the symbol only: the quiet zone (4 modules is the standard minimum) is
// added by the layout, see Rects.
type Matrix struct {
	Size    int
	Modules []bool
}

// At reports whether the module at column x, row y is dark. Positions
// outside the grid are light (they belong to the quiet zone).
func (m *Matrix) At(x, y int) bool {
	if x < 0 || y < 0 || x >= m.Size || y >= m.Size {
		return false
	}
	return m.Modules[y*m.Size+x]
}

// QR encodes content (its UTF-8 bytes, as they are) as a QR code at the
// given error correction level, in the smallest version that fits. The
// result is deterministic: the same content and level always give the
// same modules.
//
// Errors: empty content, an unknown level, and content that does not fit
// version 40 at that level (wrapping ErrCapacity, with the byte length and
// the level's capacity in the message).
func QR(content string, level Level) (m *Matrix, err error) {
	if content == "" {
		return nil, errors.New("code: QR content is empty")
	}
	if level < Low || level > High {
		return nil, fmt.Errorf("code: unknown QR error correction level %d", int(level))
	}
	capErr := func() error {
		return fmt.Errorf("%w: content is %d bytes, level %s holds at most %d bytes (%d if digits only)",
			ErrCapacity, len(content), level, byteCapacity[level], numericCapacity[level])
	}
	// Nothing longer than the numeric capacity can fit; don't make the
	// library segment megabytes to find that out.
	if len(content) > numericCapacity[level] {
		return nil, capErr()
	}
	defer func() {
		// go-qrcode reports internal inconsistencies with log.Panic;
		// never let one take down a batch.
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("code: QR encoder failed for %d bytes at level %s: %v", len(content), level, r)
		}
	}()
	q, err := qrcode.New(content, level.library())
	if err != nil {
		if strings.Contains(err.Error(), "too long") {
			return nil, capErr()
		}
		return nil, fmt.Errorf("code: QR: %w", err)
	}
	q.DisableBorder = true
	bitmap := q.Bitmap()
	size := len(bitmap)
	if want := 17 + 4*q.VersionNumber; size != want {
		return nil, fmt.Errorf("code: QR encoder returned %d rows for version %d (want %d)", size, q.VersionNumber, want)
	}
	m = &Matrix{Size: size, Modules: make([]bool, size*size)}
	for y, row := range bitmap {
		if len(row) != size {
			return nil, fmt.Errorf("code: QR encoder returned a row of %d modules (want %d)", len(row), size)
		}
		copy(m.Modules[y*size:], row)
	}
	return m, nil
}
