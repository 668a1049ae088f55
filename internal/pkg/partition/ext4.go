package partition

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// Mke2fs is where the image carries mke2fs (Debian's e2fsprogs, pinned in the image manifest).
const Mke2fs = "/sbin/mke2fs"

const (
	ext4MagicOffset = 1024 + 56 // s_magic in the superblock at byte 1024
	ext4Magic       = 0xEF53
	// probeSize covers where filesystems keep their signatures (ext at 1 KiB, XFS at 0,
	// btrfs at 64 KiB): zero there means the partition holds no filesystem.
	probeSize = 68 << 10
)

// Content is what Probe finds at the start of a partition.
type Content int

// What a partition can hold, as far as formatting is concerned.
const (
	Blank   Content = iota // zeros where a filesystem would be: safe to format
	Ext4                   // an ext2/3/4 superblock
	Foreign                // data that is not ext4: never formatted without a wipe
)

func (c Content) String() string {
	return [...]string{"blank", "ext4", "data that is not ext4"}[c]
}

// Probe reads the start of dev and says whether it is blank, ext4 or something else.
func Probe(dev string) (Content, error) {
	f, err := os.Open(dev)
	if err != nil {
		return Foreign, err
	}
	defer func() { _ = f.Close() }()
	b := make([]byte, probeSize)
	if _, err := io.ReadFull(f, b); err != nil {
		return Foreign, fmt.Errorf("read %s: %w", dev, err)
	}
	return ProbeBytes(b), nil
}

// ProbeBytes classifies the first bytes of a partition (at least probeSize for Blank).
func ProbeBytes(b []byte) Content {
	if len(b) >= ext4MagicOffset+2 && binary.LittleEndian.Uint16(b[ext4MagicOffset:]) == ext4Magic {
		return Ext4
	}
	if len(b) >= probeSize && bytes.Count(b[:probeSize], []byte{0}) == probeSize {
		return Blank
	}
	return Foreign
}

// FormatExt4 creates an ext4 filesystem labelled label on dev with mke2fs, bounded in time
// and output. Callers format only what Probe found Blank or what they just created.
func FormatExt4(ctx context.Context, mke2fs, dev, label string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	// lazy_itable_init: the kernel zeroes inode tables in the background, so a large
	// EPHEMERAL is ready in seconds; -m 1: reserve 1 % for root, not 5 %.
	cmd := exec.CommandContext(ctx, mke2fs, "-t", "ext4", "-q", "-F", "-m", "1", "-L", label,
		"-E", "lazy_itable_init=1,lazy_journal_init=1", dev)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &limited{w: &out, n: 4096}, &limited{w: &out, n: 4096}
	cmd.Env = []string{"PATH=/sbin:/usr/sbin"}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mke2fs %s (%s): %w: %s", dev, label, err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

// limited keeps the first n bytes written to it and drops the rest.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	k := min(len(p), l.n)
	if k > 0 {
		_, _ = l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
