package sandbox

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDenyFiles runs DenyFiles in a fresh process (it cannot be undone): afterwards the child
// reads the one allowed file, and reading, listing or creating anything else is refused.
func TestDenyFiles(t *testing.T) {
	if dir := os.Getenv("SANDBOX_DENY_CHILD"); dir != "" {
		os.Exit(denyChild(dir))
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "allowed"), []byte("yes"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "denied"), []byte("no"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDenyFiles$")
	cmd.Env = append(os.Environ(), "SANDBOX_DENY_CHILD="+dir)
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "not enforced:") {
		t.Skipf("this kernel or binary cannot enforce it: %s", out)
	}
	if err != nil || !strings.Contains(string(out), "child: all refused") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// denyChild is the child's side of TestDenyFiles.
func denyChild(dir string) int {
	say := func(s string) { _, _ = os.Stdout.WriteString("child: " + s + "\n") }
	if err := setNoNewPrivs(); err != nil {
		say(err.Error())
		return 1
	}
	if err := DenyFiles([]string{filepath.Join(dir, "allowed"), filepath.Join(dir, "missing")}); err != nil {
		if errors.Is(err, ErrNotEnforced) {
			say("not enforced: " + err.Error())
			return 0
		}
		say(err.Error())
		return 1
	}
	if b, err := os.ReadFile(filepath.Join(dir, "allowed")); err != nil || string(b) != "yes" {
		say("allowed file: " + string(b) + " " + errString(err))
		return 1
	}
	for what, err := range map[string]error{
		"read":   readErr(filepath.Join(dir, "denied")),
		"list":   readDirErr(dir),
		"create": os.WriteFile(filepath.Join(dir, "new"), nil, 0o600),
		"status": readErr("/proc/self/status"),
	} {
		if !errors.Is(err, os.ErrPermission) {
			say(what + " not refused: " + errString(err))
			return 1
		}
	}
	say("all refused")
	return 0
}

func readErr(p string) error    { _, err := os.ReadFile(p); return err }
func readDirErr(p string) error { _, err := os.ReadDir(p); return err }

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}
