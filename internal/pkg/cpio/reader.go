package cpio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// maxEntrySize bounds one entry's data when reading, so a corrupt header cannot ask for
// gigabytes.
const maxEntrySize = 1 << 30

// Read parses a newc archive up to its trailer and returns its entries in archive order.
func Read(r io.Reader) ([]Entry, error) {
	br := &countReader{r: bufio.NewReader(r)}
	var out []Entry
	for {
		e, err := readEntry(br)
		if err != nil {
			return out, err
		}
		if e.Name == trailer {
			return out, nil
		}
		out = append(out, e)
	}
}

func readEntry(r *countReader) (Entry, error) {
	hdr := make([]byte, hdrLen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return Entry{}, fmt.Errorf("cpio: read header at %d: %w", r.n, err)
	}
	if string(hdr[:6]) != magic {
		return Entry{}, fmt.Errorf("cpio: bad magic %q at %d", hdr[:6], r.n-hdrLen)
	}
	var f [13]uint32
	for i := range f {
		v, err := strconv.ParseUint(string(hdr[6+8*i:14+8*i]), 16, 32)
		if err != nil {
			return Entry{}, fmt.Errorf("cpio: header field %d: %w", i, err)
		}
		f[i] = uint32(v)
	}
	size, namesize := f[6], f[11]
	if namesize == 0 || namesize > 4096 || size > maxEntrySize {
		return Entry{}, fmt.Errorf("cpio: implausible name size %d or data size %d", namesize, size)
	}
	name := make([]byte, namesize)
	if _, err := io.ReadFull(r, name); err != nil {
		return Entry{}, fmt.Errorf("cpio: read name: %w", err)
	}
	if name[namesize-1] != 0 {
		return Entry{}, errors.New("cpio: name is not NUL terminated")
	}
	if err := r.skipPad(); err != nil {
		return Entry{}, err
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(size)))
	if err != nil {
		return Entry{}, fmt.Errorf("cpio: read data of %s: %w", name[:namesize-1], err)
	}
	if len(data) != int(size) {
		return Entry{}, fmt.Errorf("cpio: read data of %s: %d of %d bytes: %w", name[:namesize-1], len(data), size, io.ErrUnexpectedEOF)
	}
	if err := r.skipPad(); err != nil {
		return Entry{}, err
	}
	return Entry{Name: string(name[:namesize-1]), Mode: f[1], Data: data, RdevMajor: f[9], RdevMinor: f[10]}, nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countReader) skipPad() error {
	if r := c.n % 4; r != 0 {
		if _, err := io.ReadFull(c, make([]byte, 4-r)); err != nil {
			return fmt.Errorf("cpio: read padding: %w", err)
		}
	}
	return nil
}
