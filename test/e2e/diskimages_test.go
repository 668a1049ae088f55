//go:build e2e

package e2e

import (
	"crypto/ecdsa"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cairn-os/cairn/internal/pkg/osimage"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// diskSet are the images the disk tests share, built once per run: a signing key, image
// v0.1.0-e2e (initramfs, raw disk, ISO) and image v0.2.0-e2e (a signed OS image), both signed
// with the key.
var diskSet struct {
	once    sync.Once
	dir     string
	key, v1 string // key: PREFIX of PREFIX.key/.pub; v1: the image directory
	v2img   string // v2's cairn.img
	err     error
}

// diskImages returns the shared disk images, building them on first use.
func diskImages(t *testing.T) (key, v1, v2img string) {
	t.Helper()
	diskSet.once.Do(func() {
		if diskSet.dir, diskSet.err = os.MkdirTemp("", "cairn-e2e-disk-"); diskSet.err != nil {
			return
		}
		e := newEnv(t)
		e.vars["SOURCE_DATE_EPOCH"] = "1700000000"
		diskSet.key = filepath.Join(diskSet.dir, "signing")
		diskSet.v1, diskSet.v2img = filepath.Join(diskSet.dir, "v1"), filepath.Join(diskSet.dir, "v2", "cairn.img")
		cache := filepath.Join(repoRoot(t), "_cache")
		for _, args := range [][]string{
			{"gen", "image-key", "-o", diskSet.key},
			{"image", "build", "--format", "initramfs,raw,iso", "--sign-key", diskSet.key + ".key", "--tag", "v0.1.0-e2e", "--out", diskSet.v1, "--cache", cache},
			{"image", "build", "--format", "signed", "--sign-key", diskSet.key + ".key", "--tag", "v0.2.0-e2e", "--out", filepath.Dir(diskSet.v2img), "--cache", cache},
		} {
			if _, diskSet.err = e.run(args...); diskSet.err != nil {
				return
			}
		}
	})
	if diskSet.err != nil {
		t.Fatal(diskSet.err)
	}
	return diskSet.key, diskSet.v1, diskSet.v2img
}

// resign writes a copy of the signed image img, verified with trusted, signed by other
// instead: a well-formed image from a key the nodes do not trust.
func resign(t *testing.T, img string, trusted, other string) string {
	t.Helper()
	pubPEM, err := os.ReadFile(trusted + ".pub")
	must(t, err)
	pub, err := pki.ParsePublicKey(pubPEM)
	must(t, err)
	keyPEM, err := os.ReadFile(other + ".key")
	must(t, err)
	key, err := pki.ParsePrivateKey(keyPEM)
	must(t, err)
	f, err := os.Open(img)
	must(t, err)
	defer func() { _ = f.Close() }()
	r, err := osimage.Open(f, []*ecdsa.PublicKey{pub})
	must(t, err)
	dir := t.TempDir()
	paths := map[string]string{}
	for {
		file, fr, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, err)
		paths[file.Name] = filepath.Join(dir, file.Name)
		out, err := os.Create(paths[file.Name])
		must(t, err)
		_, err = io.Copy(out, fr)
		must(t, errors.Join(err, out.Close()))
	}
	p := filepath.Join(dir, "foreign.img")
	out, err := os.Create(p)
	must(t, err)
	_, err = osimage.WriteFiles(out, *r.Manifest, paths, key)
	must(t, errors.Join(err, out.Close()))
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
