package elfinfo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildFixture builds a small Go program with the given environment and returns its path.
func buildFixture(t *testing.T, env ...string) string {
	t.Helper()
	dir := t.TempDir()
	src := "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"fixture\") }\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/fixture\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "fixture")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-buildid=0123456789abcdef -B 0xdeadbeef", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"CGO_ENABLED=0", "GOFLAGS=-mod=mod -buildvcs=false"}, env...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

func TestReadGoBinary(t *testing.T) {
	bin := buildFixture(t, "GOFIPS140=certified")
	f, err := os.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := Read(f)
	if err != nil {
		t.Fatalf("Read(%s) = %v", bin, err)
	}
	if info.Type != "executable" || info.Interpreter != "" {
		t.Errorf("Read(%s) type %q interpreter %q, want a static executable", bin, info.Type, info.Interpreter)
	}
	if info.BuildID != "deadbeef" {
		t.Errorf("Read(%s).BuildID = %q, want deadbeef (from -B 0xdeadbeef)", bin, info.BuildID)
	}
	if info.Go == nil {
		t.Fatalf("Read(%s).Go = nil, want build info", bin)
	}
	if info.Go.Main.Path != "example.com/fixture" || info.Go.Package != "example.com/fixture" {
		t.Errorf("main module %q package %q, want example.com/fixture", info.Go.Main.Path, info.Go.Package)
	}
	if got := info.Go.Setting("GOFIPS140"); got == "" || got == "off" {
		t.Errorf("GOFIPS140 setting = %q, want the certified module's version", got)
	}
	if got := info.Go.Setting("DefaultGODEBUG"); got == "" {
		t.Errorf("DefaultGODEBUG setting is empty, want fips140=on")
	}
	if v := info.Go.StdlibVersion(); v == "" || v[0] < '1' || v[0] > '9' {
		t.Errorf("StdlibVersion() = %q from %q", v, info.Go.Toolchain)
	}
}

func TestReadNotELF(t *testing.T) {
	if _, err := Read(bytes.NewReader([]byte("#!/bin/sh\n"))); !errors.Is(err, ErrNotELF) {
		t.Errorf("Read(script) = %v, want ErrNotELF", err)
	}
	if _, err := Read(bytes.NewReader([]byte("\x7fELF\x02\x01\x01garbage"))); err == nil {
		t.Error("Read(truncated ELF) = nil error")
	}
}

func note(order binary.ByteOrder, name string, typ uint32, desc []byte) []byte {
	var b bytes.Buffer
	n := append([]byte(name), 0)
	for _, v := range []uint32{uint32(len(n)), uint32(len(desc)), typ} {
		_ = binary.Write(&b, order, v)
	}
	b.Write(n)
	b.Write(make([]byte, align4(uint64(len(n)))-uint64(len(n))))
	b.Write(desc)
	b.Write(make([]byte, align4(uint64(len(desc)))-uint64(len(desc))))
	return b.Bytes()
}

func TestFindBuildID(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"only", note(le, "GNU", 3, []byte{1, 2, 3, 4, 5}), "0102030405"},
		{"after another note", append(note(le, "Go", 4, []byte("abcdef")), note(le, "GNU", 3, []byte{0xaa})...), "aa"},
		{"wrong owner", note(le, "XYZ", 3, []byte{1}), ""},
		{"truncated", note(le, "GNU", 3, []byte{1, 2, 3, 4})[:14], ""},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		if got := findBuildID(tt.data, le); got != tt.want {
			t.Errorf("findBuildID(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// FuzzRead feeds arbitrary bytes to the reader: the node's inventory reads every executable
// on the root, and a file there need not be well formed.
func FuzzRead(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01\x00"))
	f.Add([]byte("#!/bin/sh"))
	f.Add(note(binary.LittleEndian, "GNU", 3, []byte{1, 2, 3}))
	f.Fuzz(func(_ *testing.T, data []byte) {
		_, _ = Read(bytes.NewReader(data))
		_ = findBuildID(data, binary.BigEndian)
	})
}
