// Package devmapper creates and removes device-mapper devices with the kernel's ioctls
// (linux/dm-ioctl.h), enough for one read-only dm-verity device: the root of a disk-booted node.
package devmapper

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Sizes and offsets of struct dm_ioctl and struct dm_target_spec (linux/dm-ioctl.h, ABI 4).
const (
	headerSize = 312 // sizeof(struct dm_ioctl)
	specSize   = 40  // sizeof(struct dm_target_spec)
	nameLen    = 128 // DM_NAME_LEN
	offFlags   = 28
	offDev     = 40
	offName    = 48
)

// header is the part of struct dm_ioctl Cairn sets or reads.
type header struct {
	DataSize, DataStart, TargetCount uint32
	Flags                            uint32
	Dev                              uint64
	Name                             string
}

// target is one line of a device-mapper table: sectors [Start, Start+Length) map to Type
// with Params.
type target struct {
	Start, Length uint64
	Type, Params  string
}

var le = binary.LittleEndian // the ioctl ABI is the host's order; Cairn runs on amd64 only

// encode returns the ioctl buffer: the header, then payload, sized to size bytes at least
// (room for the kernel's reply).
func encode(h header, payload []byte, size int) ([]byte, error) {
	if h.Name == "" || len(h.Name) >= nameLen || bytes.IndexByte([]byte(h.Name), 0) >= 0 || bytes.IndexByte([]byte(h.Name), '/') >= 0 {
		return nil, fmt.Errorf("device-mapper name %q: want 1-%d bytes without NUL or /", h.Name, nameLen-1)
	}
	size = max(size, headerSize+len(payload))
	buf := make([]byte, size)
	le.PutUint32(buf[0:], 4) // version 4.0.0: the ABI every kernel since 2.6 speaks
	le.PutUint32(buf[12:], uint32(size))
	le.PutUint32(buf[16:], headerSize)
	le.PutUint32(buf[20:], h.TargetCount)
	le.PutUint32(buf[offFlags:], h.Flags)
	copy(buf[offName:offName+nameLen], h.Name)
	copy(buf[headerSize:], payload)
	return buf, nil
}

// decode reads the header fields the kernel fills in.
func decode(buf []byte) (header, error) {
	if len(buf) < headerSize {
		return header{}, fmt.Errorf("device-mapper reply of %d bytes, want >= %d", len(buf), headerSize)
	}
	name := buf[offName : offName+nameLen]
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	return header{
		DataSize: le.Uint32(buf[12:]), DataStart: le.Uint32(buf[16:]), TargetCount: le.Uint32(buf[20:]),
		Flags: le.Uint32(buf[offFlags:]), Dev: le.Uint64(buf[offDev:]), Name: string(name),
	}, nil
}

// encodeTargets packs a table for DM_TABLE_LOAD: each dm_target_spec followed by its
// NUL-terminated parameters, padded to 8 bytes; next is the offset of the following spec.
func encodeTargets(ts []target) ([]byte, error) {
	var out []byte
	for _, t := range ts {
		if t.Type == "" || len(t.Type) >= 16 || t.Length == 0 {
			return nil, fmt.Errorf("device-mapper target %q of %d sectors: want a type of 1-15 bytes and a length", t.Type, t.Length)
		}
		if bytes.IndexByte([]byte(t.Params), 0) >= 0 {
			return nil, errors.New("device-mapper target parameters contain NUL")
		}
		n := (specSize + len(t.Params) + 1 + 7) &^ 7
		spec := make([]byte, n)
		le.PutUint64(spec[0:], t.Start)
		le.PutUint64(spec[8:], t.Length)
		le.PutUint32(spec[20:], uint32(n))
		copy(spec[24:40], t.Type)
		copy(spec[specSize:], t.Params)
		out = append(out, spec...)
	}
	return out, nil
}

// decodeTargets reads DM_TABLE_STATUS's reply: count specs, each followed by its status text.
// In a reply, next is the offset of the following spec from the start of data (in a
// DM_TABLE_LOAD request it is relative to the spec itself: one target makes both the same).
func decodeTargets(data []byte, count uint32) ([]target, error) {
	var ts []target
	off := 0
	for i := uint32(0); i < count; i++ {
		if off < 0 || off+specSize > len(data) {
			return nil, fmt.Errorf("device-mapper status: target %d at offset %d beyond %d bytes", i, off, len(data))
		}
		s := data[off:]
		text := s[specSize:]
		if j := bytes.IndexByte(text, 0); j >= 0 {
			text = text[:j]
		}
		typ := s[24:40]
		if j := bytes.IndexByte(typ, 0); j >= 0 {
			typ = typ[:j]
		}
		ts = append(ts, target{Start: le.Uint64(s[0:]), Length: le.Uint64(s[8:]), Type: string(typ), Params: string(text)})
		next := int(le.Uint32(s[20:]))
		if next <= off && i+1 < count {
			return nil, fmt.Errorf("device-mapper status: target %d has next offset %d", i, next)
		}
		off = next
	}
	return ts, nil
}
