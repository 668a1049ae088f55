package installpayload

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseFD(t *testing.T) {
	for s, want := range map[string]int{"3": 3, "17": 17, "65536": 65536} {
		if got, err := ParseFD(s); err != nil || got != want {
			t.Errorf("ParseFD(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "0", "2", "-4", "03", "+5", "3 ", "65537", "x", "99999999999999999999"} {
		if got, err := ParseFD(s); err == nil || !strings.Contains(err.Error(), Env) {
			t.Errorf("ParseFD(%q) = %d, %v; want an error naming %s", s, got, err, Env)
		}
	}
}

// TestHandoff opens a payload as /init does and takes it as machined does: the same bytes
// through the descriptor after the file is unlinked, the variable gone, close-on-exec set.
func TestHandoff(t *testing.T) {
	root := t.TempDir()
	if env, err := Open(root); env != "" || err != nil {
		t.Fatalf("Open(no payload) = %q, %v; want nothing", env, err)
	}
	p := filepath.Join(root, Path)
	must(t, os.MkdirAll(filepath.Dir(p), 0o700))
	must(t, os.WriteFile(p, []byte("signed image"), 0o400))
	env, err := Open(root)
	if err != nil || !strings.HasPrefix(env, Env+"=") {
		t.Fatalf("Open = %q, %v", env, err)
	}
	must(t, os.Remove(p)) // /init frees the initramfs
	name, val, _ := strings.Cut(env, "=")
	t.Setenv(name, val)
	f, err := Take()
	if err != nil || f == nil {
		t.Fatalf("Take = %v, %v", f, err)
	}
	defer func() { _ = f.Close() }()
	buf := make([]byte, 64)
	if n, _ := f.ReadAt(buf, 0); string(buf[:n]) != "signed image" {
		t.Errorf("payload reads %q", buf[:n])
	}
	if _, ok := os.LookupEnv(Env); ok {
		t.Errorf("%s still set after Take", Env)
	}
}

func TestTakeRefusesWhatIsNotAFile(t *testing.T) {
	t.Setenv(Env, "1") // stdout: below 3
	if f, err := Take(); f != nil || err == nil {
		t.Errorf("Take(%s=1) = %v, %v; want refused", Env, f, err)
	}
	d, err := os.Open(t.TempDir())
	must(t, err)
	defer func() { _ = d.Close() }()
	t.Setenv(Env, fdString(d))
	if f, err := Take(); f != nil || err == nil || !strings.Contains(err.Error(), "regular file") {
		t.Errorf("Take(a directory) = %v, %v; want refused", f, err)
	}
}

func fdString(f *os.File) string { return strconv.Itoa(int(f.Fd())) }

func FuzzParseFD(f *testing.F) {
	f.Add("3")
	f.Add("-1")
	f.Fuzz(func(t *testing.T, s string) {
		fd, err := ParseFD(s)
		if err == nil && (fd < 3 || fd > maxFD) {
			t.Errorf("ParseFD(%q) = %d", s, fd)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
