//go:build e2e

package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cairn-os/cairn/internal/pkg/osimage"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// diskSet are the images the disk tests share, built once per run: a signing key, image
// v0.1.0-e2e (initramfs, raw disk, ISO), image v0.2.0-e2e and a broken v0.3.0-e2e (signed OS
// images), all signed with the key.
var diskSet struct {
	once    sync.Once
	dir     string
	key, v1 string // key: PREFIX of PREFIX.key/.pub; v1: the image directory
	v2img   string // v2's cairn.img
	v3img   string // v3's cairn.img: an image whose boot never gets its configuration
	err     error
}

// diskImages returns the shared disk images, building them on first use.
func diskImages(t *testing.T) (key, v1, v2img string) {
	key, v1, v2img, _ = diskImagesAll(t)
	return key, v1, v2img
}

// diskImagesAll also returns v3's cairn.img.
func diskImagesAll(t *testing.T) (key, v1, v2img, v3img string) {
	t.Helper()
	diskSet.once.Do(func() {
		if diskSet.dir, diskSet.err = os.MkdirTemp("", "cairn-e2e-disk-"); diskSet.err != nil {
			return
		}
		e := newEnv(t)
		e.vars["SOURCE_DATE_EPOCH"] = "1700000000"
		diskSet.key = filepath.Join(diskSet.dir, "signing")
		diskSet.v1, diskSet.v2img = filepath.Join(diskSet.dir, "v1"), filepath.Join(diskSet.dir, "v2", "cairn.img")
		diskSet.v3img = filepath.Join(diskSet.dir, "v3", "cairn.img")
		cache := filepath.Join(repoRoot(t), "_cache")
		var broken string
		if broken, diskSet.err = brokenManifest(t, diskSet.dir); diskSet.err != nil {
			return
		}
		for _, args := range [][]string{
			{"gen", "image-key", "-o", diskSet.key},
			{"image", "build", "--format", "initramfs,raw,iso", "--sign-key", diskSet.key + ".key", "--tag", "v0.1.0-e2e", "--out", diskSet.v1, "--cache", cache},
			{"image", "build", "--format", "signed", "--sign-key", diskSet.key + ".key", "--tag", "v0.2.0-e2e", "--out", filepath.Dir(diskSet.v2img), "--cache", cache},
			{"image", "build", "--format", "signed", "--sign-key", diskSet.key + ".key", "--tag", "v0.3.0-e2e", "--out", filepath.Dir(diskSet.v3img), "--cache", cache, "--manifest", broken},
		} {
			if _, diskSet.err = e.run(args...); diskSet.err != nil {
				return
			}
		}
	})
	if diskSet.err != nil {
		t.Fatal(diskSet.err)
	}
	return diskSet.key, diskSet.v1, diskSet.v2img, diskSet.v3img
}

// brokenManifest writes the image manifest with a kernel argument that names a configuration
// URL on the node's own loopback, where nothing answers: a node booting it waits for its
// configuration forever, so its API never comes up. The manifest is otherwise the real one.
func brokenManifest(t *testing.T, dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "internal", "app", "imager", "manifest.yaml"))
	if err != nil {
		return "", err
	}
	const cmdline = "cmdline: [console=ttyS0, panic=10, lockdown=integrity]"
	if !bytes.Contains(data, []byte(cmdline)) {
		return "", fmt.Errorf("the image manifest has no %q line to break", cmdline)
	}
	data = bytes.Replace(data, []byte(cmdline), []byte("cmdline: [console=ttyS0, panic=10, lockdown=integrity, 'cairn.config=http://127.0.0.1:9/config']"), 1)
	p := filepath.Join(dir, "broken-manifest.yaml")
	return p, os.WriteFile(p, data, 0o600)
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
