package facts

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"
)

// TestCollectLive runs Collect on the machine the test runs on (read-only; as any user):
// facts every user may read are known, the test's own process is found, and the snapshot
// holds no private key. Facts that need root may be unknown, but then they say why.
func TestCollectLive(t *testing.T) {
	if _, err := os.Stat("/proc/self/mountinfo"); err != nil {
		t.Skip("no /proc here:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Collect(ctx, Sources{Root: "/", Proc: "/proc", Sys: "/sys", ScanDirs: []string{"/usr/bin", "/usr/sbin"}})
	if err != nil {
		t.Fatalf("Collect = %v", err)
	}
	for name, f := range map[string]Fact[string]{"release": s.Kernel.Release, "version": s.Kernel.Version, "cmdline": s.Kernel.Cmdline} {
		if !f.Known() || f.Value == "" {
			t.Errorf("kernel %s = %+v, want a value", name, f)
		}
	}
	if !s.Root.Known() || s.Root.Value.Mountpoint != "/" {
		t.Errorf("root mount = %+v", s.Root)
	}
	if !s.Processes.Known() || !slices.ContainsFunc(s.Processes.Value, func(p Process) bool { return p.PID == 1 }) {
		t.Errorf("processes = %+v, want PID 1 among them", s.Processes)
	}
	if len(s.Sysctls) != len(SysctlNames()) {
		t.Errorf("sysctls: %d, want %d", len(s.Sysctls), len(SysctlNames()))
	}
	for name, f := range s.Sysctls {
		if !f.Known() && f.Unknown == "" {
			t.Errorf("sysctl %s neither known nor explained", name)
		}
	}
	if !s.Scan.Known() || s.Scan.Value.Entries == 0 {
		t.Errorf("scan = %+v", s.Scan)
	}
	if f := s.Files["/etc/passwd"]; !f.Exists || f.Owner() != "root:root" {
		t.Errorf("/etc/passwd = %+v", f)
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if containsKey(data) {
		t.Error("the snapshot holds a private key")
	}
	t.Logf("live: %d processes, %d sockets, %d files, %d scanned, %d setid, shells %v, lockdown %+v, %d bytes of JSON",
		len(s.Processes.Value), len(s.Sockets.Value), len(s.Files), s.Scan.Value.Entries, len(s.Scan.Value.SetID), s.Scan.Value.Shells, s.Lockdown, len(data))
}
