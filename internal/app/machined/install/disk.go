package install

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/disklayout"
)

// edge is how much of each end of the disk the data check reads and a wipe zeroes: where
// partition tables (MBR, GPT and its backup) and most filesystems' superblocks live.
const edge = 1 << 20

// target is the disk being installed to, opened exclusively (no partition of it is mounted).
type target struct {
	path string
	f    *os.File
	size int64
	wipe bool
}

func openDisk(path string, wipe bool) (*target, error) {
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_EXCL, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: machine.install.disk %q: %w", ErrRefused, path, err)
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%w: machine.install.disk %q: size: %w", ErrRefused, path, err)
	}
	return &target{path: path, f: f, size: size, wipe: wipe}, nil
}

func (t *target) close() { _ = t.f.Close() }

// prepare refuses a disk too small or holding data (unless wiping), and wipes when asked.
func (t *target) prepare(progress func(string)) error {
	if need := disklayout.ImageSize() + minEphemeral; t.size < need {
		return fmt.Errorf("%w: machine.install.disk %q is %d MiB; Cairn needs at least %d MiB", ErrRefused, t.path, t.size>>20, need>>20)
	}
	first, last, err := t.edges()
	if err != nil {
		return fmt.Errorf("%w: read %s: %w", ErrRefused, t.path, err)
	}
	what := holdsData(first, last)
	switch {
	case what == "":
		progress(fmt.Sprintf("%s (%d MiB) is blank", t.path, t.size>>20))
		return nil
	case !t.wipe:
		return fmt.Errorf("%w: machine.install.disk %q holds data (%s): set machine.install.wipe: true to install over it", ErrRefused, t.path, what)
	}
	progress(fmt.Sprintf("%s holds data (%s): wiping it (machine.install.wipe)", t.path, what))
	return t.wipeDisk()
}

func (t *target) edges() (first, last []byte, err error) {
	first, last = make([]byte, edge), make([]byte, edge)
	if _, err := t.f.ReadAt(first, 0); err != nil {
		return nil, nil, err
	}
	if _, err := t.f.ReadAt(last, t.size-edge); err != nil {
		return nil, nil, err
	}
	return first, last, nil
}

// holdsData says what the disk's first and last MiB show of data ("" when all zeros).
func holdsData(first, last []byte) string {
	switch {
	case len(first) >= 520 && bytes.Equal(first[512:520], []byte("EFI PART")):
		return "a GPT partition table"
	case len(first) >= 512 && binary.LittleEndian.Uint16(first[510:]) == 0xaa55:
		return "an MBR partition table or boot sector"
	}
	if i := firstNonZero(first); i >= 0 {
		return fmt.Sprintf("non-zero bytes in its first MiB, from byte %d", i)
	}
	if i := firstNonZero(last); i >= 0 {
		return fmt.Sprintf("non-zero bytes in its last MiB, from byte %d of it", i)
	}
	return ""
}

func firstNonZero(b []byte) int {
	for i, c := range b {
		if c != 0 {
			return i
		}
	}
	return -1
}

// wipeDisk discards the whole disk where the device supports it (fast, and the old data is
// gone from what the disk returns), then zeroes its first and last MiB in any case.
func (t *target) wipeDisk() error {
	if st, err := t.f.Stat(); err == nil && st.Mode()&os.ModeDevice != 0 {
		rng := [2]uint64{0, uint64(t.size)}
		// Not every device discards: the edges are zeroed below in any case. The pointer is
		// converted in the call itself, as unsafe.Pointer's rules require.
		_, _, _ = unix.Syscall(unix.SYS_IOCTL, t.f.Fd(), unix.BLKDISCARD, uintptr(unsafe.Pointer(&rng))) //nolint:gosec // G103: BLKDISCARD takes a pointer to its range.
	}
	zero := make([]byte, edge)
	for _, off := range []int64{0, t.size - edge} {
		if _, err := t.f.WriteAt(zero, off); err != nil {
			return fmt.Errorf("wipe %s: %w", t.path, err)
		}
	}
	return t.f.Sync()
}
