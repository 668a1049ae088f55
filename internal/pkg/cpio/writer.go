package cpio

import (
	"fmt"
	"io"

	ucpio "github.com/u-root/u-root/pkg/cpio"
)

// WriteTo writes the archive in newc format, through u-root's cpio writer, with every entry's
// mtime set to mtime, inode numbers in order and root as owner, followed by the trailer.
func (a *Archive) WriteTo(w io.Writer, mtime int64) (int64, error) {
	cw := &countWriter{w: w}
	rw := ucpio.Newc.Writer(cw)
	for i, e := range a.Entries() {
		if err := rw.WriteRecord(record(uint64(i+1), e, mtime)); err != nil {
			return cw.n, fmt.Errorf("cpio: write %s: %w", e.Name, err)
		}
	}
	if err := ucpio.WriteTrailer(rw); err != nil {
		return cw.n, fmt.Errorf("cpio: write trailer: %w", err)
	}
	return cw.n, nil
}

// record is the newc record of one entry: directories have two links, everything else one;
// only regular files and symlinks carry data.
func record(ino uint64, e Entry, mtime int64) ucpio.Record {
	info := ucpio.Info{
		Ino: ino, Mode: uint64(e.Mode), NLink: 1, MTime: uint64(mtime), Name: e.Name,
		Rmajor: uint64(e.RdevMajor), Rminor: uint64(e.RdevMinor),
	}
	switch e.Mode & TypeMask {
	case TypeRegular, TypeSymlink:
		return ucpio.StaticRecord(e.Data, info)
	case TypeDir:
		info.NLink = 2
	}
	return ucpio.Record{Info: info}
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
