package disklayout

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// fixDotDot rewrites the ".." entry of every directory in the root of the FAT32 file system at
// off in file to cluster 0, as the FAT specification requires for a parent that is the root
// directory. go-diskfs v1.9.4 writes the root's cluster (2) there: fsck.fat reports "Invalid
// '..' entry in the second slot" (firmware and Linux do not read it, but a clean file system
// is what a node later mounts read-write).
func fixDotDot(f readerWriterAt, off int64) error {
	v, err := readFAT32(io.NewSectionReader(f, off, 1<<62))
	if err != nil {
		return err
	}
	for _, dir := range v.rootDirs {
		at := off + v.clusterOffset(dir) + 32 // the second entry: ".."
		entry := make([]byte, 32)
		if _, err := f.ReadAt(entry, at); err != nil {
			return err
		}
		if string(entry[:11]) != "..         " {
			return fmt.Errorf("directory at cluster %d has no \"..\" entry second", dir)
		}
		clear(entry[20:22])
		clear(entry[26:28])
		if _, err := f.WriteAt(entry, at); err != nil {
			return err
		}
	}
	return nil
}

type readerWriterAt interface {
	io.ReaderAt
	io.WriterAt
}

// FixFATFile fixes the ".." entries of a FAT32 file system image in a file (FixDotDot's
// reason applies).
func FixFATFile(file string) error {
	f, err := os.OpenFile(file, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	if err := fixDotDot(f, 0); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return f.Close()
}

// fat32 is what fixDotDot needs of a FAT32 volume: its geometry and the first clusters of the
// root directory's subdirectories.
type fat32 struct {
	r                   io.ReaderAt
	bps, spc            int64
	fatStart, dataStart int64
	rootDirs            []uint32
}

func (v *fat32) clusterOffset(c uint32) int64 { return v.dataStart + int64(c-2)*v.bps*v.spc }

func (v *fat32) next(c uint32) (uint32, error) {
	b := make([]byte, 4)
	if _, err := v.r.ReadAt(b, v.fatStart+int64(c)*4); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b) & 0x0fffffff, nil
}

func readFAT32(r io.ReaderAt) (*fat32, error) {
	bs := make([]byte, 512)
	if _, err := r.ReadAt(bs, 0); err != nil {
		return nil, err
	}
	v := &fat32{r: r, bps: int64(binary.LittleEndian.Uint16(bs[11:])), spc: int64(bs[13])}
	if v.bps != 512 || v.spc == 0 || string(bs[82:90]) != "FAT32   " {
		return nil, fmt.Errorf("not a FAT32 file system with 512-byte sectors")
	}
	reserved, fats, fatSize := int64(binary.LittleEndian.Uint16(bs[14:])), int64(bs[16]), int64(binary.LittleEndian.Uint32(bs[36:]))
	v.fatStart, v.dataStart = reserved*v.bps, (reserved+fats*fatSize)*v.bps
	return v, v.scanRoot(binary.LittleEndian.Uint32(bs[44:]))
}

// scanRoot follows the root directory's cluster chain and records each subdirectory.
func (v *fat32) scanRoot(c uint32) error {
	for n := 0; c >= 2 && c < 0x0ffffff8; n++ {
		if n > 1<<16 {
			return fmt.Errorf("root directory cluster chain does not end")
		}
		buf := make([]byte, v.bps*v.spc)
		if _, err := v.r.ReadAt(buf, v.clusterOffset(c)); err != nil {
			return err
		}
		for e := 0; e < len(buf); e += 32 {
			switch ent := buf[e : e+32]; {
			case ent[0] == 0:
				return nil
			case ent[0] == 0xe5 || ent[11] == 0x0f || ent[11]&0x10 == 0 || ent[0] == '.':
			default:
				v.rootDirs = append(v.rootDirs, uint32(binary.LittleEndian.Uint16(ent[20:]))<<16|uint32(binary.LittleEndian.Uint16(ent[26:])))
			}
		}
		var err error
		if c, err = v.next(c); err != nil {
			return err
		}
	}
	return nil
}
