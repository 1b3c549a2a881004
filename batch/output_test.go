package batch

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCleanName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0001-ann.png", "0001-ann.png"},
		{"../../etc/passwd", "etc/passwd"},
		{"/abs/x.png", "abs/x.png"},
		{`C:\Windows\x.png`, "Windows/x.png"},
		{`..\..\x.png`, "x.png"},
		{"a/./b/../c.png", "a/b/c.png"},
		{"a//b", "a/b"},
		{"tab\there", "tab_here"},
		{"..", ""},
		{"/", ""},
		{"", ""},
		{". /x", "x"},
	}
	for _, tt := range tests {
		if got := CleanName(tt.in); got != tt.want {
			t.Errorf("CleanName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriteManifest(t *testing.T) {
	var buf bytes.Buffer
	err := WriteManifest(&buf, []ManifestRow{
		{Row: 3, Line: 5, Status: StatusFailed, Error: `field 4 ("address1"): bare quote, see "docs"`},
		{Row: 1, Line: 2, Status: StatusDone, File: "0001-ann.png"},
		{Row: 2, Line: 3, Status: StatusFailed, Error: "two\nlines"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "row,line,status,file,error\n" +
		"1,2,done,0001-ann.png,\n" +
		"2,3,failed,,two lines\n" +
		`3,5,failed,,"field 4 (""address1""): bare quote, see ""docs"""` + "\n"
	if buf.String() != want {
		t.Errorf("manifest:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// readManifest parses manifest.csv into rows of strings, header excluded.
func readManifest(t *testing.T, r io.Reader) [][]string {
	t.Helper()
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], []string{"row", "line", "status", "file", "error"}) {
		t.Fatalf("manifest header %q", recs)
	}
	return recs[1:]
}

func TestZipOutput(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "sub", "out.zip")
	out, err := NewOutput(dest)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.(*ZipOutput); !ok {
		t.Fatalf("NewOutput(%q) is %T, want *ZipOutput", dest, out)
	}
	if err := out.Add("0002-bob.png", []byte("two")); err != nil {
		t.Fatal(err)
	}
	if err := out.Add("../../0001-ann.png", []byte("one")); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"..", "manifest.csv", "0002-bob.png", "./0002-bob.png"} {
		if err := out.Add(bad, nil); !errors.Is(err, ErrBadName) {
			t.Errorf("Add(%q): err = %v, want ErrBadName", bad, err)
		}
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Fatalf("the archive exists before Close: %v", err)
	}
	manifest := []ManifestRow{
		{Row: 2, Line: 3, Status: StatusDone, File: "0002-bob.png"},
		{Row: 1, Line: 2, Status: StatusDone, File: "0001-ann.png"},
		{Row: 3, Line: 4, Status: StatusFailed, Error: "missing required field first_name"},
	}
	if err := out.Close(manifest); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(nil); err == nil {
		t.Error("second Close: no error")
	}
	if err := out.Add("late.png", nil); err == nil {
		t.Error("Add after Close: no error")
	}

	zr, err := zip.OpenReader(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if want := []string{"0002-bob.png", "0001-ann.png", "manifest.csv"}; !slices.Equal(names, want) {
		t.Errorf("entries %q, want %q (in completion order, manifest last)", names, want)
	}
	if got := readZipFile(t, zr, "0001-ann.png"); got != "one" {
		t.Errorf("0001-ann.png holds %q", got)
	}
	rows := readManifest(t, strings.NewReader(readZipFile(t, zr, "manifest.csv")))
	want := [][]string{
		{"1", "2", "done", "0001-ann.png", ""},
		{"2", "3", "done", "0002-bob.png", ""},
		{"3", "4", "failed", "", "missing required field first_name"},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("manifest %q, want %q", rows, want)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "sub", ".*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %q", left)
	}
}

func readZipFile(t *testing.T, zr *zip.ReadCloser, name string) string {
	t.Helper()
	f, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestZipOutputInterrupted closes an archive part way through a batch, as
// the batch command does after Ctrl-C: the archive is valid and its
// manifest lists exactly what finished.
func TestZipOutputInterrupted(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "out.zip")
	out, err := NewZipOutput(dest)
	if err != nil {
		t.Fatal(err)
	}
	var manifest []ManifestRow
	for row := 1; row <= 100; row++ {
		if row == 38 { // interrupted here
			break
		}
		name := PieceName(row, 4, "Recipient", ".png")
		if err := out.Add(name, bytes.Repeat([]byte{byte(row)}, 1000)); err != nil {
			t.Fatal(err)
		}
		manifest = append(manifest, ManifestRow{Row: row, Line: row + 1, Status: StatusDone, File: name})
	}
	if err := out.Close(manifest); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(dest)
	if err != nil {
		t.Fatalf("interrupted archive is not a valid ZIP: %v", err)
	}
	defer zr.Close()
	if len(zr.File) != 38 {
		t.Errorf("%d entries, want 37 pieces and the manifest", len(zr.File))
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil { // checks the CRC
			t.Errorf("%s: %v", f.Name, err)
		}
		rc.Close()
	}
	if rows := readManifest(t, strings.NewReader(readZipFile(t, zr, ManifestName))); len(rows) != 37 {
		t.Errorf("manifest has %d rows, want 37", len(rows))
	}
}

func TestFolderOutput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pieces")
	out, err := NewOutput(dir + string(filepath.Separator))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.(*FolderOutput); !ok {
		t.Fatalf("NewOutput is %T, want *FolderOutput", out)
	}
	if err := out.Add("0001-ann.png", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := out.Add("../../escape.png", []byte("two")); err != nil {
		t.Fatal(err)
	}
	if err := out.Add("proofs/0003.png", []byte("three")); err != nil {
		t.Fatal(err)
	}
	if err := out.Add("/", nil); !errors.Is(err, ErrBadName) {
		t.Errorf("Add(/): err = %v, want ErrBadName", err)
	}
	if err := out.Add("MANIFEST.CSV", nil); !errors.Is(err, ErrBadName) {
		t.Errorf("Add(MANIFEST.CSV): err = %v, want ErrBadName", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestName)); !os.IsNotExist(err) {
		t.Error("manifest written before Close")
	}
	if err := out.Close([]ManifestRow{{Row: 1, Line: 2, Status: StatusDone, File: "0001-ann.png"}}); err != nil {
		t.Fatal(err)
	}
	var files []string
	err = filepath.WalkDir(filepath.Dir(dir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	if want := []string{"0001-ann.png", "escape.png", "manifest.csv", "proofs/0003.png"}; !slices.Equal(files, want) {
		t.Errorf("files %q, want %q (nothing outside the folder, no temporary files)", files, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "escape.png"))
	if err != nil || string(b) != "two" {
		t.Errorf("escape.png: %q, %v", b, err)
	}
	f, err := os.Open(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if rows := readManifest(t, f); len(rows) != 1 || rows[0][3] != "0001-ann.png" {
		t.Errorf("manifest rows %q", rows)
	}
}

func TestFolderOutputRefusesSymlinkEscape(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	out, err := NewFolderOutput(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Add("link/x.png", []byte("x")); err == nil {
		t.Error("a piece was written through a symbolic link out of the folder")
	}
	if err := out.Close(nil); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(outside); len(left) > 0 {
		t.Errorf("files outside the folder: %v", left)
	}
}
