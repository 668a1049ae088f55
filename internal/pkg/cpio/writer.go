package cpio

import (
	"fmt"
	"io"
)

// WriteTo writes the archive in newc format with every entry's mtime set to mtime, followed by
// the trailer.
func (a *Archive) WriteTo(w io.Writer, mtime int64) (int64, error) {
	cw := &countWriter{w: w}
	for i, e := range a.Entries() {
		if err := writeEntry(cw, uint32(i+1), e, mtime); err != nil {
			return cw.n, err
		}
	}
	if err := writeEntry(cw, 0, Entry{Name: trailer}, 0); err != nil {
		return cw.n, err
	}
	return cw.n, nil
}

func writeEntry(w *countWriter, ino uint32, e Entry, mtime int64) error {
	nlink := 1
	if e.Mode&TypeMask == TypeDir {
		nlink = 2
	}
	size := 0
	if t := e.Mode & TypeMask; t == TypeRegular || t == TypeSymlink {
		size = len(e.Data)
	}
	hdr := fmt.Sprintf("%s%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		magic, ino, e.Mode, 0, 0, nlink, uint32(mtime), size, 0, 0, e.RdevMajor, e.RdevMinor, len(e.Name)+1, 0)
	if _, err := io.WriteString(w, hdr+e.Name+"\x00"); err != nil {
		return fmt.Errorf("cpio: write %s: %w", e.Name, err)
	}
	if err := w.pad(); err != nil {
		return err
	}
	if _, err := w.Write(e.Data[:size]); err != nil {
		return fmt.Errorf("cpio: write %s: %w", e.Name, err)
	}
	return w.pad()
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// pad writes zero bytes up to the next multiple of four.
func (c *countWriter) pad() error {
	if r := c.n % 4; r != 0 {
		_, err := c.Write(make([]byte, 4-r))
		return err
	}
	return nil
}
