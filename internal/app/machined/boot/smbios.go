package boot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// dmiTable is the kernel's copy of the SMBIOS structure table (CONFIG_DMI, no module needed).
const dmiTable = "/sys/firmware/dmi/tables/DMI"

// maxDMITable bounds what we read of it: real tables are a few KiB.
const maxDMITable = 1 << 20

// smbiosOEMStrings returns the strings of every OEM Strings structure (SMBIOS type 11) in an
// SMBIOS structure table: each structure is type, length, handle, the formatted area, then
// NUL-terminated strings ending with an empty one. Type 127 ends the table.
func smbiosOEMStrings(table []byte) ([]string, error) {
	var out []string
	for off := 0; off < len(table); {
		if len(table)-off < 4 {
			return out, fmt.Errorf("smbios: truncated structure header at offset %d", off)
		}
		typ, length := table[off], int(table[off+1])
		if length < 4 || off+length > len(table) {
			return out, fmt.Errorf("smbios: structure of type %d at offset %d has length %d", typ, off, length)
		}
		end := bytes.Index(table[off+length:], []byte{0, 0})
		if end < 0 {
			return out, fmt.Errorf("smbios: structure of type %d at offset %d has no string-set end", typ, off)
		}
		if typ == 11 {
			for _, s := range bytes.Split(table[off+length:off+length+end], []byte{0}) {
				if len(s) > 0 {
					out = append(out, string(s))
				}
			}
		}
		if typ == 127 {
			break
		}
		off += length + end + 2
	}
	return out, nil
}

// smbiosConfigURL returns the value of an OEM string "cairn.config=URL", which QEMU sets with
// -smbios type=11,value=cairn.config=URL: a VM booted from disk has the disk's command line,
// so its config URL comes this way.
func smbiosConfigURL() (string, bool, error) {
	data, err := readBounded(dmiTable, maxDMITable)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil // no SMBIOS (not a PC, or a container)
	}
	if err != nil {
		return "", false, err
	}
	strs, err := smbiosOEMStrings(data)
	for _, s := range strs {
		if v, ok := strings.CutPrefix(s, "cairn.config="); ok {
			return v, true, nil
		}
	}
	return "", false, err
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("%s: more than %d bytes", path, limit)
	}
	return data, err
}
