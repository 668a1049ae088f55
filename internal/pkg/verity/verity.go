// Package verity builds and describes dm-verity hash trees in veritysetup's on-disk format
// (superblock version 1, hash type 1, sha256, 4096-byte data and hash blocks), so that
// `veritysetup verify DEV DEV ROOTHASH --hash-offset=N` accepts what Build writes and the
// kernel's dm-verity target can map it.
package verity

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

const (
	// BlockSize is the data and hash block size in bytes.
	BlockSize = 4096
	// DigestSize is the size of a sha256 digest; Salt and RootHash have this length.
	DigestSize = sha256.Size
	// hashesPerBlock is how many digests one hash block holds (4096/32).
	hashesPerBlock = BlockSize / DigestSize
	// Algorithm is the hash algorithm's name as dm-verity and veritysetup spell it.
	Algorithm = "sha256"
)

// Params are what the kernel needs to map a verity device: the root hash the tree must
// lead to, the salt of every digest, the hash area's byte offset on the device (the
// superblock; the tree starts one block later) and the number of data blocks.
type Params struct {
	RootHash   []byte
	Salt       []byte
	HashOffset int64
	DataBlocks int64
}

// String gives the parameters as veritysetup would print them.
func (p Params) String() string {
	return fmt.Sprintf("roothash=%s salt=%s hashoffset=%d datablocks=%d",
		hex.EncodeToString(p.RootHash), hex.EncodeToString(p.Salt), p.HashOffset, p.DataBlocks)
}

// HashOffset returns where the hash area of data of dataSize bytes starts: dataSize rounded
// up to a whole block (the data is zero-padded to it).
func HashOffset(dataSize int64) int64 {
	return (dataSize + BlockSize - 1) / BlockSize * BlockSize
}

// levelSizes returns the number of hash blocks of each tree level, level 0 (hashing the
// data blocks) first. A single data block needs no tree: its digest is the root hash.
func levelSizes(dataBlocks int64) []int64 {
	var sizes []int64
	for n := dataBlocks; n > 1; {
		n = (n + hashesPerBlock - 1) / hashesPerBlock
		sizes = append(sizes, n)
	}
	return sizes
}

// TreeSize returns the bytes Build writes at HashOffset(dataSize): the superblock block and
// every hash block.
func TreeSize(dataSize int64) int64 {
	blocks := int64(1)
	for _, n := range levelSizes(HashOffset(dataSize) / BlockSize) {
		blocks += n
	}
	return blocks * BlockSize
}
