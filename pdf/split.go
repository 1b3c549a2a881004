package pdf

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/internal/atomicfile"
)

// DefaultMaxPages is how many pages a merged file holds before Merged
// starts the next one.
const DefaultMaxPages = 1000

// Merged writes many pieces into merged PDF files of at most MaxPages
// pages each (base-0001.pdf, base-0002.pdf, ...), so memory stays bounded
// however large the batch: gopdf keeps a document in memory until it is
// written, and Merged writes each file as soon as it is full. A Merged is
// not safe for concurrent use: feed it pages in order from one goroutine.
type Merged struct {
	dir, base string
	max       int
	opts      Options
	doc       *Document
	files     []string
}

// NewMerged writes into dir; maxPages <= 0 means DefaultMaxPages.
func NewMerged(dir, base string, maxPages int, opts Options) *Merged {
	if maxPages <= 0 {
		maxPages = DefaultMaxPages
	}
	return &Merged{dir: dir, base: base, max: maxPages, opts: opts}
}

// AddPage adds one page; see Document.AddPage. A front/back piece adds
// two pages in a row; a file never splits a piece when pagesPerPiece
// divides MaxPages.
func (m *Merged) AddPage(ctx context.Context, c *fabric.Canvas, width, height float64, tpl *fabric.Canvas) error {
	p, err := Prepare(ctx, c, width, height, tpl, m.opts)
	if err != nil {
		return err
	}
	return m.AddPrepared(ctx, p)
}

// AddPrepared adds a page Prepare made with the options of m.
func (m *Merged) AddPrepared(ctx context.Context, p *Page) error {
	if m.doc == nil {
		m.doc = NewDocument(m.opts)
	}
	if err := m.doc.AddPrepared(ctx, p); err != nil {
		return err
	}
	if m.doc.Pages() >= m.max {
		return m.flush()
	}
	return nil
}

func (m *Merged) flush() error {
	doc := m.doc
	m.doc = nil
	if doc == nil || doc.Pages() == 0 {
		return nil
	}
	name := filepath.Join(m.dir, fmt.Sprintf("%s-%04d.pdf", m.base, len(m.files)+1))
	if err := atomicfile.Write(name, func(w io.Writer) error { _, err := doc.WriteTo(w); return err }); err != nil {
		return err
	}
	m.files = append(m.files, name)
	return nil
}

// Close writes the last file and returns every file written.
func (m *Merged) Close() ([]string, error) {
	err := m.flush()
	return m.files, err
}
