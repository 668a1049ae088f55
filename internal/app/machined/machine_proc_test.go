package machined

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/procfs"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// fakeProc returns a procfs over a temporary /proc holding files.
func fakeProc(t *testing.T, files map[string]string) procfs.FS {
	t.Helper()
	root := t.TempDir()
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := procfs.NewFS(root)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

const netHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

func TestNetstat(t *testing.T) {
	fs := fakeProc(t, map[string]string{
		"net/tcp": netHeader + "   0: 0200007F:C350 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n",
		"net/udp": netHeader + "   1: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000    50        0 777 2 0000000000000000 0\n",
	})
	got, err := netstat(fs)
	if err != nil {
		t.Fatal(err)
	}
	want := []*machine.Connection{
		{Protocol: "tcp", Local: "127.0.0.2:50000", Remote: "0.0.0.0:0", State: "LISTEN", Inode: 12345},
		{Protocol: "udp", Local: "0.0.0.0:68", Remote: "0.0.0.0:0", State: "UNCONN", Inode: 777, Uid: 50},
	}
	if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
		t.Errorf("netstat (-want +got):\n%s", d)
	}
	bad := fakeProc(t, map[string]string{"net/tcp": netHeader + "   0: zz 1\n"})
	if _, err := netstat(bad); err == nil {
		t.Error("netstat(malformed tcp table) = nil error")
	}
}

func TestProcessesAndMemory(t *testing.T) {
	fs := fakeProc(t, map[string]string{
		"42/stat":    "42 (my (odd) cmd) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 5 0 100 1048576 256 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		"42/cmdline": "/bin/x\x00--flag\x00",
		"meminfo":    "MemTotal: 2048 kB\nMemFree: 1024 kB\nMemAvailable: 1500 kB\n",
	})
	got, err := processes(fs)
	if err != nil {
		t.Fatal(err)
	}
	want := []*machine.Process{{Pid: 42, Ppid: 1, State: "S", Threads: 5, CpuSeconds: 0.1, ResidentBytes: 256 * uint64(os.Getpagesize()),
		VirtualBytes: 1048576, Command: "my (odd) cmd", Args: "/bin/x --flag"}}
	if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
		t.Errorf("processes (-want +got):\n%s", d)
	}
	m, err := fs.Meminfo()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&machine.MemInfo{Total: 2048 << 10, Free: 1024 << 10, Available: 1500 << 10}, memInfo(m), protocmp.Transform()); d != "" {
		t.Errorf("memInfo (-want +got):\n%s", d)
	}
}
