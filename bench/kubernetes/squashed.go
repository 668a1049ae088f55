package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"
)

// squashfsBlock is mksquashfs's default block size: it compresses each block of a file on
// its own and stores a block that does not shrink as it is.
const squashfsBlock = 128 << 10

// squashedSize estimates what a file takes in a zstd squashfs: the sum of its 128 KiB blocks,
// each zstd-compressed alone (never more than the block itself).
func squashedSize(enc *zstd.Encoder, path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	buf, dst := make([]byte, squashfsBlock), make([]byte, 0, squashfsBlock+1024)
	var total int64
	for {
		n, err := io.ReadFull(f, buf)
		if n > 0 {
			total += int64(min(n, len(enc.EncodeAll(buf[:n], dst[:0]))))
		}
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return total, nil
		case err != nil:
			return 0, fmt.Errorf("read %s: %w", path, err)
		}
	}
}

// newSquashEncoder is a zstd encoder close to mksquashfs's default level (15).
func newSquashEncoder() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
}
