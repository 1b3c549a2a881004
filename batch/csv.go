package batch

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Defaults for ReaderOptions.
const (
	DefaultMaxFieldBytes = 64 << 10
	DefaultMaxColumns    = 512
)

// readBufferSize is the size of the bufio buffer under a Reader. The reader
// never holds more than this buffer plus the fields of the current row.
const readBufferSize = 64 << 10

// Errors a Reader reports, wrapped in a *RowError (for one row) or a
// *HeaderError (for the file as a whole). Test for them with errors.Is.
var (
	ErrNoHeader         = errors.New("no header row")
	ErrNotText          = errors.New("not a UTF-8 text file")
	ErrEmptyColumnName  = errors.New("empty column name")
	ErrDuplicateColumn  = errors.New("duplicate column name")
	ErrTooManyColumns   = errors.New("too many columns")
	ErrFieldCount       = errors.New("wrong number of fields")
	ErrBareQuote        = errors.New("bare quote in unquoted field")
	ErrQuote            = errors.New("extraneous character after closing quote")
	ErrUnterminated     = errors.New("quoted field is never closed")
	ErrFieldTooLong     = errors.New("field too long")
	ErrInvalidUTF8      = errors.New("invalid UTF-8")
	ErrNULByte          = errors.New("NUL byte")
	ErrInvalidDelimiter = errors.New("invalid delimiter")
)

// Record is one data row of the CSV file.
type Record struct {
	Row    int               // 1-based data row number (header and blank lines excluded)
	Line   int               // 1-based line in the file where the row starts
	Fields map[string]string // header name -> value
	Values []string          // values in column order, len(Values) == len(Header())
}

// RowError reports a malformed data row. The Reader skips that row and goes on
// with the next one.
type RowError struct {
	Row  int // 1-based data row number
	Line int // 1-based line where the row starts
	Err  error
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// HeaderError reports a file that cannot be read at all: no header, a header
// that is not text, empty or duplicate column names.
type HeaderError struct {
	Line int // 1-based line of the problem
	Err  error
}

func (e *HeaderError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *HeaderError) Unwrap() error { return e.Err }

// kindError is an error with its own message that errors.Is matches against
// one of the sentinel errors above.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// ReaderOptions configure a Reader. The zero value is ready to use.
type ReaderOptions struct {
	// Comma is the field delimiter. 0 detects it from the header line: the
	// most frequent of ',', ';' and '\t' outside quotes, ties resolved in
	// that order (so a tie involving ',' picks ','; no delimiter at all means
	// a single column and ','). An explicit delimiter must be a single ASCII
	// character other than '"', '\r' and '\n'.
	Comma rune
	// MaxFieldBytes limits one field (default 64 KiB). A longer field makes
	// its row a *RowError; its bytes beyond the limit are never held.
	MaxFieldBytes int
	// MaxColumns limits the header (default 512).
	MaxColumns int
}

// Reader streams Records from CSV text. It holds one buffered block of the
// input and the current row, never the whole file.
//
// Accepted input: UTF-8 with or without a byte order mark, RFC 4180 quoting
// (delimiters, quotes as "" and line breaks inside quoted fields), LF, CRLF or
// lone CR line endings. Blank lines, and rows whose fields are all empty or
// white space (spreadsheets export those), are skipped but still counted in
// line numbers. A row with fewer fields than the header is an error; so is a
// row with more, unless the extra fields are all empty. Values are returned as
// written (not trimmed); line breaks inside quoted values are returned as
// "\n". Header names are trimmed of surrounding white space, and empty names
// at the end of the header (a trailing delimiter) are dropped.
//
// Errors stay within their row: a bare quote in an unquoted field, or text
// after a closing quote, is reported and the rest of that field is read as
// plain text up to the next delimiter or line break. Only a quote that is
// never closed runs to the end of the file (CSV cannot tell where it should
// have ended); its error names the line where it opened.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	br       *bufio.Reader
	comma    byte
	header   []string
	maxField int
	maxCols  int
	special  [256]bool // bytes that end a run of an unquoted field

	line   int  // line terminators consumed so far
	skipLF bool // the last byte was a CR: a following LF belongs to it
	row    int  // data rows returned so far (good or bad)
	fatal  error

	// Current record, reused between rows.
	inHeader   bool
	storeCols  int // fields kept; further fields are only checked for being empty
	buf        []byte
	ends       []int
	nfields    int
	fieldStart int
	startLine  int
	quoteLine  int
	recErr     error
	extraText  bool // an extra field (beyond storeCols) holds text
}

// NewReader reads the header of the CSV text in r and returns a Reader for its
// data rows. It fails with a *HeaderError (or the read error of r) when the
// file cannot be used at all.
func NewReader(r io.Reader, opts ReaderOptions) (*Reader, error) {
	rd := &Reader{
		br:       bufio.NewReaderSize(r, readBufferSize),
		maxField: opts.MaxFieldBytes,
		maxCols:  opts.MaxColumns,
	}
	if rd.maxField <= 0 {
		rd.maxField = DefaultMaxFieldBytes
	}
	if rd.maxCols <= 0 {
		rd.maxCols = DefaultMaxColumns
	}
	if opts.Comma != 0 {
		c := opts.Comma
		if c >= utf8.RuneSelf || c == '"' || c == '\r' || c == '\n' {
			return nil, errorf(ErrInvalidDelimiter, "invalid delimiter %q: use one ASCII character other than quote and line breaks", c)
		}
		rd.comma = byte(c)
	}
	if err := rd.sniff(); err != nil {
		return nil, err
	}
	if rd.comma == 0 {
		c, err := rd.detectComma()
		if err != nil {
			return nil, fmt.Errorf("reading CSV header: %w", err)
		}
		rd.comma = c
	}
	for _, c := range []byte{rd.comma, '"', '\r', '\n'} {
		rd.special[c] = true
	}
	if err := rd.readHeader(); err != nil {
		return nil, err
	}
	return rd, nil
}

// Header returns the column names (trimmed), in file order.
func (r *Reader) Header() []string { return append([]string(nil), r.header...) }

// Comma returns the delimiter in use (given or detected).
func (r *Reader) Comma() rune { return rune(r.comma) }

// Next returns the next data row. At the end of the input it returns io.EOF.
// A malformed row yields a nil Record and a *RowError for that row; the
// following call goes on with the next row. Any other error comes from the
// underlying io.Reader and is returned again by every later call.
func (r *Reader) Next() (*Record, error) {
	if r.fatal != nil {
		return nil, r.fatal
	}
	for {
		if err := r.readRecord(); err != nil {
			if err != io.EOF {
				err = fmt.Errorf("reading CSV at line %d: %w", r.line+1, err)
			}
			r.fatal = err
			return nil, err
		}
		if r.blank() {
			continue
		}
		r.row++
		if r.recErr == nil && (r.nfields < len(r.header) || r.extraText) {
			r.recErr = errorf(ErrFieldCount, "%d fields, header has %d", r.nfields, len(r.header))
		}
		if r.recErr != nil {
			return nil, &RowError{Row: r.row, Line: r.startLine, Err: r.recErr}
		}
		return r.record(), nil
	}
}

// record builds the Record of the current, well-formed row.
func (r *Reader) record() *Record {
	s := string(r.buf) // one allocation for all values
	vals := make([]string, len(r.header))
	fields := make(map[string]string, len(r.header))
	prev := 0
	for i, end := range r.ends {
		vals[i] = s[prev:end]
		fields[r.header[i]] = vals[i]
		prev = end
	}
	return &Record{Row: r.row, Line: r.startLine, Fields: fields, Values: vals}
}

// blank reports whether the current row is error-free and holds no text.
func (r *Reader) blank() bool {
	if r.recErr != nil || r.extraText {
		return false
	}
	prev := 0
	for _, end := range r.ends {
		if len(bytes.TrimSpace(r.buf[prev:end])) > 0 {
			return false
		}
		prev = end
	}
	return true
}

// sniff strips a UTF-8 byte order mark and recognises a few kinds of files
// that people upload instead of CSV, for a clearer message.
func (r *Reader) sniff() error {
	p, err := r.br.Peek(4)
	if err != nil && err != io.EOF {
		return fmt.Errorf("reading CSV header: %w", err)
	}
	switch {
	case bytes.HasPrefix(p, []byte("\xef\xbb\xbf")):
		_, _ = r.br.Discard(3)
	case bytes.HasPrefix(p, []byte("\xff\xfe")), bytes.HasPrefix(p, []byte("\xfe\xff")):
		return &HeaderError{Line: 1, Err: errorf(ErrNotText, "the file is UTF-16 text; save it as \"CSV UTF-8\"")}
	case bytes.HasPrefix(p, []byte("PK\x03\x04")), bytes.HasPrefix(p, []byte("\xd0\xcf\x11\xe0")):
		return &HeaderError{Line: 1, Err: errorf(ErrNotText, "the file looks like a spreadsheet workbook, not CSV; export it as \"CSV UTF-8\"")}
	}
	return nil
}

// detectComma looks at the first line with text (the header, up to the size
// of the read buffer) without consuming it and picks the delimiter.
func (r *Reader) detectComma() (byte, error) {
	candidates := [...]byte{',', ';', '\t'}
	var counts [len(candidates)]int
	n := 1
	for {
		p, err := r.br.Peek(n)
		if len(p) > 0 {
			p, _ = r.br.Peek(r.br.Buffered())
		}
		var complete bool
		counts, complete = countDelimiters(p, candidates)
		if complete || len(p) >= r.br.Size() {
			break
		}
		if err != nil {
			if err == io.EOF || err == bufio.ErrBufferFull {
				break
			}
			return 0, err
		}
		n = len(p) + 1
	}
	best := 0
	for i := range candidates {
		if counts[i] > counts[best] {
			best = i
		}
	}
	return candidates[best], nil
}

// countDelimiters counts each candidate outside quotes on the first line of p
// that holds text (lines of only blanks, quotes and delimiters are skipped, as
// the reader skips them). complete reports whether that line ended within p.
func countDelimiters(p []byte, candidates [3]byte) (counts [3]int, complete bool) {
	inQuotes, text := false, false
	for _, c := range p {
		switch c {
		case '\r', '\n':
			if inQuotes {
				continue
			}
			if text {
				return counts, true
			}
			counts = [3]int{}
		case '"':
			inQuotes = !inQuotes
		case candidates[0], candidates[1], candidates[2]:
			if !inQuotes {
				counts[bytes.IndexByte(candidates[:], c)]++
			}
		case ' ':
		default:
			text = true
		}
	}
	return counts, false
}

// readHeader reads the first non-blank row and checks the column names.
func (r *Reader) readHeader() error {
	r.inHeader = true
	r.storeCols = r.maxCols
	for {
		if err := r.readRecord(); err != nil {
			if err == io.EOF {
				msg := "no header row: the file is empty"
				if r.line > 0 {
					msg = "no header row: the file holds only blank lines"
				}
				return &HeaderError{Line: 1, Err: errorf(ErrNoHeader, "%s", msg)}
			}
			return fmt.Errorf("reading CSV header: %w", err)
		}
		if !r.blank() {
			break
		}
	}
	r.inHeader = false
	if r.recErr != nil {
		return &HeaderError{Line: r.startLine, Err: fmt.Errorf("header: %w", r.recErr)}
	}
	names := make([]string, 0, len(r.ends))
	prev := 0
	for _, end := range r.ends {
		names = append(names, strings.TrimSpace(string(r.buf[prev:end])))
		prev = end
	}
	for len(names) > 0 && names[len(names)-1] == "" {
		names = names[:len(names)-1]
	}
	seen := make(map[string]int, len(names))
	for i, name := range names {
		if name == "" {
			return &HeaderError{Line: r.startLine, Err: errorf(ErrEmptyColumnName, "header: column %d has no name", i+1)}
		}
		if j, dup := seen[name]; dup {
			return &HeaderError{Line: r.startLine, Err: errorf(ErrDuplicateColumn, "header: column %d %q has the same name as column %d", i+1, name, j+1)}
		}
		seen[name] = i
	}
	r.header = names
	r.storeCols = len(names)
	return nil
}

// State of the record parser.
const (
	stFieldStart = iota // at the start of a field
	stUnquoted          // inside an unquoted field
	stQuoted            // inside a quoted field
	stQuoteSeen         // just after a quote inside a quoted field
)

// readRecord parses the next record (which may be blank) into r.buf/r.ends.
// A malformed record is read up to its end and its first problem is kept in
// r.recErr. It returns io.EOF when no byte was left, or a read error.
func (r *Reader) readRecord() error {
	r.buf = r.buf[:0]
	r.ends = r.ends[:0]
	r.nfields = 0
	r.fieldStart = 0
	r.recErr = nil
	r.extraText = false
	r.startLine = r.line + 1

	st := stFieldStart
	consumed := false
	for {
		if r.br.Buffered() == 0 {
			if _, err := r.br.Peek(1); err != nil {
				if err != io.EOF {
					return err
				}
				if !consumed {
					return io.EOF
				}
				if st == stQuoted {
					r.fail(ErrUnterminated, "%squote opened on line %d is never closed", r.fieldLabel(r.nfields), r.quoteLine)
				}
				r.endField()
				r.validate()
				return nil
			}
		}
		buf, _ := r.br.Peek(r.br.Buffered())
		i := 0
		if r.skipLF {
			// The previous chunk ended with a CR: an LF here belongs to it.
			r.skipLF = false
			if buf[0] == '\n' {
				i = 1
			}
		}
		if i < len(buf) {
			consumed = true
		}
		var done bool
		i, st, done = r.parse(buf, i, st)
		_, _ = r.br.Discard(i)
		if done {
			r.validate()
			return nil
		}
	}
}

// parse runs the state machine over buf from i on. It returns the bytes
// consumed, the new state and whether the record ended.
func (r *Reader) parse(buf []byte, i, st int) (int, int, bool) {
	comma := r.comma
	for i < len(buf) {
		c := buf[i]
		switch st {
		case stFieldStart:
			switch c {
			case '"':
				st = stQuoted
				r.quoteLine = r.line + 1
				i++
			case comma:
				r.endField()
				i++
			case '\n', '\r':
				r.endField()
				return r.newline(buf, i), st, true
			default:
				st = stUnquoted
			}
		case stUnquoted:
			j := i
			for j < len(buf) && !r.special[buf[j]] {
				j++
			}
			r.appendField(buf[i:j])
			i = j
			if i == len(buf) {
				return i, st, false
			}
			switch c = buf[i]; c {
			case comma:
				r.endField()
				st = stFieldStart
				i++
			case '\n', '\r':
				r.endField()
				return r.newline(buf, i), st, true
			case '"':
				r.fail(ErrBareQuote, "%sbare quote in unquoted field%s (quote the whole field and double the quotes inside it)", r.fieldLabel(r.nfields), r.atLine())
				r.appendField(buf[i : i+1])
				i++
			}
		case stQuoted:
			j := i
			for j < len(buf) && buf[j] != '"' && buf[j] != '\n' && buf[j] != '\r' {
				j++
			}
			r.appendField(buf[i:j])
			i = j
			if i == len(buf) {
				return i, st, false
			}
			if buf[i] == '"' {
				st = stQuoteSeen
				i++
			} else {
				r.appendField(lf)
				i = r.newline(buf, i)
			}
		case stQuoteSeen:
			switch c {
			case '"':
				r.appendField(buf[i : i+1])
				st = stQuoted
				i++
			case comma:
				r.endField()
				st = stFieldStart
				i++
			case '\n', '\r':
				r.endField()
				return r.newline(buf, i), st, true
			default:
				// Keep reading the rest of the field as unquoted text, so the
				// damage stays within this row.
				r.fail(ErrQuote, "%stext after the closing quote%s (double the quotes inside a quoted field)", r.fieldLabel(r.nfields), r.atLine())
				st = stUnquoted
			}
		}
	}
	return i, st, false
}

// newline counts the line break at buf[i] (LF, CR or CRLF) and returns the
// index after it. A CR at the end of buf leaves a following LF to be skipped.
func (r *Reader) newline(buf []byte, i int) int {
	r.line++
	if buf[i] == '\r' {
		if i+1 < len(buf) {
			if buf[i+1] == '\n' {
				return i + 2
			}
		} else {
			r.skipLF = true
		}
	}
	return i + 1
}

// appendField adds b to the current field, up to the field size limit.
func (r *Reader) appendField(b []byte) {
	room := r.maxField - (len(r.buf) - r.fieldStart)
	if len(b) > room {
		if room > 0 {
			r.buf = append(r.buf, b[:room]...)
		}
		r.fail(ErrFieldTooLong, "%slonger than %d bytes", r.fieldLabel(r.nfields), r.maxField)
		return
	}
	r.buf = append(r.buf, b...)
}

// endField closes the current field.
func (r *Reader) endField() {
	idx := r.nfields
	r.nfields++
	f := r.buf[r.fieldStart:]
	if idx >= r.storeCols {
		if len(bytes.TrimSpace(f)) > 0 {
			r.extraText = true
			if r.inHeader {
				r.fail(ErrTooManyColumns, "more than %d columns", r.maxCols)
			}
		}
		r.buf = r.buf[:r.fieldStart]
		return
	}
	r.ends = append(r.ends, len(r.buf))
	r.fieldStart = len(r.buf)
}

// validate checks that the stored fields are UTF-8 text without NUL bytes.
func (r *Reader) validate() {
	if r.recErr != nil || (utf8.Valid(r.buf) && bytes.IndexByte(r.buf, 0) < 0) {
		return
	}
	prev := 0
	for idx, end := range r.ends {
		f := r.buf[prev:end]
		prev = end
		switch {
		case !utf8.Valid(f) && r.inHeader:
			r.fail(ErrNotText, "column %d is not valid UTF-8 text (a binary file, or another encoding such as Windows-1252? save it as \"CSV UTF-8\")", idx+1)
		case !utf8.Valid(f):
			r.fail(ErrInvalidUTF8, "%sinvalid UTF-8 (save the file as \"CSV UTF-8\")", r.fieldLabel(idx))
		case bytes.IndexByte(f, 0) >= 0 && r.inHeader:
			r.fail(ErrNotText, "column %d holds binary data (NUL byte); is this a CSV file?", idx+1)
		case bytes.IndexByte(f, 0) >= 0:
			r.fail(ErrNULByte, "%sholds a NUL byte", r.fieldLabel(idx))
		default:
			continue
		}
		return
	}
}

// fail records the first problem of the current record.
func (r *Reader) fail(kind error, format string, args ...any) {
	if r.recErr == nil {
		r.recErr = errorf(kind, format, args...)
	}
}

// fieldLabel names the current field for messages: `field 3 ("email"): `.
func (r *Reader) fieldLabel(idx int) string {
	switch {
	case r.inHeader:
		return fmt.Sprintf("column %d: ", idx+1)
	case idx < len(r.header):
		return fmt.Sprintf("field %d (%q): ", idx+1, r.header[idx])
	default:
		return fmt.Sprintf("field %d (beyond the header): ", idx+1)
	}
}

// atLine says on which line a problem is when the record spans lines.
func (r *Reader) atLine() string {
	if cur := r.line + 1; cur != r.startLine {
		return fmt.Sprintf(" on line %d", cur)
	}
	return ""
}

// lf is what a line break inside a quoted field becomes.
var lf = []byte{'\n'}
