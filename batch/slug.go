package batch

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxSlugBytes bounds the length of a Slug.
const MaxSlugBytes = 40

// letterFolds spells the Latin letters that Unicode decomposition leaves
// alone (they are letters of their own, not a base letter plus a mark) the
// way they are usually written in ASCII.
var letterFolds = map[rune]string{
	'ł': "l", 'Ł': "l", 'ø': "o", 'Ø': "o", 'ß': "ss", 'ẞ': "ss",
	'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'đ': "d", 'Đ': "d",
	'ð': "d", 'Ð': "d", 'þ': "th", 'Þ': "th", 'ı': "i", 'ħ': "h",
	'Ħ': "h", 'ŀ': "l", 'Ŀ': "l", 'ĸ': "k", 'ŋ': "n", 'Ŋ': "n",
	'ſ': "s", 'ƒ': "f", 'ŧ': "t", 'Ŧ': "t", 'ə': "e", 'Ə': "e",
	'ɨ': "i", 'ʉ': "u", 'ƀ': "b", 'ɓ': "b", 'ɗ': "d", 'ƙ': "k",
}

// Slug turns a display name into a safe, readable piece of a file name:
// ASCII lower-case letters and digits, with runs of anything else turned into
// one "-", no leading or trailing "-", and at most MaxSlugBytes bytes.
// Accents are removed by Unicode compatibility decomposition ("José Müller"
// gives "jose-muller", full-width letters give ASCII ones), and the common
// Latin letters that do not decompose are spelled out (ł→l, ø→o, ß→ss,
// æ→ae, œ→oe, đ/ð→d, þ→th). Scripts without a Latin spelling (Chinese,
// Arabic, ...) are dropped, so the result is "" when nothing is left; the
// caller then names the file by its row number alone.
//
// The result never contains a path separator, a dot or a space, so it cannot
// climb out of a folder or hide a file.
func Slug(s string) string {
	var b strings.Builder
	b.Grow(min(len(s), MaxSlugBytes+8))
	dash := false // a separator is pending
	write := func(t string) bool {
		if dash && b.Len() > 0 {
			if b.Len()+1+len(t) > MaxSlugBytes {
				return false
			}
			b.WriteByte('-')
		} else if b.Len()+len(t) > MaxSlugBytes {
			return false
		}
		dash = false
		b.WriteString(t)
		return true
	}
	var it norm.Iter
	it.InitString(norm.NFKD, s)
	var one [1]byte
	for !it.Done() {
		seg := string(it.Next()) // one base character with its marks
		for _, r := range seg {
			var t string
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				one[0] = byte(r)
				t = string(one[:])
			case r >= 'A' && r <= 'Z':
				one[0] = byte(r) + 'a' - 'A'
				t = string(one[:])
			case unicode.Is(unicode.Mn, r):
				continue // an accent of the letter before
			default:
				if f, ok := letterFolds[r]; ok {
					t = f
				} else {
					dash = true
					continue
				}
			}
			if !write(t) {
				return b.String()
			}
		}
	}
	return b.String()
}

// PieceName is the file name of one recipient's piece: the row number
// zero-padded to width digits (at least 4), then "-" and the Slug of the
// display name when that is not empty, then the extension ("png" or ".png").
// PieceName(1, 4, "José Müller", "png") is "0001-jose-muller.png".
func PieceName(row, width int, display, ext string) string {
	name := fmt.Sprintf("%0*d", max(width, 4), row)
	if s := Slug(display); s != "" {
		name += "-" + s
	}
	if ext = strings.TrimPrefix(ext, "."); ext != "" {
		name += "." + ext
	}
	return name
}
