package sbom

import (
	"crypto/sha1" //nolint:gosec // SPDX 2.3 requires a SHA1 of every file; SHA256 is given beside it and nothing trusts the SHA1.
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"

	"github.com/cairn-os/cairn/internal/evidence/elfinfo"
)

type sums struct {
	size         int64
	sha256, sha1 string
	elf          bool
}

// hashFile reads p once for both digests and notes whether it starts like an ELF file.
func hashFile(p string) (sums, error) {
	f, err := os.Open(p)
	if err != nil {
		return sums{}, err
	}
	defer func() { _ = f.Close() }()
	var head [4]byte
	n, _ := io.ReadFull(f, head[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return sums{}, err
	}
	h256, h1 := sha256.New(), sha1.New() //nolint:gosec // see the import.
	size, err := io.Copy(io.MultiWriter(h256, h1), f)
	if err != nil {
		return sums{}, err
	}
	return sums{size: size, sha256: hex.EncodeToString(h256.Sum(nil)), sha1: hex.EncodeToString(h1.Sum(nil)), elf: elfinfo.IsELF(head[:n])}, nil
}

// sumsOf digests bytes in memory (a symbolic link's target).
func sumsOf(b []byte) sums {
	h256, h1 := sha256.Sum256(b), sha1.Sum(b) //nolint:gosec // see the import.
	return sums{size: int64(len(b)), sha256: hex.EncodeToString(h256[:]), sha1: hex.EncodeToString(h1[:])}
}
