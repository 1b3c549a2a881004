package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"strconv"
)

// The marker gopdf writes where a vector run goes: a dash pattern with
// negative lengths, which no PDF may contain, and the run's number as the
// phase ("[-70.17 -13.03] 12.00 d").
const (
	markerDash0 = -70.17
	markerDash1 = -13.03
)

var markerPrefix = []byte("[-70.17 -13.03] ")

// bytes writes the gopdf document and finishes it (see finish).
func (d *Document) bytes() ([]byte, error) {
	var raw bytes.Buffer
	if err := d.gp.Write(&raw); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	out, err := d.finish(raw.Bytes())
	if err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return out, nil
}

// finish turns what gopdf wrote into the file: in each page's content
// stream (gopdf leaves them uncompressed) the run markers are replaced by
// the runs and the stream is compressed at the fastest level, with one
// compressor for the whole document; the runs' ExtGStates join the
// resource dictionary; each page gets its /BleedBox after the /TrimBox
// (gopdf writes only MediaBox and TrimBox); and the cross-reference table
// is rebuilt. gopdf writes objects 1..n in order and their offsets in its
// xref table, which is how objects are found: nothing inside a stream is
// ever mistaken for structure.
func (d *Document) finish(raw []byte) ([]byte, error) {
	x := bytes.LastIndex(raw, []byte("\nxref\n"))
	if x < 0 {
		return nil, errors.New("no xref table")
	}
	x++
	offs, trailer, err := readXref(raw[x:])
	if err != nil {
		return nil, err
	}
	for i, o := range offs {
		if o >= x || i > 0 && o <= offs[i-1] {
			return nil, errors.New("objects out of order")
		}
	}
	obj := func(i int) []byte { // object i+1, "N 0 obj" to the next one
		end := x
		if i+1 < len(offs) {
			end = offs[i+1]
		}
		return raw[offs[i]:end]
	}
	// Page objects name their content streams and resources.
	pages, contents, resources := map[int]bool{}, map[int]bool{}, map[int]bool{}
	for i := range offs {
		if o := obj(i); isPage(o) {
			pages[i+1] = true
			contents[ref(o, "/Contents")] = true
			resources[ref(o, "/Resources")] = true
		}
	}

	var out bytes.Buffer
	out.Grow(len(raw)/2 + 1024)
	out.Write(raw[:offs[0]])
	newOffs := make([]int, len(offs))
	page := 0
	var run, z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	for i := range offs {
		newOffs[i] = out.Len()
		o := obj(i)
		switch {
		case contents[i+1]:
			if err := d.contentStream(&out, o, &run, &z, zw); err != nil {
				return nil, fmt.Errorf("object %d: %w", i+1, err)
			}
		case pages[i+1]:
			out.Write(withBleedBox(o, d.boxes, page))
			page++
		case resources[i+1] && len(d.gs.dicts) > 0:
			out.Write(withGStates(o, d.gs.dicts))
		default:
			out.Write(o)
		}
	}
	xref := out.Len()
	b := out.AvailableBuffer()
	b = append(b, "xref\n0 "...)
	b = strconv.AppendInt(b, int64(len(offs)+1), 10)
	b = append(b, "\n0000000000 65535 f \n"...)
	for _, o := range newOffs {
		b = fmt.Appendf(b, "%010d 00000 n \n", o)
	}
	out.Write(b)
	out.Write(trailer)
	fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", xref)
	return out.Bytes(), nil
}

// readXref reads gopdf's xref table and trailer (up to startxref).
func readXref(t []byte) (offs []int, trailer []byte, err error) {
	lines := bytes.SplitN(t, []byte("\n"), 3)
	if len(lines) < 3 || string(lines[0]) != "xref" {
		return nil, nil, errors.New("bad xref table")
	}
	var first, n int
	if _, err := fmt.Sscanf(string(lines[1]), "%d %d", &first, &n); err != nil || first != 0 || n < 2 {
		return nil, nil, errors.New("bad xref subsection")
	}
	rest := lines[2]
	for i := 0; i < n; i++ {
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			return nil, nil, errors.New("short xref table")
		}
		if i > 0 {
			f := bytes.Fields(rest[:nl])
			if len(f) < 1 {
				return nil, nil, errors.New("bad xref entry")
			}
			o, err := strconv.Atoi(string(f[0]))
			if err != nil {
				return nil, nil, err
			}
			offs = append(offs, o)
		}
		rest = rest[nl+1:]
	}
	if k := bytes.Index(rest, []byte("startxref")); k >= 0 {
		rest = rest[:k]
	}
	return offs, rest, nil
}

// ref returns the object number of key's indirect reference in o
// ("/Contents 7 0 R"), 0 if none.
func ref(o []byte, key string) int {
	k := bytes.Index(o, []byte(key))
	if k < 0 {
		return 0
	}
	v := o[k+len(key):]
	v = v[:min(len(v), 40)]
	f := bytes.Fields(v)
	if len(f) < 3 || string(f[2]) != "R" {
		return 0
	}
	id, _ := strconv.Atoi(string(f[0]))
	return id
}

// isPage reports a page object (gopdf writes "/Type /Page" alone on a
// line; "/Type /Pages" is the page tree).
func isPage(o []byte) bool { return bytes.Contains(o, []byte("/Type /Page\n")) }

// withBleedBox adds the bleed box of the page'th page after its TrimBox.
func withBleedBox(o []byte, boxes []pageBoxes, page int) []byte {
	k := bytes.Index(o, []byte("/TrimBox ["))
	if k < 0 || page >= len(boxes) {
		return o
	}
	end := bytes.IndexByte(o[k:], ']')
	if end < 0 {
		return o
	}
	end += k + 1
	b := boxes[page].bleed
	out := append([]byte(nil), o[:end]...)
	out = fmt.Appendf(out, "\n /BleedBox [ %0.2f %0.2f %0.2f %0.2f ]", b[0], b[1], b[2], b[3])
	return append(out, o[end:]...)
}

// withGStates adds the runs' ExtGStates to gopdf's resource dictionary.
func withGStates(o []byte, dicts []string) []byte {
	k := bytes.Index(o, []byte("/ExtGState <<"))
	if k < 0 {
		return o
	}
	k += len("/ExtGState <<")
	out := append([]byte(nil), o[:k]...)
	for i, d := range dicts {
		out = fmt.Appendf(out, "\n\t\t/FP%d %s", i+1, d)
	}
	return append(out, o[k:]...)
}

// contentStream writes content stream object o with the runs in place of
// their markers, compressed.
func (d *Document) contentStream(out *bytes.Buffer, o []byte, run, z *bytes.Buffer, zw *zlib.Writer) error {
	// gopdf: "N 0 obj\n<<\n/Length L\n>>\nstream\n" data "endstream\nendobj\n\n"
	head := bytes.Index(o, []byte("<<"))
	s := bytes.Index(o, []byte(">>\nstream\n"))
	if head < 0 || s < 0 {
		return errors.New("content stream expected")
	}
	var n int
	if _, err := fmt.Sscanf(string(bytes.TrimSpace(o[head+2:s])), "/Length %d", &n); err != nil {
		return fmt.Errorf("content stream length: %w", err)
	}
	data := o[s+len(">>\nstream\n"):]
	if n > len(data) {
		return errors.New("content stream overruns its object")
	}
	data = data[:n]
	run.Reset()
	for {
		k := bytes.Index(data, markerPrefix)
		if k < 0 {
			run.Write(data)
			break
		}
		run.Write(data[:k])
		rest := data[k+len(markerPrefix):]
		e := bytes.Index(rest, []byte(" d\n"))
		if e < 0 {
			return errors.New("broken run marker")
		}
		f, err := strconv.ParseFloat(string(rest[:e]), 64)
		i := int(f)
		if err != nil || float64(i) != f || i < 0 || i >= len(d.runs) {
			return fmt.Errorf("bad run marker %q", rest[:e])
		}
		run.WriteString("q\n")
		run.Write(d.runs[i])
		run.WriteString("Q\n")
		data = rest[e+len(" d\n"):]
	}
	z.Reset()
	zw.Reset(z)
	zw.Write(run.Bytes())
	if err := zw.Close(); err != nil {
		return err
	}
	out.Write(o[:head])
	fmt.Fprintf(out, "<<\n/Filter /FlateDecode\n/Length %d\n>>\nstream\n", z.Len())
	out.Write(z.Bytes())
	out.WriteString("\nendstream\nendobj\n\n")
	return nil
}
