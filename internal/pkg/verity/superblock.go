package verity

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
)

// uuidContext separates the superblock UUID's derivation from the salt's.
const uuidContext = "cairn dm-verity uuid v1\x00"

// superblock encodes veritysetup's struct verity_sb (512 bytes, little-endian, packed) at the
// start of a hash block: signature, version 1, hash type 1, uuid, algorithm, block sizes,
// data blocks, salt size and salt. The UUID is derived from the salt (version 8, "custom")
// so builds stay reproducible.
func superblock(p Params) []byte {
	sb := make([]byte, BlockSize)
	copy(sb[0:8], "verity\x00\x00")
	binary.LittleEndian.PutUint32(sb[8:], 1)  // superblock version
	binary.LittleEndian.PutUint32(sb[12:], 1) // hash type: normal (salt before the block)
	uuid := sha256.Sum256(append([]byte(uuidContext), p.Salt...))
	uuid[6] = uuid[6]&0x0f | 0x80
	uuid[8] = uuid[8]&0x3f | 0x80
	copy(sb[16:32], uuid[:16])
	copy(sb[32:64], Algorithm)
	binary.LittleEndian.PutUint32(sb[64:], BlockSize)
	binary.LittleEndian.PutUint32(sb[68:], BlockSize)
	binary.LittleEndian.PutUint64(sb[72:], uint64(p.DataBlocks)) //nolint:gosec // DataBlocks is positive (Build checks the size).
	binary.LittleEndian.PutUint16(sb[80:], uint16(len(p.Salt)))  //nolint:gosec // the salt is DigestSize bytes.
	copy(sb[88:88+256], p.Salt)
	return sb
}

// writeArea writes the zero padding after the data, the superblock block and the stored
// levels, the top level first as veritysetup lays them out.
func writeArea(w io.WriterAt, dataSize int64, p Params, levels [][]byte) error {
	if gap := p.HashOffset - dataSize; gap > 0 {
		if _, err := w.WriteAt(make([]byte, gap), dataSize); err != nil {
			return fmt.Errorf("verity: write data padding: %w", err)
		}
	}
	if _, err := w.WriteAt(superblock(p), p.HashOffset); err != nil {
		return fmt.Errorf("verity: write superblock: %w", err)
	}
	off := p.HashOffset + BlockSize
	for i := len(levels) - 1; i >= 0; i-- {
		if _, err := w.WriteAt(levels[i], off); err != nil {
			return fmt.Errorf("verity: write hash level %d: %w", i, err)
		}
		off += int64(len(levels[i]))
	}
	return nil
}
