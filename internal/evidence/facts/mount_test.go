package facts

import "testing"

// TestMountOf: the mount that holds a directory is the deepest mount point above it (the
// last listed among equals), never a sibling whose name shares a prefix.
func TestMountOf(t *testing.T) {
	const table = "20 1 7:0 / / ro,relatime - squashfs /dev/dm-0 ro\n" +
		"21 20 0:30 / /tmp rw,nosuid - tmpfs tmpfs rw\n" +
		"22 20 0:31 / /tmp rw,nodev - tmpfs tmpfs2 rw\n" +
		"23 21 0:32 / /tmp/stage/root/proc rw - proc proc rw\n"
	tests := []struct {
		dir, want, source string
	}{
		{"/", "/", "/dev/dm-0"},
		{"/tmp", "/tmp", "tmpfs2"},
		{"/tmp/stage/root", "/tmp", "tmpfs2"},
		{"/tmpfoo/root", "/", "/dev/dm-0"},
		{"/tmp/stage/root/proc/1", "/tmp/stage/root/proc", "proc"},
	}
	for _, tt := range tests {
		m, err := MountOf([]byte(table), tt.dir)
		if err != nil || m.Mountpoint != tt.want || m.Source != tt.source {
			t.Errorf("MountOf(%q) = %+v, %v, want %s from %s", tt.dir, m, err, tt.want, tt.source)
		}
	}
	if m, err := MountOf([]byte("21 20 0:30 / /tmp rw - tmpfs tmpfs rw\n"), "/var"); err == nil {
		t.Errorf("MountOf(/var) in a table without / = %+v, want an error", m)
	}
}
