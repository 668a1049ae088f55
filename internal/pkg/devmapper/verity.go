package devmapper

import (
	"encoding/hex"
	"fmt"
)

// BlockSize is the data and hash block size of every Cairn verity device.
const BlockSize = 4096

// Verity describes a dm-verity mapping in veritysetup's format version 1 with sha256:
// DataBlocks blocks of DataDev, checked against the hash tree on HashDev whose root block is
// block HashStartBlock (the block after veritysetup's superblock).
type Verity struct {
	DataDev, HashDev string
	DataBlocks       uint64
	HashStartBlock   uint64
	RootHash, Salt   []byte
}

// Validate checks the fields the kernel would otherwise refuse with a bare EINVAL.
func (v Verity) Validate() error {
	switch {
	case v.DataDev == "" || v.HashDev == "":
		return fmt.Errorf("verity: data device %q, hash device %q: both are required", v.DataDev, v.HashDev)
	case v.DataBlocks == 0:
		return fmt.Errorf("verity: 0 data blocks")
	case len(v.RootHash) != 32:
		return fmt.Errorf("verity: root hash of %d bytes, want 32 (sha256)", len(v.RootHash))
	case len(v.Salt) > 256:
		return fmt.Errorf("verity: salt of %d bytes, want <= 256", len(v.Salt))
	}
	return nil
}

// target returns the table line: "1 DATA HASH 4096 4096 BLOCKS START sha256 ROOT SALT".
// No optional arguments: a block that does not verify reads as EIO (the kernel's default),
// and every read is checked, not only the first.
func (v Verity) target() target {
	salt := "-"
	if len(v.Salt) > 0 {
		salt = hex.EncodeToString(v.Salt)
	}
	p := fmt.Sprintf("1 %s %s %d %d %d %d sha256 %s %s", v.DataDev, v.HashDev, BlockSize, BlockSize,
		v.DataBlocks, v.HashStartBlock, hex.EncodeToString(v.RootHash), salt)
	return target{Start: 0, Length: v.DataBlocks * (BlockSize / 512), Type: "verity", Params: p}
}
