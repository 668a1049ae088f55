package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.yaml")
	if err := Write(path, []byte("one"), 0o600, false); err != nil {
		t.Fatalf("Write(new) = %v", err)
	}
	if err := Write(path, []byte("two"), 0o600, false); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Write(existing, no overwrite) = %v, want fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "one" {
		t.Fatalf("content after refused write = %q, want %q", got, "one")
	}
	if err := Write(path, []byte("three"), 0o600, true); err != nil {
		t.Fatalf("Write(existing, overwrite) = %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "three" {
		t.Errorf("content = %q, want %q", got, "three")
	}
	if runtime.GOOS != "windows" {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", st.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the file (temporary files left behind)", len(entries))
	}
}

func TestWriteMissingDir(t *testing.T) {
	if err := Write(filepath.Join(t.TempDir(), "no", "such"), nil, 0o600, false); err == nil {
		t.Errorf("Write into a missing directory = nil error")
	}
}
