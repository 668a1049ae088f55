package devmapper

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// ErrRootHash means the hash tree's top block does not hash to the expected root hash: the
// root hash given is wrong, or the hash tree (or salt) does not belong to it.
var ErrRootHash = errors.New("root hash does not match the hash tree")

// CorruptError is a data block of a verity device that did not verify.
type CorruptError struct {
	Block uint64
	Err   error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("corrupted data block %d (bytes %d-%d): %v", e.Block, e.Block*BlockSize, (e.Block+1)*BlockSize-1, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// CheckRoot reads the hash tree's top block from hashDev (at HashStartBlock) and checks that
// sha256(salt || block) is the root hash, as the kernel does before it trusts any lower
// level. It tells a wrong root hash apart from a corrupted data block. A single data block
// has no tree (its digest is the root hash): reading it is the check.
func CheckRoot(hashDev io.ReaderAt, v Verity) error {
	if v.DataBlocks <= 1 {
		return nil
	}
	top := make([]byte, BlockSize)
	if _, err := hashDev.ReadAt(top, int64(v.HashStartBlock)*BlockSize); err != nil {
		return fmt.Errorf("verity: read the hash tree's top block %d: %w", v.HashStartBlock, err)
	}
	h := sha256.New()
	h.Write(v.Salt)
	h.Write(top)
	if got := h.Sum(nil); !bytes.Equal(got, v.RootHash) {
		return fmt.Errorf("%w (top block hashes to %x, cairn.verity.roothash is %x)", ErrRootHash, got, v.RootHash)
	}
	return nil
}
