package batch

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads every row of input and describes each result in one string:
// "row@line: v1|v2|..." for a record, "!row@line: message" for a *RowError.
func readAll(t *testing.T, r *Reader) []string {
	t.Helper()
	var out []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			// EOF is sticky.
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("Next after EOF = %v, want io.EOF", err)
			}
			return out
		}
		var rowErr *RowError
		switch {
		case errors.As(err, &rowErr):
			if rec != nil {
				t.Errorf("Next returned a record with a RowError")
			}
			out = append(out, fmt.Sprintf("!%d@%d: %v", rowErr.Row, rowErr.Line, rowErr.Err))
		case err != nil:
			t.Fatalf("Next: unexpected error %v", err)
		default:
			if len(rec.Values) != len(r.header) || len(rec.Fields) != len(r.header) {
				t.Fatalf("record has %d values and %d fields, header has %d", len(rec.Values), len(rec.Fields), len(r.header))
			}
			for i, name := range r.header {
				if rec.Fields[name] != rec.Values[i] {
					t.Fatalf("Fields[%q] = %q, Values[%d] = %q", name, rec.Fields[name], i, rec.Values[i])
				}
			}
			out = append(out, fmt.Sprintf("%d@%d: %s", rec.Row, rec.Line, strings.Join(rec.Values, "|")))
		}
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		opts   ReaderOptions
		header []string
		comma  rune
		want   []string // see readAll; an entry starting with "!" only needs to be a prefix of the error
	}{
		{
			name:   "basic",
			in:     "name,email\nAnn,ann@example.com\nBob,bob@example.com\n",
			header: []string{"name", "email"},
			want:   []string{"1@2: Ann|ann@example.com", "2@3: Bob|bob@example.com"},
		},
		{
			name:   "BOM stripped",
			in:     "\ufeffname,email\nAnn,a@x\n",
			header: []string{"name", "email"},
			want:   []string{"1@2: Ann|a@x"},
		},
		{
			name:   "BOM only in first field, not later",
			in:     "\ufeffname\n\ufeffAnn\n",
			header: []string{"name"},
			want:   []string{"1@2: \ufeffAnn"},
		},
		{
			name:   "semicolon detected",
			in:     "name;city;note\nAnn;Köln;a, b\n",
			header: []string{"name", "city", "note"},
			comma:  ';',
			want:   []string{"1@2: Ann|Köln|a, b"},
		},
		{
			name:   "semicolon detected, commas only inside quotes",
			in:     "\"last, first\";\"a,b,c\";x\n\"Doe, J\";1;2\n",
			header: []string{"last, first", "a,b,c", "x"},
			comma:  ';',
			want:   []string{"1@2: Doe, J|1|2"},
		},
		{
			name:   "tab detected",
			in:     "name\tcity\nAnn\tSan Francisco, CA\n",
			header: []string{"name", "city"},
			comma:  '\t',
			want:   []string{"1@2: Ann|San Francisco, CA"},
		},
		{
			name:   "tie goes to comma",
			in:     "a,b;c\n1,2;3\n",
			header: []string{"a", "b;c"},
			comma:  ',',
			want:   []string{"1@2: 1|2;3"},
		},
		{
			name:   "single column",
			in:     "email\na@x\nb@x\n",
			header: []string{"email"},
			comma:  ',',
			want:   []string{"1@2: a@x", "2@3: b@x"},
		},
		{
			name:   "detection skips leading blank lines",
			in:     "\n;;\n\nname;city\nAnn;Paris\n",
			header: []string{"name", "city"},
			comma:  ';',
			want:   []string{"1@5: Ann|Paris"},
		},
		{
			name:   "explicit delimiter",
			in:     "a|b,c\n1|2,3\n",
			opts:   ReaderOptions{Comma: '|'},
			header: []string{"a", "b,c"},
			comma:  '|',
			want:   []string{"1@2: 1|2,3"},
		},
		{
			name:   "quoted comma",
			in:     "name,address\nAnn,\"1 Main St, Apt 2\"\n",
			header: []string{"name", "address"},
			want:   []string{"1@2: Ann|1 Main St, Apt 2"},
		},
		{
			name:   "quoted newline and the line of the next row",
			in:     "name,address\n\"Ann\",\"1 Main St\nApt 2\nSpringfield\"\nBob,\"x\"\nCid,y\n",
			header: []string{"name", "address"},
			want:   []string{"1@2: Ann|1 Main St\nApt 2\nSpringfield", "2@5: Bob|x", "3@6: Cid|y"},
		},
		{
			name:   "quoted CRLF becomes LF",
			in:     "a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n",
			header: []string{"a", "b"},
			want:   []string{"1@2: 1|x\ny", "2@4: 2|z"},
		},
		{
			name:   "doubled quotes",
			in:     "a,b\n\"She said \"\"hi\"\"\",\"\"\"\"\n\"\",x\n",
			header: []string{"a", "b"},
			want:   []string{"1@2: She said \"hi\"|\"", "2@3: |x"},
		},
		{
			name:   "CRLF",
			in:     "a,b\r\n1,2\r\n3,4\r\n",
			header: []string{"a", "b"},
			want:   []string{"1@2: 1|2", "2@3: 3|4"},
		},
		{
			name:   "lone CR line endings",
			in:     "a,b\r1,2\r\r3,4",
			header: []string{"a", "b"},
			want:   []string{"1@2: 1|2", "2@4: 3|4"},
		},
		{
			name:   "no final newline",
			in:     "a,b\n1,2",
			header: []string{"a", "b"},
			want:   []string{"1@2: 1|2"},
		},
		{
			name:   "trailing blank lines ignored",
			in:     "a,b\n1,2\n\n\r\n\n",
			header: []string{"a", "b"},
			want:   []string{"1@2: 1|2"},
		},
		{
			name:   "blank lines in the middle skipped but counted",
			in:     "a,b\n\n1,2\n\n\n3,4\n",
			header: []string{"a", "b"},
			want:   []string{"1@3: 1|2", "2@6: 3|4"},
		},
		{
			name:   "spreadsheet empty rows skipped",
			in:     "a,b,c\n1,2,3\n,,\n  , ,\n,\n4,5,6\n,,\n,,\n",
			header: []string{"a", "b", "c"},
			want:   []string{"1@2: 1|2|3", "2@6: 4|5|6"},
		},
		{
			name:   "values are not trimmed, header names are",
			in:     " name , city\n Ann , Paris \n",
			header: []string{"name", "city"},
			want:   []string{"1@2:  Ann | Paris "},
		},
		{
			name:   "trailing empty header names dropped",
			in:     "a,b,,\n1,2,,\n3,4\n5,6,7\n",
			header: []string{"a", "b"},
			want:   []string{"1@2: 1|2", "2@3: 3|4", "!3@4: 3 fields, header has 2"},
		},
		{
			name:   "short row mid-file then continue",
			in:     "a,b,c,d,e\n1,2,3,4,5\n1,2,3\n6,7,8,9,10\n",
			header: []string{"a", "b", "c", "d", "e"},
			want:   []string{"1@2: 1|2|3|4|5", "!2@3: 3 fields, header has 5", "3@4: 6|7|8|9|10"},
		},
		{
			name:   "extra empty fields allowed, extra text is not",
			in:     "a,b\n1,2,,\"\",\n3,4,x\n5,6\n",
			header: []string{"a", "b"},
			want:   []string{"1@2: 1|2", "!2@3: 3 fields, header has 2", "3@4: 5|6"},
		},
		{
			name:   "bare quote mid-file then continue",
			in:     "a,b\n1,2\n3,x\"y\n4,5\n",
			header: []string{"a", "b"},
			want:   []string{"1@2: 1|2", "!2@3: field 2 (\"b\"): bare quote in unquoted field", "3@4: 4|5"},
		},
		{
			name:   "bare quote does not swallow following rows",
			in:     "a,b\n3,5\" screen\n\"4\",\"5\"\n6,7\n",
			header: []string{"a", "b"},
			want:   []string{"!1@2: field 2 (\"b\"): bare quote", "2@3: 4|5", "3@4: 6|7"},
		},
		{
			name:   "text after a closing quote stays within the row",
			in:     "a,b\n\"ab\"c,d\n1,2\n",
			header: []string{"a", "b"},
			want:   []string{"!1@2: field 1 (\"a\"): text after the closing quote", "2@3: 1|2"},
		},
		{
			name:   "quote error inside a multi-line row names both lines",
			in:     "a,b\n\"x\ny\"z,1\n2,3\n",
			header: []string{"a", "b"},
			want:   []string{"!1@2: field 1 (\"a\"): text after the closing quote on line 3", "2@4: 2|3"},
		},
		{
			name:   "unterminated quote at end of file",
			in:     "a,b\n1,2\n3,\"open\n4,5\n",
			header: []string{"a", "b"},
			want:   []string{"1@2: 1|2", "!2@3: field 2 (\"b\"): quote opened on line 3 is never closed"},
		},
		{
			name:   "invalid UTF-8 field then continue",
			in:     "name,city\nAnn,K\xf6ln\nBob,Paris\n",
			header: []string{"name", "city"},
			want:   []string{"!1@2: field 2 (\"city\"): invalid UTF-8", "2@3: Bob|Paris"},
		},
		{
			name:   "NUL byte in a field",
			in:     "a,b\n1,x\x00y\n2,3\n",
			header: []string{"a", "b"},
			want:   []string{"!1@2: field 2 (\"b\"): holds a NUL byte", "2@3: 2|3"},
		},
		{
			name:   "header only",
			in:     "a,b,c\n",
			header: []string{"a", "b", "c"},
		},
		{
			name:   "header only without newline",
			in:     "a,b,c",
			header: []string{"a", "b", "c"},
		},
		{
			name:   "header after blank lines, multi-line quoted header name",
			in:     "\r\n\r\n\"street\naddress\",zip\nMain St,12345\n",
			header: []string{"street\naddress", "zip"},
			want:   []string{"1@5: Main St|12345"},
		},
		{
			name:   "over-long field then continue",
			in:     "a,b\n1,0123456789\n2,01234567890\n3,\"012345\n789\"\n4,\"01234\n567890\"\n5,6\n",
			opts:   ReaderOptions{MaxFieldBytes: 10},
			header: []string{"a", "b"},
			want: []string{
				"1@2: 1|0123456789",
				"!2@3: field 2 (\"b\"): longer than 10 bytes",
				"3@4: 3|012345\n789",
				"!4@6: field 2 (\"b\"): longer than 10 bytes",
				"5@8: 5|6",
			},
		},
		{
			name:   "unicode values and header",
			in:     "prénom;ville\nZoë;Zürich\n李;北京\n",
			header: []string{"prénom", "ville"},
			comma:  ';',
			want:   []string{"1@2: Zoë|Zürich", "2@3: 李|北京"},
		},
	}
	for _, tt := range tests {
		for _, wrap := range []struct {
			name string
			fn   func(io.Reader) io.Reader
		}{
			{"whole", func(r io.Reader) io.Reader { return r }},
			{"one byte at a time", iotest.OneByteReader},
			{"half reads", iotest.HalfReader},
		} {
			t.Run(tt.name+"/"+wrap.name, func(t *testing.T) {
				r, err := NewReader(wrap.fn(strings.NewReader(tt.in)), tt.opts)
				if err != nil {
					t.Fatalf("NewReader: %v", err)
				}
				if got := r.Header(); !slices.Equal(got, tt.header) {
					t.Errorf("Header() = %q, want %q", got, tt.header)
				}
				wantComma := tt.comma
				if wantComma == 0 {
					wantComma = ','
				}
				if r.Comma() != wantComma {
					t.Errorf("Comma() = %q, want %q", r.Comma(), wantComma)
				}
				got := readAll(t, r)
				if len(got) != len(tt.want) {
					t.Fatalf("got %d results, want %d:\n got %q\nwant %q", len(got), len(tt.want), got, tt.want)
				}
				for i := range got {
					if strings.HasPrefix(tt.want[i], "!") {
						if !strings.HasPrefix(got[i], tt.want[i]) {
							t.Errorf("result %d = %q, want prefix %q", i, got[i], tt.want[i])
						}
					} else if got[i] != tt.want[i] {
						t.Errorf("result %d = %q, want %q", i, got[i], tt.want[i])
					}
				}
			})
		}
	}
}

func TestReaderRowErrorKinds(t *testing.T) {
	tests := []struct {
		name string
		row  string
		opts ReaderOptions
		kind error
	}{
		{"short row", "1\n", ReaderOptions{}, ErrFieldCount},
		{"long row", "1,2,3\n", ReaderOptions{}, ErrFieldCount},
		{"bare quote", "1,a\"b\n", ReaderOptions{}, ErrBareQuote},
		{"text after quote", "\"a\"b,2\n", ReaderOptions{}, ErrQuote},
		{"unterminated", "1,\"abc\n", ReaderOptions{}, ErrUnterminated},
		{"invalid UTF-8", "1,\xc3\x28\n", ReaderOptions{}, ErrInvalidUTF8},
		{"NUL", "1,\x00\n", ReaderOptions{}, ErrNULByte},
		{"too long", "1,abcdef\n", ReaderOptions{MaxFieldBytes: 3}, ErrFieldTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader("a,b\n"+tt.row+"x,y\n"), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.Next()
			var rowErr *RowError
			if !errors.As(err, &rowErr) || !errors.Is(err, tt.kind) {
				t.Fatalf("Next() error = %v, want a *RowError wrapping %v", err, tt.kind)
			}
			if rowErr.Row != 1 || rowErr.Line != 2 || !strings.HasPrefix(err.Error(), "line 2: ") {
				t.Errorf("RowError = row %d line %d %q, want row 1 line 2", rowErr.Row, rowErr.Line, err)
			}
			rec, err := r.Next()
			if tt.kind == ErrUnterminated {
				if err != io.EOF {
					t.Fatalf("after an unterminated quote: %v, %v; want io.EOF", rec, err)
				}
				return
			}
			if err != nil || rec.Row != 2 || rec.Line != 3 || rec.Fields["a"] != "x" {
				t.Fatalf("row after the bad one = %+v, %v", rec, err)
			}
		})
	}
}

func TestReaderHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opts ReaderOptions
		kind error
		line int
		msg  string
	}{
		{"empty file", "", ReaderOptions{}, ErrNoHeader, 1, "line 1: no header row: the file is empty"},
		{"BOM only", "\ufeff", ReaderOptions{}, ErrNoHeader, 1, "line 1: no header row: the file is empty"},
		{"only blank lines", "\n\r\n\n", ReaderOptions{}, ErrNoHeader, 1, "line 1: no header row: the file holds only blank lines"},
		{"duplicate names", "email,name,email\n", ReaderOptions{}, ErrDuplicateColumn, 1, `line 1: header: column 3 "email" has the same name as column 1`},
		{"duplicate after trimming", "\n a ,a\n", ReaderOptions{}, ErrDuplicateColumn, 2, `line 2: header: column 2 "a" has the same name as column 1`},
		{"empty name", "a,,c\n", ReaderOptions{}, ErrEmptyColumnName, 1, "line 1: header: column 2 has no name"},
		{"blank name", "a,\"  \",c\n", ReaderOptions{}, ErrEmptyColumnName, 1, "line 1: header: column 2 has no name"},
		{"invalid UTF-8", "name,st\xe4dt\n", ReaderOptions{}, ErrNotText, 1, "line 1: header: column 2 is not valid UTF-8"},
		{"binary", "\x7fELF\x02\x01\x01\x00\x00\x00", ReaderOptions{}, ErrNotText, 1, "line 1: header: column 1 holds binary data"},
		{"UTF-16", "\xff\xfen\x00a\x00", ReaderOptions{}, ErrNotText, 1, "line 1: the file is UTF-16"},
		{"xlsx", "PK\x03\x04\x14\x00", ReaderOptions{}, ErrNotText, 1, "line 1: the file looks like a spreadsheet workbook"},
		{"bare quote in header", "a,b\"c\n", ReaderOptions{}, ErrBareQuote, 1, "line 1: header: column 2: bare quote"},
		{"too many columns", "a,b,c,d\n", ReaderOptions{MaxColumns: 3}, ErrTooManyColumns, 1, "line 1: header: more than 3 columns"},
		{"header name too long", "a,bcdef\n", ReaderOptions{MaxFieldBytes: 4}, ErrFieldTooLong, 1, "line 1: header: column 2: longer than 4 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(tt.in), tt.opts)
			var hErr *HeaderError
			if !errors.As(err, &hErr) {
				t.Fatalf("NewReader = %v, %v; want a *HeaderError", r, err)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			if hErr.Line != tt.line {
				t.Errorf("Line = %d, want %d", hErr.Line, tt.line)
			}
			if !strings.HasPrefix(err.Error(), tt.msg) {
				t.Errorf("error = %q, want prefix %q", err, tt.msg)
			}
		})
	}
}

func TestReaderOptions(t *testing.T) {
	for _, c := range []rune{'"', '\n', '\r', 'é'} {
		if _, err := NewReader(strings.NewReader("a,b\n"), ReaderOptions{Comma: c}); !errors.Is(err, ErrInvalidDelimiter) {
			t.Errorf("Comma %q: err = %v, want ErrInvalidDelimiter", c, err)
		}
	}
	// Trailing empty columns beyond MaxColumns are ignored like other empty
	// trailing names.
	r, err := NewReader(strings.NewReader("a,b,c,,,,\n"), ReaderOptions{MaxColumns: 3})
	if err != nil || len(r.Header()) != 3 {
		t.Fatalf("NewReader = %v, %v", r, err)
	}
	// Header returns a copy.
	r.Header()[0] = "changed"
	if r.Header()[0] != "a" {
		t.Error("Header() exposes the reader's slice")
	}
}

// A header longer than the first read must still be seen whole by delimiter
// detection.
func TestReaderDetectLongHeader(t *testing.T) {
	var b strings.Builder
	for i := range 3000 {
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, "column, number %d", i) // commas only inside names
	}
	header := b.String()
	// Quote every name so the commas are inside quotes: the detection must
	// see the semicolons.
	quoted := "\"" + strings.ReplaceAll(header, ";", "\";\"") + "\""
	in := quoted + "\n" + strings.Repeat("x;", 2999) + "x\n"
	r, err := NewReader(iotest.HalfReader(strings.NewReader(in)), ReaderOptions{MaxColumns: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if r.Comma() != ';' || len(r.Header()) != 3000 {
		t.Fatalf("Comma = %q, %d columns; want ';' and 3000", r.Comma(), len(r.Header()))
	}
	rec, err := r.Next()
	if err != nil || rec.Fields["column, number 2999"] != "x" {
		t.Fatalf("Next = %v, %v", rec, err)
	}
}

// A read error of the underlying reader stops the file and is not a RowError.
func TestReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	in := io.MultiReader(strings.NewReader("a,b\n1,2\n3,"), iotest.ErrReader(boom))
	r, err := NewReader(in, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := r.Next(); err != nil || rec.Values[1] != "2" {
		t.Fatalf("first row: %v, %v", rec, err)
	}
	for range 2 {
		_, err := r.Next()
		var rowErr *RowError
		if !errors.Is(err, boom) || errors.As(err, &rowErr) {
			t.Fatalf("Next = %v, want the read error (not a RowError)", err)
		}
	}
	if _, err := NewReader(iotest.ErrReader(boom), ReaderOptions{}); !errors.Is(err, boom) {
		t.Fatalf("NewReader on a failing reader = %v", err)
	}
}

// Everything encoding/csv writes, the Reader reads back identically, with the
// line numbers encoding/csv reports.
func TestReaderRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "Zoë", ",", ";", "\t", "\"", "\n", "\r\n", " ", "x y", "北京", ""}
	for iter := range 200 {
		cols := 1 + rng.IntN(6)
		rows := make([][]string, 1+rng.IntN(20))
		for i := range rows {
			rows[i] = make([]string, cols)
			for j := range rows[i] {
				if i == 0 {
					rows[i][j] = fmt.Sprintf("c%d", j) // a clean header
					continue
				}
				var s strings.Builder
				for range rng.IntN(5) {
					s.WriteString(pieces[rng.IntN(len(pieces))])
				}
				rows[i][j] = s.String()
			}
			if i > 0 {
				rows[i][0] = "id" + strconv.Itoa(i) // never blank
			}
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Comma = []rune{',', ';', '\t'}[iter%3]
		w.UseCRLF = iter%2 == 0
		if err := w.WriteAll(rows); err != nil {
			t.Fatal(err)
		}
		in := buf.String()

		ref := csv.NewReader(strings.NewReader(in))
		ref.Comma = w.Comma
		var refLines []int
		if _, err := ref.Read(); err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := ref.Read(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			line, _ := ref.FieldPos(0)
			refLines = append(refLines, line)
		}

		opts := ReaderOptions{}
		if cols == 1 {
			opts.Comma = w.Comma // nothing to detect from
		}
		r, err := NewReader(strings.NewReader(in), opts)
		if err != nil {
			t.Fatalf("iteration %d: %v\n%q", iter, err, in)
		}
		if cols > 1 && r.Comma() != w.Comma {
			t.Fatalf("iteration %d: detected %q, wrote %q\n%q", iter, r.Comma(), w.Comma, in)
		}
		for i, want := range rows[1:] {
			rec, err := r.Next()
			if err != nil {
				t.Fatalf("iteration %d row %d: %v\n%q", iter, i+1, err, in)
			}
			// encoding/csv turns \r\n inside quotes into \n, and so do we.
			for j := range want {
				want[j] = strings.ReplaceAll(want[j], "\r\n", "\n")
			}
			if !slices.Equal(rec.Values, want) || rec.Row != i+1 || rec.Line != refLines[i] {
				t.Fatalf("iteration %d row %d = %d@%d %q, want %d@%d %q\n%q", iter, i+1, rec.Row, rec.Line, rec.Values, i+1, refLines[i], want, in)
			}
		}
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("iteration %d: after the last row: %v", iter, err)
		}
	}
}

// rowSource generates a CSV of n data rows on the fly, never holding more than
// one row.
type rowSource struct {
	n, next int
	pending []byte
	header  bool
}

func (s *rowSource) Read(p []byte) (int, error) {
	written := 0
	for written < len(p) {
		if len(s.pending) == 0 {
			switch {
			case !s.header:
				s.header = true
				s.pending = append(s.pending[:0], "id,first_name,last_name,email,address\r\n"...)
			case s.next < s.n:
				s.next++
				i := s.next
				b := s.pending[:0]
				b = strconv.AppendInt(b, int64(i), 10)
				b = append(b, ",First"...)
				b = strconv.AppendInt(b, int64(i), 10)
				b = append(b, ",Last,user"...)
				b = strconv.AppendInt(b, int64(i), 10)
				b = append(b, "@example.com,\""...)
				b = strconv.AppendInt(b, int64(i%1000), 10)
				b = append(b, " Main St, Springfield\"\r\n"...)
				s.pending = b
			default:
				if written == 0 {
					return 0, io.EOF
				}
				return written, nil
			}
		}
		c := copy(p[written:], s.pending)
		written += c
		s.pending = s.pending[c:]
	}
	return written, nil
}

func TestReaderMillionRowsStream(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000,000 rows: skipped in -short")
	}
	rows := 1_000_000
	if raceEnabled() {
		// The race detector slows every memory access several times; a
		// quarter of the rows shows the same bound in the time budget.
		rows = 250_000
	}
	heapInuse := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	base := heapInuse()
	peak := base

	r, err := NewReader(&rowSource{n: rows}, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var kept []*Record // a few records, to show earlier ones stay valid
	n := 0
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("row %d: %v", n+1, err)
		}
		n++
		if rec.Row != n || rec.Line != n+1 {
			t.Fatalf("record %d has Row %d Line %d", n, rec.Row, rec.Line)
		}
		if n%(rows/10) == 0 {
			kept = append(kept, rec)
			peak = max(peak, heapInuse())
		}
	}
	if n != rows {
		t.Fatalf("read %d rows, want %d", n, rows)
	}
	for i, rec := range kept {
		id := strconv.Itoa((i + 1) * (rows / 10))
		if rec.Fields["id"] != id || rec.Fields["email"] != "user"+id+"@example.com" {
			t.Fatalf("kept record %d = %v", i, rec.Fields)
		}
	}
	growth := int64(peak) - int64(base)
	t.Logf("HeapInuse: base %d KiB, peak %d KiB (growth %d KiB) over %d rows", base>>10, peak>>10, growth>>10, rows)
	if growth > 4<<20 {
		t.Errorf("HeapInuse grew by %d KiB while streaming; the reader should hold one row", growth>>10)
	}
}

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

func BenchmarkReaderNext(b *testing.B) {
	const rows = 10_000
	data, err := io.ReadAll(&rowSource{n: rows})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)) / rows)
	b.ReportAllocs()
	var r *Reader
	for i := 0; b.Loop(); i++ {
		if i%rows == 0 {
			b.StopTimer()
			if r, err = NewReader(bytes.NewReader(data), ReaderOptions{}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := r.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzReader checks invariants on arbitrary input: no panic, rows numbered
// 1, 2, 3..., lines increasing, the same results whatever the read sizes.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a;b\r\n\"x\r\ny\";2\r\n", "a\tb\n1\t\"2\"\"\"\n", "a,b\n3,x\"y\n\"ab\"c,d\n\n,\n1,2,3\n",
		"\ufeffa,b\r1,\"\r\"\r", "a,b\n\"open\n", "a,a\n", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		collect := func(src io.Reader) (string, []string) {
			r, err := NewReader(src, ReaderOptions{MaxFieldBytes: 64, MaxColumns: 16})
			if err != nil {
				return err.Error(), nil
			}
			var out []string
			row, line := 0, 0
			for {
				rec, err := r.Next()
				if err == io.EOF {
					return string(r.Comma()) + strings.Join(r.Header(), "\x00"), out
				}
				var rowErr *RowError
				if errors.As(err, &rowErr) {
					row, line = rowErr.Row-1, rowErr.Line-1 // checked below like a record
					rec = &Record{Row: rowErr.Row, Line: rowErr.Line}
				} else if err != nil {
					t.Fatalf("Next: %v", err)
				} else if len(rec.Values) != len(r.Header()) {
					t.Fatalf("%d values, header has %d", len(rec.Values), len(r.Header()))
				}
				if rec.Row != row+1 || rec.Line <= line {
					t.Fatalf("row %d at line %d follows row %d at line %d", rec.Row, rec.Line, row, line)
				}
				row, line = rec.Row, rec.Line
				out = append(out, fmt.Sprintf("%d@%d %q %v", rec.Row, rec.Line, rec.Values, err))
			}
		}
		h1, r1 := collect(strings.NewReader(in))
		h2, r2 := collect(iotest.OneByteReader(strings.NewReader(in)))
		if h1 != h2 || !slices.Equal(r1, r2) {
			t.Fatalf("results depend on read sizes:\n%q %q\n%q %q", h1, r1, h2, r2)
		}
	})
}
