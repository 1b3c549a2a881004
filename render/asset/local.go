package asset

import (
	"errors"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// loadFileURL reads a file: URL inside Dir. "file:///img/a.png",
// "file://localhost/img/a.png" and "file:img/a.png" all name Dir/img/a.png.
func (l *Loader) loadFileURL(src, s string) ([]byte, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, newError(src, ErrNotAllowed, err, "malformed file: URL")
	}
	if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
		return nil, newError(src, ErrNotAllowed, nil, "file: URLs on another host (%q) are not supported", u.Host)
	}
	name := u.Path
	if u.Opaque != "" {
		if name, err = url.PathUnescape(u.Opaque); err != nil {
			return nil, newError(src, ErrNotAllowed, err, "malformed file: URL")
		}
	}
	return l.loadLocal(src, name)
}

// loadLocal reads the file name, taken relative to Dir (a leading slash is
// ignored), refusing anything that resolves outside Dir.
func (l *Loader) loadLocal(src, name string) ([]byte, error) {
	if l.dir == "" {
		return nil, newError(src, ErrNotAllowed, nil, "local files are disabled (no assets folder configured)")
	}
	if strings.IndexByte(name, 0) >= 0 {
		return nil, newError(src, ErrNotAllowed, nil, "path contains a NUL byte")
	}
	rel := strings.TrimLeft(name, "/"+string(filepath.Separator))
	rel = filepath.FromSlash(rel)
	if rel == "" {
		return nil, newError(src, ErrNotAllowed, nil, "path names no file")
	}
	if !filepath.IsLocal(rel) {
		return nil, newError(src, ErrNotAllowed, nil, "path escapes the assets folder")
	}
	rel = filepath.Clean(rel)

	abs, err := filepath.Abs(l.dir)
	if err != nil {
		return nil, newError(src, nil, err, "assets folder: %v", err)
	}
	realDir, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, newError(src, nil, err, "assets folder is not readable")
	}
	realFile, err := filepath.EvalSymlinks(filepath.Join(realDir, rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, newError(src, nil, err, "file not found in the assets folder")
		}
		return nil, newError(src, nil, err, "cannot resolve the file in the assets folder")
	}
	inside, err := filepath.Rel(realDir, realFile)
	if err != nil || !filepath.IsLocal(inside) {
		return nil, newError(src, ErrNotAllowed, nil, "path leads outside the assets folder (through a symbolic link)")
	}

	// Open through an os.Root so that a symlink swapped in after the check
	// above still cannot lead outside Dir. inside has no symlinks left.
	root, err := os.OpenRoot(realDir)
	if err != nil {
		return nil, newError(src, nil, err, "assets folder is not readable")
	}
	defer root.Close()
	fi, err := root.Stat(inside) // before Open: opening a FIFO could block
	if err != nil {
		return nil, newError(src, nil, err, "cannot read the file in the assets folder")
	}
	if !fi.Mode().IsRegular() {
		return nil, newError(src, ErrNotImage, nil, "not a regular file")
	}
	if fi.Size() > l.maxBytes {
		return nil, tooLarge(src, "file", fi.Size(), l.maxBytes)
	}
	f, err := root.Open(inside)
	if err != nil {
		return nil, newError(src, nil, err, "cannot read the file in the assets folder")
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, newError(src, ErrNotImage, err, "not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, l.maxBytes+1))
	if err != nil {
		return nil, newError(src, nil, err, "cannot read the file in the assets folder")
	}
	if int64(len(b)) > l.maxBytes {
		return nil, newError(src, ErrTooLarge, nil, "file exceeds the limit of %d bytes", l.maxBytes)
	}
	return l.checkImage(src, b)
}
