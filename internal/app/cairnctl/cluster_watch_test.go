package cairnctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/internal/provision/qemu"
)

// TestVMFailedPanic: a panic on the console ends the wait with the lines up to the panic; a
// panic of an earlier boot (before from) is not this boot's.
func TestVMFailedPanic(t *testing.T) {
	console := filepath.Join(t.TempDir(), "n.console.log")
	old := "[    1.0] Kernel panic - not syncing: an older boot\n"
	boot := "[    2.0] Initramfs unpacking failed: read error\n[    2.1] Kernel panic - not syncing: No working init found.\n[    2.2] Call Trace:\n[    2.3] \x1b[31mdump_stack\n"
	if err := os.WriteFile(console, []byte(old+boot), 0o600); err != nil {
		t.Fatal(err)
	}
	w := apiWatch{node: qemu.Node{Name: "n", Console: console}, state: &qemu.State{}, from: int64(len(old))}
	want := "node n: the guest kernel panicked; console lines up to the panic (" + console + "):\n" +
		"  | [    2.0] Initramfs unpacking failed: read error\n  | [    2.1] Kernel panic - not syncing: No working init found."
	err := w.vmFailed()
	if err == nil {
		t.Fatal("vmFailed() = nil, want the panic")
	}
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("vmFailed() (-want +got):\n%s", diff)
	}

	// Only the older boot panicked; this one's QEMU (not in the state) is not running.
	if err := os.WriteFile(console, []byte(old+"[    2.0] booting\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = w.vmFailed()
	if err == nil || strings.Contains(err.Error(), "panicked") || !strings.Contains(err.Error(), "node n: QEMU exited; last console lines") {
		t.Errorf("vmFailed() = %v, want QEMU exited without an old boot's panic", err)
	}
}

// TestVMFailedOutputLog: when QEMU itself could not start, its own output of this boot (not an
// earlier one's) follows the console's.
func TestVMFailedOutputLog(t *testing.T) {
	dir := t.TempDir()
	qlog := qemu.OutputLog(dir, "n")
	old := "qemu-system-x86_64: terminating on signal 15\n"
	now := "qemu-system-x86_64: -drive file=n.disk.raw: Failed to get \"write\" lock\n"
	if err := os.WriteFile(qlog, []byte(old+now), 0o600); err != nil {
		t.Fatal(err)
	}
	w := apiWatch{node: qemu.Node{Name: "n", Console: filepath.Join(dir, "n.console.log")}, state: &qemu.State{Dir: dir}, qemuFrom: int64(len(old))}
	want := "node n: QEMU exited before the guest wrote to its console (" + w.node.Console + ")\nQEMU's own output (" + qlog + "):\n" +
		"  | qemu-system-x86_64: -drive file=n.disk.raw: Failed to get \"write\" lock"
	err := w.vmFailed()
	if err == nil {
		t.Fatal("vmFailed() = nil, want QEMU exited")
	}
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("vmFailed() (-want +got):\n%s", diff)
	}
}

func TestLastLines(t *testing.T) {
	got := lastLines([]byte("a\r\nb\x1b[0m\nc\n\n"), 2)
	if want := "  | b[0m\n  | c"; got != want {
		t.Errorf("lastLines = %q, want %q", got, want)
	}
}

// FuzzLastLines: whatever the guest writes on its console, what cairnctl prints of it holds
// at most n lines and no control character (C0 or C1) but tabs.
func FuzzLastLines(f *testing.F) {
	f.Add([]byte("a\r\nb\x1b[0m\nc\n\n"), 2)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		n = n%20 + 20
		got := lastLines(data, n)
		if lines := strings.Count(got, "\n") + 1; lines > n {
			t.Errorf("lastLines(%q, %d) has %d lines", data, n, lines)
		}
		for _, r := range got {
			if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f {
				t.Errorf("lastLines(%q) = %q holds control character %U", data, got, r)
			}
		}
	})
}
