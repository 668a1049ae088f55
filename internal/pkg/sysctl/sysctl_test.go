package sysctl

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSetGet(t *testing.T) {
	Root = t.TempDir()
	if err := os.MkdirAll(filepath.Join(Root, "kernel"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Set("kernel.kptr_restrict", "2"); err != nil {
		t.Fatal(err)
	}
	if got, err := Get("kernel.kptr_restrict"); err != nil || got != "2" {
		t.Errorf("Get() = %q, %v; want \"2\", nil", got, err)
	}
	if err := Set("kernel.missing.x", "1"); err == nil {
		t.Error("Set(missing) = nil, want error")
	}
	for _, bad := range []string{"", "../etc/passwd", "a/b", ".x"} {
		if _, err := Path(bad); err == nil {
			t.Errorf("Path(%q) = nil error, want error", bad)
		}
	}
}
