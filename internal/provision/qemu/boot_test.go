package qemu

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestArgsDiskBoot(t *testing.T) {
	r := req()
	r.Boot = BootDisk
	p, err := NewPlan(r)
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Join(p.Args(p.Nodes[0]), " ")
	for _, w := range []string{"if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd",
		"if=pflash,format=raw,unit=1,file=/s/demo/demo-cp1.ovmf-vars.fd",
		"-smbios type=11,value=cairn.config=http://10.5.0.1:8080/config/demo-cp1", "file=/s/demo/demo-cp1.disk.raw,if=virtio"} {
		if !strings.Contains(args, w) {
			t.Errorf("Args(disk boot) lacks %q:\n%s", w, args)
		}
	}
	for _, no := range []string{"-kernel", "-initrd", "-append"} {
		if strings.Contains(args, no) {
			t.Errorf("Args(disk boot) has %s:\n%s", no, args)
		}
	}
}

// TestArgsISOBoot: OVMF, the ISO on q35's AHCI CD (second in the boot order), the blank
// disk as virtio first; no kernel, and no config with --no-config.
func TestArgsISOBoot(t *testing.T) {
	r := req()
	r.Boot, r.NoConfig = BootISO, true
	p, err := NewPlan(r)
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Join(p.Args(p.Nodes[0]), " ")
	for _, w := range []string{"if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd",
		"-drive if=none,id=cd0,media=cdrom,readonly=on,format=raw,file=" + filepath.Join(p.Image, ISOImage), "-device ide-cd,drive=cd0,bus=ide.0,bootindex=2",
		"-drive file=/s/demo/demo-cp1.disk.raw,if=none,id=disk0,format=raw,cache=unsafe -device virtio-blk-pci,drive=disk0,bootindex=1"} {
		if !strings.Contains(args, w) {
			t.Errorf("Args(iso boot) lacks %q:\n%s", w, args)
		}
	}
	for _, no := range []string{"-kernel", "-smbios", "if=virtio"} {
		if strings.Contains(args, no) {
			t.Errorf("Args(iso boot, no config) has %s:\n%s", no, args)
		}
	}
}

func TestValidateBoot(t *testing.T) {
	r := req()
	r.Boot = "pxe"
	if _, err := NewPlan(r); err == nil || !strings.Contains(err.Error(), `--boot "pxe": want kernel, disk or iso`) {
		t.Errorf("NewPlan(--boot pxe) = %v", err)
	}
	r.Boot, r.KernelArgs = BootDisk, []string{"cairn.hostname=x"}
	if _, err := NewPlan(r); err == nil || !strings.Contains(err.Error(), "--kernel-args cairn.hostname=x: not with --boot disk") {
		t.Errorf("NewPlan(--boot disk --kernel-args) = %v", err)
	}
}

func TestCopyOnceKeepsHolesAndExtends(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	head, tail := bytes.Repeat([]byte{1}, 4096), bytes.Repeat([]byte{2}, 4096)
	_, _ = f.WriteAt(head, 0)
	_, _ = f.WriteAt(tail, 64<<20)
	_ = f.Close()
	if err := copyOnce(src, dst, 128<<20); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 128<<20 || !bytes.Equal(got[:4096], head) || !bytes.Equal(got[64<<20:64<<20+4096], tail) || got[8192] != 0 {
		t.Fatalf("copy: %d bytes, wrong contents", len(got))
	}
	var st unix.Stat_t
	if err := unix.Stat(dst, &st); err != nil || st.Blocks*512 > 1<<20 {
		t.Errorf("copy uses %d bytes on disk (%v), want holes kept", st.Blocks*512, err)
	}
	if _, err := os.Stat(dst + partSuffix); !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", partSuffix, err)
	}
	if err := copyOnce(src, filepath.Join(dir, "small"), 1<<20); err == nil || !strings.Contains(err.Error(), "larger --disk") {
		t.Errorf("copyOnce(into a smaller disk) = %v", err)
	}
}
