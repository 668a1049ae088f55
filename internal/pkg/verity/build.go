package verity

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
)

// saltContext separates the salt's derivation from any other use of the data's digest.
const saltContext = "cairn dm-verity salt v1\x00"

// Build writes the hash area for data (dataSize bytes) into w: zeros from dataSize up to the
// next whole block, the superblock at HashOffset(dataSize) and the hash tree after it. w is
// meant to be the device (or file) that holds data at offset 0, as on a Cairn boot slot.
// The salt is derived from the data's sha256, so the same data gives the same bytes.
func Build(w io.WriterAt, data io.ReaderAt, dataSize int64) (Params, error) {
	if dataSize <= 0 {
		return Params{}, fmt.Errorf("verity: data size %d: need at least one byte", dataSize)
	}
	p := Params{HashOffset: HashOffset(dataSize), DataBlocks: HashOffset(dataSize) / BlockSize}
	digest := sha256.New()
	if _, err := io.Copy(digest, io.NewSectionReader(data, 0, dataSize)); err != nil {
		return Params{}, fmt.Errorf("verity: read data: %w", err)
	}
	salt := sha256.Sum256(append([]byte(saltContext), digest.Sum(nil)...))
	p.Salt = salt[:]
	levels, root, err := tree(data, dataSize, p)
	if err != nil {
		return Params{}, err
	}
	p.RootHash = root
	return p, writeArea(w, dataSize, p, levels)
}

// tree returns the stored levels of the hash tree, level 0 (the digests of the data blocks)
// first, each zero-padded to whole hash blocks, up to a top level of one block; and the root
// hash, the digest of that top block. One data block needs no tree: its digest is the root.
func tree(data io.ReaderAt, dataSize int64, p Params) ([][]byte, []byte, error) {
	level0, err := hashData(data, dataSize, p)
	if err != nil {
		return nil, nil, err
	}
	if p.DataBlocks == 1 {
		return nil, level0, nil
	}
	h := sha256.New()
	levels := [][]byte{pad(level0)}
	for top := levels[0]; len(top) > BlockSize; top = levels[len(levels)-1] {
		next := make([]byte, 0, len(top)/hashesPerBlock)
		for off := 0; off < len(top); off += BlockSize {
			next = append(next, blockDigest(h, p.Salt, top[off:off+BlockSize])...)
		}
		levels = append(levels, pad(next))
	}
	return levels, blockDigest(h, p.Salt, levels[len(levels)-1]), nil
}

// hashData returns sha256(salt || block) of every data block, the last one zero-padded.
func hashData(data io.ReaderAt, dataSize int64, p Params) ([]byte, error) {
	r := bufio.NewReaderSize(io.NewSectionReader(data, 0, dataSize), 1<<20)
	out := make([]byte, 0, p.DataBlocks*DigestSize)
	h, block := sha256.New(), make([]byte, BlockSize)
	for i := int64(0); i < p.DataBlocks; i++ {
		n, err := io.ReadFull(r, block)
		if err != nil && (!errors.Is(err, io.ErrUnexpectedEOF) || i != p.DataBlocks-1) {
			return nil, fmt.Errorf("verity: read data block %d: %w", i, err)
		}
		clear(block[n:])
		out = append(out, blockDigest(h, p.Salt, block)...)
	}
	return out, nil
}

// blockDigest is the digest of hash type 1: sha256(salt || block).
func blockDigest(h hash.Hash, salt, block []byte) []byte {
	h.Reset()
	h.Write(salt)
	h.Write(block)
	return h.Sum(nil)
}

// pad zero-pads b to a whole number of hash blocks.
func pad(b []byte) []byte {
	return append(b, make([]byte, HashOffset(int64(len(b)))-int64(len(b)))...)
}
