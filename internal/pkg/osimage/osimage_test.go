package osimage

import (
	"bytes"
	"crypto/ecdsa"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// fixture writes four small files and returns their paths and a manifest to sign.
func fixture(t testing.TB) (map[string]string, Manifest) {
	dir := t.TempDir()
	paths := map[string]string{}
	for i, name := range fileOrder {
		size := 1000 + i
		if name == FileRoot {
			size = 3 * 4096
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte{byte('a' + i)}, size), 0o644); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths, Manifest{Version: "v0.1.0", Arch: "amd64", KernelArgs: []string{"console=ttyS0"},
		Verity: Verity{RootHash: strings.Repeat("ab", 32), Salt: strings.Repeat("cd", 32), HashOffset: 8192}}
}

func key(t testing.TB) *ecdsa.PrivateKey {
	k, err := pki.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func build(t testing.TB, k *ecdsa.PrivateKey) []byte {
	paths, m := fixture(t)
	var b bytes.Buffer
	if _, err := WriteFiles(&b, m, paths, k); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readAll opens img and reads every file, returning the contents or the first error.
func readAll(img []byte, trusted ...*ecdsa.PublicKey) (map[string][]byte, error) {
	r, err := Open(bytes.NewReader(img), trusted)
	if err != nil {
		return nil, err
	}
	got := map[string][]byte{}
	for {
		f, fr, err := r.Next()
		if errors.Is(err, io.EOF) {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		if got[f.Name], err = io.ReadAll(fr); err != nil {
			return got, err
		}
	}
}

func TestRoundTrip(t *testing.T) {
	k := key(t)
	got, err := readAll(build(t, k), &key(t).PublicKey, &k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || len(got[FileRoot]) != 3*4096 || got[FileKernel][0] != 'a' {
		t.Errorf("read back %d files", len(got))
	}
}

func TestRefusals(t *testing.T) {
	k := key(t)
	img := build(t, k)
	flip := func(at int) []byte { b := append([]byte(nil), img...); b[at] ^= 1; return b }
	manifestAt := bytes.Index(img, []byte(`"version"`))
	rootAt := bytes.LastIndex(img, bytes.Repeat([]byte{'c'}, 4096))
	for _, tc := range []struct {
		name    string
		img     []byte
		trusted []*ecdsa.PublicKey
		open    bool // the refusal comes from Open, before any file byte
		want    string
	}{
		{"foreign key", img, []*ecdsa.PublicKey{&key(t).PublicKey}, true, "not in machine.upgrade.trustedKeys"},
		{"no trusted keys", img, nil, true, "trusts no image signing key"},
		{"tampered manifest", flip(manifestAt + 2), []*ecdsa.PublicKey{&k.PublicKey}, true, "does not match the manifest"},
		{"corrupt root", flip(rootAt + 100), []*ecdsa.PublicKey{&k.PublicKey}, false, "root.verity has sha256"},
		{"truncated", img[:rootAt+10], []*ecdsa.PublicKey{&k.PublicKey}, false, "root.verity"},
		{"empty", nil, []*ecdsa.PublicKey{&k.PublicKey}, true, "ends where manifest.json should be"},
	} {
		_, openErr := Open(bytes.NewReader(tc.img), tc.trusted)
		_, err := readAll(tc.img, tc.trusted...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error containing %q", tc.name, err, tc.want)
		}
		if tc.open != (openErr != nil) {
			t.Errorf("%s: Open error %v; want refused by Open: %v", tc.name, openErr, tc.open)
		}
	}
}

func TestUnsignedImage(t *testing.T) {
	k := key(t)
	img := build(t, k)
	// Drop manifest.sig: the manifest entry is 512 bytes of header + data padded to 512.
	r, err := Open(bytes.NewReader(img), []*ecdsa.PublicKey{&k.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	data := append([]byte(nil), img[:512+pad(len(mustJSON(t, r.Manifest)))]...)
	_, err = Open(bytes.NewReader(data), []*ecdsa.PublicKey{&k.PublicKey})
	if !errors.Is(err, ErrUntrusted) {
		t.Errorf("image without manifest.sig: %v; want ErrUntrusted", err)
	}
}

func pad(n int) int { return (n + 511) / 512 * 512 }

func TestManifestValidation(t *testing.T) {
	_, m := fixture(t)
	m.Format, m.Version, m.Arch = 2, "v 1", "arm64"
	m.KernelArgs = []string{"cairn.slot=b", "a\nb"}
	m.Verity.RootHash = "AB"
	m.Files = []File{{Name: FileInitramfs, Size: -1}}
	err := m.Validate()
	for _, w := range []string{"format 2", `version "v 1"`, `arch "arm64"`, `kernelArgs[0] "cairn.slot=b"`, `kernelArgs[1] "a\nb"`, "verity", "files: 1 listed, want 4"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate() = %v; want %q", err, w)
		}
	}
}

func FuzzOpen(f *testing.F) {
	k := key(f)
	f.Add(build(f, k))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, img []byte) {
		got, err := readAll(img, &k.PublicKey)
		if err == nil && len(got) != len(fileOrder) {
			t.Fatalf("accepted an image with %d files", len(got))
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"format":1,"version":"v1","arch":"amd64","kernelArgs":[],"verity":{},"files":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err == nil && m.Validate() != nil {
			t.Fatal("ParseManifest accepted an invalid manifest")
		}
	})
}

func mustJSON(t *testing.T, m *Manifest) []byte {
	t.Helper()
	b, err := jsonIndent(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
