package imager

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultManifest(t *testing.T) {
	m, err := DefaultManifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.Kernel.Package != "linux-image-"+m.Kernel.Release {
		t.Errorf("kernel.package %q does not match kernel.release %q", m.Kernel.Package, m.Kernel.Release)
	}
}

func TestManifestErrors(t *testing.T) {
	in := `kernel: {package: "Bad Name", version: "", sha256: abc, release: x}
modules: {initramfs: ["../loop"]}
binaries: [{name: cairn, package: cmd/cairn, path: sbin/cairn}]
`
	_, err := ParseManifest([]byte(in))
	if err == nil {
		t.Fatal("ParseManifest(bad) = nil error")
	}
	for _, want := range []string{`kernel.package: "Bad Name"`, `kernel.version: ""`, `kernel.sha256: "abc"`,
		`modules.initramfs[0]: "../loop"`, `binaries[0].package: "cmd/cairn"`, `binaries[0].path/links[0]: "sbin/cairn"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := ParseManifest([]byte("kernel: {}\nunknown: 1\n")); err == nil {
		t.Error("ParseManifest(unknown field) = nil error")
	}
}

// tree builds a small root; bad adds one forbidden thing.
func tree(t *testing.T, bad func(root string) error) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"sbin", "etc", "tmp"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "sbin/cairn"), []byte("\x7fELF"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("cairn", filepath.Join(root, "sbin/init")); err != nil {
		t.Fatal(err)
	}
	if bad != nil {
		if err := bad(root); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var badTrees = []struct {
	name string
	want string
	bad  func(root string) error
	// contents: found only by reading files (CheckTree), not from a squashfs listing.
	contents bool
}{
	{"shell", "/usr/bin/bash: forbidden shell", func(r string) error {
		if err := os.MkdirAll(filepath.Join(r, "usr/bin"), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(r, "usr/bin/bash"), nil, 0o755)
	}, false},
	{"shell link", "/bin/sh: forbidden shell", func(r string) error {
		if err := os.Mkdir(filepath.Join(r, "bin"), 0o755); err != nil {
			return err
		}
		return os.Symlink("../sbin/cairn", filepath.Join(r, "bin/sh"))
	}, false},
	{"busybox", "/sbin/busybox: forbidden shell", func(r string) error {
		return os.WriteFile(filepath.Join(r, "sbin/busybox"), nil, 0o755)
	}, false},
	{"sshd", "/sbin/sshd: forbidden SSH daemon", func(r string) error {
		return os.WriteFile(filepath.Join(r, "sbin/sshd"), nil, 0o755)
	}, false},
	{"sudo", "/usr/bin/sudo: forbidden privilege escalation", func(r string) error {
		if err := os.MkdirAll(filepath.Join(r, "usr/bin"), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(r, "usr/bin/sudo"), []byte("\x7fELF"), 0o755)
	}, false},
	{"script", "/etc/rc.local: script (#!)", func(r string) error {
		return os.WriteFile(filepath.Join(r, "etc/rc.local"), []byte("#!/bin/sh\necho hi\n"), 0o755)
	}, true},
	{"setuid", "/sbin/cairn: setuid", func(r string) error { return os.Chmod(filepath.Join(r, "sbin/cairn"), os.ModeSetuid|0o755) }, false},
	{"setgid", "/sbin/cairn: setgid", func(r string) error { return os.Chmod(filepath.Join(r, "sbin/cairn"), os.ModeSetgid|0o755) }, false},
	{"world-writable dir", "/tmp: world-writable", func(r string) error { return os.Chmod(filepath.Join(r, "tmp"), os.ModeSticky|0o777) }, false},
	{"world-writable file", "/etc/x: world-writable", func(r string) error {
		f := filepath.Join(r, "etc/x")
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			return err
		}
		return os.Chmod(f, 0o666)
	}, false},
}

func TestCheckTree(t *testing.T) {
	if err := CheckTree(tree(t, nil)); err != nil {
		t.Fatalf("CheckTree(good) = %v", err)
	}
	for _, tc := range badTrees {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckTree(tree(t, tc.bad))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CheckTree() = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

// TestSquashfsPolicy packs trees with the real mksquashfs: bad trees are refused, and the
// listing of a good image is checked again after packing.
func TestSquashfsPolicy(t *testing.T) {
	for _, tool := range []string{"mksquashfs", "unsquashfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not installed in CI: .ci/run must apt-get install squashfs-tools", tool)
			}
			t.Skipf("%s not installed (apt-get install squashfs-tools)", tool)
		}
	}
	b := &builder{epoch: 1700000000}
	ctx := context.Background()
	for _, tc := range badTrees {
		err := b.mksquashfs(ctx, tree(t, tc.bad), filepath.Join(t.TempDir(), "r.sqsh"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: mksquashfs() = %v, want an error naming %q", tc.name, err, tc.want)
		}
		if tc.contents {
			continue
		}
		// Packed without the tree check, the image check alone must still refuse it.
		raw := filepath.Join(t.TempDir(), "raw.sqsh")
		if out, err := exec.Command("mksquashfs", tree(t, tc.bad), raw, "-all-root", "-quiet", "-no-progress").CombinedOutput(); err != nil {
			t.Fatalf("mksquashfs: %v\n%s", err, out)
		}
		if err := CheckSquashfs(ctx, raw); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: CheckSquashfs() = %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
	file := filepath.Join(t.TempDir(), "good.sqsh")
	if err := b.mksquashfs(ctx, tree(t, nil), file); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("unsquashfs", "-lls", "-d", "", file).Output()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ParseListing(strings.NewReader(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Path+" "+e.Mode.String())
	}
	want := []string{"/ drwxr-xr-x", "/etc drwxr-xr-x", "/sbin drwxr-xr-x", "/sbin/cairn -rwxr-xr-x", "/sbin/init Lrwxrwxrwx", "/tmp drwxr-xr-x"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("listing of the good image (-want +got):\n%s", diff)
	}
}

func TestParseListing(t *testing.T) {
	in := `drwxr-xr-x root/root                50 2026-11-22 22:12 
-rwsr-sr-x root/root                 1 2026-11-22 22:12 /sbin/su
crw------- root/root             5,  1 2026-11-22 22:12 /dev/console
lrwxrwxrwx root/root                 5 2026-11-22 22:12 /sbin/my init -> cairn
drwxrwxrwt root/root                 3 2026-11-22 22:12 /tmp
`
	got, err := ParseListing(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []ListEntry{
		{"/", os.ModeDir | 0o755},
		{"/sbin/su", os.ModeSetuid | os.ModeSetgid | 0o755},
		{"/dev/console", os.ModeDevice | os.ModeCharDevice | 0o600},
		{"/sbin/my init", os.ModeSymlink | 0o777},
		{"/tmp", os.ModeDir | os.ModeSticky | 0o777},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseListing() (-want +got):\n%s", diff)
	}
	err = CheckListing(got)
	for _, w := range []string{"/sbin/su: setuid", "/sbin/su: setgid", "/tmp: world-writable"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("CheckListing() = %v, want it to name %q", err, w)
		}
	}
}

func FuzzParseListing(f *testing.F) {
	f.Add("-rwsr-sr-x root/root 1 2026-11-22 22:12 /sbin/su\n")
	f.Add("crw------- root/root 5,  1 2026-11-22 22:12 /dev/console\n")
	f.Fuzz(func(t *testing.T, in string) {
		entries, err := ParseListing(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, e := range entries {
			if len(e.Path) > len(in) {
				t.Fatalf("path %q longer than input", e.Path)
			}
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	f.Add(string(defaultManifest))
	f.Fuzz(func(t *testing.T, in string) {
		m, err := ParseManifest([]byte(in))
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("ParseManifest accepted a manifest that Validate rejects: %v", err)
		}
	})
}
