package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strconv"
)

// readInitramfs lists the regular files of a gzip-compressed newc cpio archive (what the
// imager writes) with their sizes.
func readInitramfs(path string) ([]file, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	files, err := readNewc(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return files, nil
}

// readNewc reads newc cpio entries up to the TRAILER!!! entry.
func readNewc(r io.Reader) ([]file, error) {
	var out []file
	var off int64
	hdr := make([]byte, 110)
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			return nil, fmt.Errorf("cpio header at %d: %w", off, err)
		}
		if string(hdr[:6]) != "070701" {
			return nil, fmt.Errorf("cpio header at %d: magic %q, want 070701", off, hdr[:6])
		}
		mode, size, nameSize := hexField(hdr, 2), hexField(hdr, 7), hexField(hdr, 12)
		name := make([]byte, nameSize+pad4(110+nameSize))
		if _, err := io.ReadFull(r, name); err != nil {
			return nil, fmt.Errorf("cpio name at %d: %w", off, err)
		}
		entry := string(name[:max(nameSize-1, 0)])
		if entry == "TRAILER!!!" {
			return out, nil
		}
		if _, err := io.CopyN(io.Discard, r, size+pad4(size)); err != nil {
			return nil, fmt.Errorf("cpio data of %s: %w", entry, err)
		}
		if mode&0o170000 == 0o100000 {
			out = append(out, file{path: "/" + entry, size: size})
		}
		off += 110 + int64(len(name)) + size + pad4(size)
	}
}

// hexField is the i-th 8-digit hexadecimal field after the 6-byte magic (1 ino, 2 mode,
// 7 filesize, 12 namesize).
func hexField(hdr []byte, i int) int64 {
	v, _ := strconv.ParseUint(string(hdr[6+8*(i-1):6+8*i]), 16, 32)
	return int64(v)
}

func pad4(n int64) int64 { return (4 - n%4) % 4 }
