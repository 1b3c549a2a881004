package batch

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fabricpress/fabricpress/internal/atomicfile"
)

// ManifestName is the file every Output writes last, listing each recipient.
const ManifestName = "manifest.csv"

// Recipient states in the manifest.
const (
	StatusDone   = "done"
	StatusFailed = "failed"
)

// ManifestRow is one recipient's line in manifest.csv.
type ManifestRow struct {
	Row    int    // 1-based data row of the CSV
	Line   int    // 1-based line of the CSV where the row starts
	Status string // StatusDone or StatusFailed
	File   string // the piece's name in the output, for a done row
	Error  string // one-line reason, for a failed row
}

// WriteManifest writes rows as CSV with the header
// row,line,status,file,error, sorted by row (then line), with standard CSV
// quoting.
func WriteManifest(w io.Writer, rows []ManifestRow) error {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b ManifestRow) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		return a.Line - b.Line
	})
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"row", "line", "status", "file", "error"}); err != nil {
		return err
	}
	for _, r := range rows {
		msg := strings.Join(strings.Fields(strings.ReplaceAll(r.Error, "\x00", " ")), " ")
		if err := cw.Write([]string{strconv.Itoa(r.Row), strconv.Itoa(r.Line), r.Status, r.File, msg}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Output receives the pieces of a batch as they complete, then the manifest.
//
// Add is called from one goroutine at a time. Close writes the manifest and
// makes the output complete; it must be called even when the batch was
// interrupted, so what finished is kept. After Close nothing may be added.
type Output interface {
	Add(name string, data []byte) error
	Close(manifest []ManifestRow) error
}

// ErrBadName is wrapped by the error Add returns for an entry name that is
// empty, reserved or a duplicate after sanitising.
var ErrBadName = errors.New("bad output name")

// CleanName makes an entry name safe inside a ZIP or folder: backslashes
// become slashes, a drive letter, leading slashes and "." and ".."
// components are dropped, control characters become "_". It returns "" when
// nothing is left.
func CleanName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	if len(name) >= 2 && name[1] == ':' && (name[0]|0x20 >= 'a' && name[0]|0x20 <= 'z') {
		name = name[2:]
	}
	parts := strings.Split(name, "/")
	keep := parts[:0]
	for _, p := range parts {
		switch strings.TrimSpace(p) {
		case "", ".", "..":
			continue
		}
		keep = append(keep, strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return '_'
			}
			return r
		}, p))
	}
	return path.Join(keep...)
}

// NewOutput picks the Output for dest: a ZIP archive when dest ends in
// ".zip" (any case), else a folder.
func NewOutput(dest string) (Output, error) {
	if strings.EqualFold(filepath.Ext(dest), ".zip") {
		return NewZipOutput(dest)
	}
	return NewFolderOutput(dest)
}

// ZipOutput streams pieces into a ZIP archive. The archive is written to a
// temporary file next to its destination and renamed into place by Close,
// so the destination is only ever a complete, valid archive. Pieces are
// stored (PNG and JPEG are compressed already); the manifest is deflated.
type ZipOutput struct {
	dest   string
	f      *os.File
	zw     *zip.Writer
	names  map[string]bool
	closed bool
	now    time.Time
}

// NewZipOutput creates the temporary archive for dest (creating its folder).
func NewZipOutput(dest string) (*ZipOutput, error) {
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(dest)+".*.tmp")
	if err != nil {
		return nil, err
	}
	return &ZipOutput{dest: dest, f: f, zw: zip.NewWriter(f), names: map[string]bool{}, now: time.Now()}, nil
}

// Add stores one piece under its cleaned name.
func (z *ZipOutput) Add(name string, data []byte) error {
	if z.closed {
		return errors.New("zip output: Add after Close")
	}
	clean, err := checkName(name, z.names)
	if err != nil {
		return err
	}
	return z.add(clean, data, zip.Store)
}

func (z *ZipOutput) add(name string, data []byte, method uint16) error {
	w, err := z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: z.now})
	if err != nil {
		return fmt.Errorf("zip output %s: %w", z.dest, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("zip output %s: %w", z.dest, err)
	}
	return nil
}

// Close writes manifest.csv, finishes the archive, syncs it and renames it
// to its destination. On error the temporary file is removed.
func (z *ZipOutput) Close(manifest []ManifestRow) (err error) {
	if z.closed {
		return errors.New("zip output: closed twice")
	}
	z.closed = true
	defer func() {
		if err != nil {
			z.f.Close()
			os.Remove(z.f.Name())
		}
	}()
	var buf bytes.Buffer
	if err := WriteManifest(&buf, manifest); err != nil {
		return err
	}
	if err := z.add(ManifestName, buf.Bytes(), zip.Deflate); err != nil {
		return err
	}
	if err := z.zw.Close(); err != nil {
		return fmt.Errorf("zip output %s: %w", z.dest, err)
	}
	if err := z.f.Chmod(0o644); err != nil { // CreateTemp made it private
		return fmt.Errorf("zip output %s: %w", z.dest, err)
	}
	if err := z.f.Sync(); err != nil {
		return fmt.Errorf("zip output %s: %w", z.dest, err)
	}
	if err := z.f.Close(); err != nil {
		return fmt.Errorf("zip output %s: %w", z.dest, err)
	}
	if err := os.Rename(z.f.Name(), z.dest); err != nil {
		return err
	}
	atomicfile.SyncDir(filepath.Dir(z.dest))
	return nil
}

// FolderOutput writes each piece as a file in a folder: to a temporary name,
// synced, then renamed, so a file with a piece's name is always complete.
// Files are created through an os.Root, so names cannot leave the folder
// even through symbolic links.
type FolderOutput struct {
	dir    string
	root   *os.Root
	names  map[string]bool
	closed bool
}

// NewFolderOutput creates dir if needed and opens it.
func NewFolderOutput(dir string) (*FolderOutput, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &FolderOutput{dir: dir, root: root, names: map[string]bool{}}, nil
}

// Add writes one piece under its cleaned name.
func (o *FolderOutput) Add(name string, data []byte) error {
	if o.closed {
		return errors.New("folder output: Add after Close")
	}
	clean, err := checkName(name, o.names)
	if err != nil {
		return err
	}
	return o.write(clean, data)
}

func (o *FolderOutput) write(name string, data []byte) (err error) {
	if d := path.Dir(name); d != "." {
		if err := o.root.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("folder output %s: %w", o.dir, err)
		}
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(path.Dir(name), "."+path.Base(name)+"."+hex.EncodeToString(rnd[:])+".tmp")
	f, err := o.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("folder output %s: %w", o.dir, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			o.root.Remove(tmp)
			err = fmt.Errorf("folder output %s: %w", o.dir, err)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return o.root.Rename(tmp, name)
}

// Close writes manifest.csv the same way as a piece and syncs the folder.
func (o *FolderOutput) Close(manifest []ManifestRow) error {
	if o.closed {
		return errors.New("folder output: closed twice")
	}
	o.closed = true
	defer o.root.Close()
	var buf bytes.Buffer
	if err := WriteManifest(&buf, manifest); err != nil {
		return err
	}
	if err := o.write(ManifestName, buf.Bytes()); err != nil {
		return err
	}
	atomicfile.SyncDir(o.dir)
	return nil
}

// checkName cleans name and refuses empty, reserved and repeated names.
func checkName(name string, seen map[string]bool) (string, error) {
	clean := CleanName(name)
	switch {
	case clean == "":
		return "", fmt.Errorf("%w: %q", ErrBadName, name)
	case strings.EqualFold(clean, ManifestName):
		return "", fmt.Errorf("%w: %q is reserved for the manifest", ErrBadName, name)
	case seen[clean]:
		return "", fmt.Errorf("%w: %q was already added", ErrBadName, clean)
	}
	seen[clean] = true
	return clean, nil
}
