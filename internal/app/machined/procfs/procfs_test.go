package procfs

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseStat(t *testing.T) {
	got, err := ParseStat("42 (my (odd) cmd) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 5 0 100 1048576 256 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0")
	want := Stat{PID: 42, PPID: 1, Command: "my (odd) cmd", State: "S", Threads: 5, UTime: 7, STime: 3, VSize: 1048576, RSSPages: 256}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("ParseStat = %+v, %v, want %+v", got, err, want)
	}
	for _, bad := range []string{"", "1 (x", "x (y) S", "1 (y) S 1"} {
		if _, err := ParseStat(bad); err == nil {
			t.Errorf("ParseStat(%q) succeeded, want error", bad)
		}
	}
}

func TestParseNet(t *testing.T) {
	data := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: 0200007F:C350 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n"
	got, err := ParseNet(data, false)
	want := []Conn{{Local: "127.0.0.2:50000", Remote: "0.0.0.0:0", State: "LISTEN", Inode: 12345}}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("ParseNet = %+v, %v, want %+v", got, err, want)
	}
}

func TestParseMountsAndMeminfo(t *testing.T) {
	m, err := ParseMounts("/dev/sda1 /mnt/my\\040disk ext4 rw,relatime 0 0\n")
	if err != nil || m[0].Mountpoint != "/mnt/my disk" {
		t.Errorf("ParseMounts = %+v, %v", m, err)
	}
	mi, err := ParseMemInfo("MemTotal: 2048 kB\nMemFree: 1024 kB\n")
	if err != nil || mi.Total != 2048*1024 || mi.Free != 1024*1024 {
		t.Errorf("ParseMemInfo = %+v, %v", mi, err)
	}
	if _, err := ParseMemInfo("MemFree: x kB"); err == nil {
		t.Error("ParseMemInfo(bad) succeeded")
	}
}

func FuzzParsers(f *testing.F) {
	f.Add("1 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1")
	f.Add("  sl local\n 0: 0100007F:0016 00000000:0000 0A 0:0 0:0 0 0 0 1")
	f.Fuzz(func(_ *testing.T, s string) {
		_, _ = ParseStat(s)
		_, _ = ParseNet(s, false)
		_, _ = ParseMounts(s)
		_, _ = ParseMemInfo(s)
		_, _, _, _ = LoadAvg(s)
	})
}
