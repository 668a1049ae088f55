package boot

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// structure builds one SMBIOS structure: header, formatted bytes, strings.
func structure(typ byte, formatted []byte, strs ...string) []byte {
	b := append([]byte{typ, byte(4 + len(formatted)), 0x00, 0x01}, formatted...)
	for _, s := range strs {
		b = append(append(b, s...), 0)
	}
	if len(strs) == 0 {
		b = append(b, 0)
	}
	return append(b, 0)
}

func TestSMBIOSOEMStrings(t *testing.T) {
	var table []byte
	table = append(table, structure(1, []byte{1, 2, 3, 4}, "QEMU", "Standard PC")...)
	table = append(table, structure(11, []byte{2}, "cairn.config=http://10.5.0.1:8080/c/n1", "other")...)
	table = append(table, structure(32, make([]byte, 7))...)
	table = append(table, structure(127, nil)...)
	table = append(table, structure(11, []byte{1}, "after the end")...)
	got, err := smbiosOEMStrings(table)
	want := []string{"cairn.config=http://10.5.0.1:8080/c/n1", "other"}
	if err != nil || !cmp.Equal(want, got) {
		t.Errorf("smbiosOEMStrings = %q, %v; want %q", got, err, want)
	}
	for _, bad := range [][]byte{{11, 5, 0}, {11, 2, 0, 0, 0, 0}, {11, 5, 0, 0, 1, 'x', 0}, {11, 200, 0, 0, 1, 0, 0}} {
		if _, err := smbiosOEMStrings(bad); err == nil {
			t.Errorf("smbiosOEMStrings(%v) = nil error, want one", bad)
		}
	}
}

func FuzzSMBIOSOEMStrings(f *testing.F) {
	f.Add(append(structure(11, []byte{1}, "cairn.config=http://h/"), structure(127, nil)...))
	f.Add([]byte{11, 4, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, table []byte) {
		strs, _ := smbiosOEMStrings(table)
		for _, s := range strs {
			if s == "" {
				t.Errorf("smbiosOEMStrings(%v) returned an empty string", table)
			}
		}
	})
}
