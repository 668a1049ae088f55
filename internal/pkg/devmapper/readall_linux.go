package devmapper

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// chunk is how much ReadAll reads at a time.
const chunk = 1 << 20

// ReadAll reads every block of the device at path once, with O_DIRECT so that the page cache
// keeps nothing, and returns the blocks read. On a verity device that makes the kernel check
// every block against the hash tree: the first block that fails is returned as a
// *CorruptError naming it.
func ReadAll(path string) (uint64, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECT|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer func() { _ = f.Close() }()
	// O_DIRECT wants an aligned buffer: an anonymous mapping is page aligned.
	buf, err := unix.Mmap(-1, 0, chunk, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	defer func() { _ = unix.Munmap(buf) }()
	var off int64
	for {
		n, err := f.ReadAt(buf, off)
		off += int64(n)
		if errors.Is(err, io.EOF) {
			return uint64(off) / BlockSize, nil
		}
		if err != nil {
			return uint64(off) / BlockSize, locate(f, buf[:BlockSize], off, err)
		}
	}
}

// locate reads block by block from off to find the first that fails.
func locate(f *os.File, block []byte, off int64, first error) error {
	for i := int64(0); i < chunk/BlockSize; i++ {
		_, err := f.ReadAt(block, off+i*BlockSize)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return &CorruptError{Block: uint64(off/BlockSize + i), Err: err}
		}
	}
	return &CorruptError{Block: uint64(off / BlockSize), Err: first}
}
