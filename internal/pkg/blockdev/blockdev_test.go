package blockdev

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const vda2 = "MAJOR=254\nMINOR=2\nDEVNAME=vda2\nDEVTYPE=partition\nDISKSEQ=1\nPARTN=2\nPARTNAME=CAIRN-A\n"

func TestParseUevent(t *testing.T) {
	tests := []struct {
		in      string
		want    Device
		wantErr bool
	}{
		{in: vda2, want: Device{Name: "vda2", Major: 254, Minor: 2, Partition: true, PartName: "CAIRN-A"}},
		{in: "MAJOR=254\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n", want: Device{Name: "vda", Major: 254}},
		{in: "DEVNAME=vda1\nDEVTYPE=partition\nPARTNAME=name with = sign\n", want: Device{Name: "vda1", Partition: true, PartName: "name with = sign"}},
		{in: "MAJOR=x\nDEVNAME=vda\n", wantErr: true},
		{in: "MAJOR=8\n", wantErr: true},
		{in: "DEVNAME=../sda\n", wantErr: true},
		{in: strings.Repeat("X", maxUevent+1), wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseUevent([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseUevent(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseUevent(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestByPartName(t *testing.T) {
	devs := []Device{{Name: "vda", PartName: "CAIRN-A"}, {Name: "vda1", Partition: true, PartName: "EFI"},
		{Name: "vda2", Partition: true, PartName: "CAIRN-A"}}
	if d, err := ByPartName(devs, "CAIRN-A"); err != nil || d.Name != "vda2" {
		t.Errorf("ByPartName(CAIRN-A) = %v, %v; want vda2", d, err)
	}
	_, err := ByPartName(devs, "CAIRN-B")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `vda1="EFI"`) {
		t.Errorf("ByPartName(CAIRN-B) = %v; want ErrNotFound listing the partitions", err)
	}
	devs = append(devs, Device{Name: "vdb2", Partition: true, PartName: "CAIRN-A"})
	if _, err := ByPartName(devs, "CAIRN-A"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("ByPartName(two named CAIRN-A) = %v; want a refusal", err)
	}
}

func TestWaitPartNameSeesLateDevice(t *testing.T) {
	dir := t.TempDir()
	write := func(name, uevent string) {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "uevent"), []byte(uevent), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("vda", "DEVNAME=vda\nDEVTYPE=disk\n")
	go func() {
		time.Sleep(50 * time.Millisecond)
		write("vda2", vda2)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if d, err := WaitPartName(ctx, dir, "CAIRN-A", 10*time.Millisecond); err != nil || d.Path() != "/dev/vda2" {
		t.Fatalf("WaitPartName = %v, %v; want /dev/vda2", d, err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := WaitPartName(ctx, dir, "CAIRN-B", 10*time.Millisecond); !errors.Is(err, ErrNotFound) {
		t.Errorf("WaitPartName(CAIRN-B) = %v; want not found after the deadline", err)
	}
}

func FuzzParseUevent(f *testing.F) {
	f.Add([]byte(vda2))
	f.Add([]byte("MAJOR=99999999999\nDEVNAME=x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseUevent(data)
		if err == nil && (d.Name == "" || strings.Contains(d.Name, "..")) {
			t.Errorf("ParseUevent(%q) accepted DEVNAME %q", data, d.Name)
		}
	})
}
