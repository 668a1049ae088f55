//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/pkg/cpio"
	"github.com/cairn-os/cairn/internal/pkg/kmod"
)

// dmModules are what internal/pkg/devmapper's root tests need of the kernel.
var dmModules = []string{"loop", "squashfs", "dm_verity"}

// TestDeviceMapperInVM runs internal/pkg/devmapper's root tests (a good tree mounts and reads,
// a flipped byte is EIO at its block, a wrong root hash fails) as /init of a VM on the image's
// kernel with its real dm-verity: the development host's kernel has no device-mapper.
func TestDeviceMapperInVM(t *testing.T) {
	root := repoRoot(t)
	kdir := kernelCache(t, root)
	dir := t.TempDir()
	bin := filepath.Join(dir, "devmapper.test")
	goCmd(t, root, []string{"CGO_ENABLED=0"}, "test", "-c", "-o", bin, "./internal/pkg/devmapper")
	goCmd(t, root, []string{"CAIRN_DM_MAKE_FIXTURE=" + filepath.Join(dir, "fixture")}, "exec", bin)
	initrd := filepath.Join(dir, "initramfs")
	writeTestInitramfs(t, initrd, bin, filepath.Join(dir, "fixture"), filepath.Join(kdir, "modules"))
	out := runTestVM(t, filepath.Join(kdir, "vmlinuz"), initrd)
	for _, name := range []string{"TestVerityGoodTreeMountsAndReads", "TestVerityFlippedByteIsEIOAtItsBlock", "TestVerityWrongRootHashFails"} {
		if !strings.Contains(out, "--- PASS: "+name) {
			t.Errorf("%s did not pass in the VM", name)
		}
	}
	if !strings.Contains(out, "DEVMAPPER-TESTS-EXIT 0") {
		t.Errorf("the tests in the VM did not all pass")
	}
	if t.Failed() {
		t.Logf("VM console:\n%s", out)
		return
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "--- ") {
			t.Log("in the VM:", strings.TrimSpace(l))
		}
	}
}

// kernelCache is the image build's unpacked kernel package (vmlinuz and modules/).
func kernelCache(t *testing.T, root string) string {
	m, _ := filepath.Glob(filepath.Join(root, "_cache", "kernel-*", "vmlinuz"))
	if len(m) != 1 {
		t.Fatalf("want one kernel in %s/_cache/kernel-*, found %d (run cairnctl image build first)", root, len(m))
	}
	return filepath.Dir(m[0])
}

func goCmd(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	var cmd *exec.Cmd
	if args[0] == "exec" {
		cmd = exec.Command(args[1], args[2:]...)
	} else {
		cmd = exec.Command("go", args...)
	}
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// writeTestInitramfs packs the test binary as /init, the fixture and the modules it loads
// (listed in dependency order in /modules).
func writeTestInitramfs(t *testing.T, out, bin, fixture, modDir string) {
	a := cpio.NewArchive()
	add := func(name, file string) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.AddFile(name, 0o755, data); err != nil {
			t.Fatal(err)
		}
	}
	add("init", bin)
	add("fixture/image", filepath.Join(fixture, "image"))
	add("fixture/args", filepath.Join(fixture, "args"))
	order := moduleOrder(t, modDir, dmModules)
	var list []string
	for _, rel := range order {
		add(filepath.Join("lib/modules", rel), filepath.Join(modDir, rel))
		list = append(list, "/lib/modules/"+rel)
	}
	if err := a.AddFile("modules", 0o644, []byte(strings.Join(list, "\n")+"\n")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"dev", "proc", "sys", "tmp"} {
		_ = a.AddDir(d, 0o755)
	}
	var buf bytes.Buffer
	if _, err := a.WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// moduleOrder returns the named modules and their dependencies (read from each .modinfo),
// dependencies first, as paths relative to modDir.
func moduleOrder(t *testing.T, modDir string, names []string) []string {
	paths := map[string]string{}
	_ = filepath.WalkDir(modDir, func(p string, _ os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".ko") {
			rel, _ := filepath.Rel(modDir, p)
			paths[kmod.Name(rel)] = rel
		}
		return nil
	})
	var order []string
	seen := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		rel, ok := paths[name]
		if !ok {
			t.Fatalf("module %s is not in %s", name, modDir)
		}
		f, err := os.Open(filepath.Join(modDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		deps, err := kmod.Depends(f)
		_ = f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range deps {
			visit(d)
		}
		order = append(order, rel)
	}
	for _, n := range names {
		visit(n)
	}
	return order
}

// runTestVM boots kernel + initrd under QEMU (TCG) and returns the console once the VM powers
// off. Arguments after "--" on the kernel command line go to /init: the test flags.
func runTestVM(t *testing.T, kernel, initrd string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-m", "512",
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-serial", "stdio",
		"-kernel", kernel, "-initrd", initrd, "-append", "console=ttyS0 panic=-1 quiet -- -test.v")
	out, err := cmd.CombinedOutput()
	t.Logf("VM ran %s", time.Since(start).Round(time.Second))
	if err != nil {
		t.Fatalf("qemu: %v\n%s", err, out)
	}
	return string(out)
}
