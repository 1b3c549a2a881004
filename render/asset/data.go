package asset

import (
	"encoding/base64"
	"strings"
)

// loadData decodes a data: URL (s is src trimmed) following the WHATWG
// data: URL processor: the body is percent-decoded, then, with ";base64",
// decoded with forgiving base64 (ASCII whitespace ignored, padding
// optional).
func (l *Loader) loadData(src, s string) ([]byte, error) {
	rest := s[len("data:"):]
	comma := strings.IndexByte(rest, ',')
	if comma < 0 {
		return nil, newError(src, ErrNotImage, nil, "malformed data URL (no comma)")
	}
	meta, body := rest[:comma], rest[comma+1:]
	if i := strings.IndexByte(body, '#'); i >= 0 { // fragment
		body = body[:i]
	}
	params := strings.Split(meta, ";")
	mediaType := strings.ToLower(strings.TrimSpace(params[0]))
	isBase64 := len(params) > 1 && strings.EqualFold(strings.TrimSpace(params[len(params)-1]), "base64")
	switch {
	case mediaType == "":
		// sniffed below
	case mediaType == "image/svg+xml":
		return nil, newError(src, ErrNotImage, nil, "SVG images are not supported")
	case strings.HasPrefix(mediaType, "image/"):
	default:
		return nil, newError(src, ErrNotImage, nil, "data URL media type %q is not an image", mediaType)
	}

	// Refuse oversized data before allocating anything for it.
	if n := decodedSize(body, isBase64); n > l.maxBytes {
		return nil, tooLarge(src, "decoded data URL", n, l.maxBytes)
	}

	var b []byte
	if isBase64 {
		var ok bool
		if b, ok = forgivingBase64(percentDecode(body)); !ok {
			return nil, newError(src, ErrNotImage, nil, "data URL has bad base64")
		}
	} else {
		b = []byte(percentDecode(body))
	}
	if mediaType == "" && !sniffsAsImage(b) {
		if looksLikeSVG(b) {
			return nil, newError(src, ErrNotImage, nil, "SVG images are not supported")
		}
		return nil, newError(src, ErrNotImage, nil, "data URL has no media type and its bytes are not an image")
	}
	return l.checkImage(src, b)
}

// decodedSize returns the number of bytes body decodes to (exactly for
// valid input), without allocating.
func decodedSize(body string, isBase64 bool) int64 {
	var n int64
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '%' && i+2 < len(body) && isHex(body[i+1]) && isHex(body[i+2]) {
			c = unhex(body[i+1])<<4 | unhex(body[i+2])
			i += 2
		}
		if isBase64 && (isASCIISpace(c) || c == '=') {
			continue
		}
		n++
	}
	if isBase64 {
		return n * 3 / 4 // 6 bits per character
	}
	return n
}

// percentDecode decodes %XX sequences; malformed ones are kept as they are.
func percentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		b.WriteByte(c)
	}
	return b.String()
}

// forgivingBase64 implements the WHATWG forgiving-base64 decode.
func forgivingBase64(s string) ([]byte, bool) {
	var clean strings.Builder
	clean.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isASCIISpace(c) {
			clean.WriteByte(c)
		}
	}
	t := clean.String()
	if len(t)%4 == 0 {
		t = strings.TrimSuffix(t, "=")
		t = strings.TrimSuffix(t, "=")
	}
	if len(t)%4 == 1 {
		return nil, false
	}
	b, err := base64.RawStdEncoding.DecodeString(t)
	return b, err == nil
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
