// Package atomicfile writes files so that a reader, or a run after a
// crash, sees either the old file or the whole new one, never a part:
// the data goes to a temporary file in the same folder, is synced, and is
// renamed over the destination, and then the folder is synced so the
// rename itself survives a power cut.
package atomicfile

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
)

// Write creates path (and its folder) with what write writes, atomically
// and durably, with mode 0644. If write or any step fails, the
// destination is left as it was and the temporary file is removed.
func Write(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 64<<10)
	if err := write(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	SyncDir(dir)
	return nil
}

// WriteBytes is Write for data already in memory.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}

// SyncDir makes a folder's entries (a rename, a new file) durable. Errors
// are ignored: some file systems cannot sync a folder, and the data itself
// is already synced.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
