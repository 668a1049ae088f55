package imager

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

const testEpoch = 1700000000

// kubeBenchTool is a tool image shaped like the manifest's kube-bench, over fixture packages.
func kubeBenchTool() ToolImage {
	return ToolImage{Name: "kube-bench", Ref: "cairn.local/kube-bench:v0.15.1", Entrypoint: []string{"kube-bench"},
		WorkingDir: "/opt/kube-bench", Env: []string{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}, User: "0:0",
		Binaries:   []ToolBinary{{Binary: "kube-bench", Path: "/usr/local/bin/kube-bench"}, {Binary: "kubectl", Path: "/usr/local/bin/kubectl"}},
		ModuleDirs: []ModuleDir{{External: "kube-bench", Dir: "cfg", Path: "/opt/kube-bench/cfg"}},
		Debian:     ToolDebian{Files: []string{"/bin/bash", "/bin/ps", "/bin/cat", "/usr/bin/stat", "/bin/grep", "/usr/bin/mawk"}},
		Links:      map[string]string{"/bin/sh": "bash", "/usr/bin/awk": "mawk"},
		Generated:  map[string]string{"/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n"},
		Absent:     []string{"/etc/kubernetes", "/etc/default", "/etc/systemd", "/lib/systemd", "/var/lib"},
	}
}

// stageKubeBenchLike stages kubeBenchTool's root from fixture packages laid out as bookworm
// lays them out (bash, ps, cat and grep in /bin; stat and mawk in /usr/bin; libraries in
// /lib; the loader reached through an absolute link in /lib64) and returns it.
func stageKubeBenchLike(t *testing.T) (ToolImage, string) {
	t.Helper()
	prog := func(needed ...string) fixture {
		return fixture{data: fakeELF(t, elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2", append(needed, "libc.so.6")), mode: 0o755}
	}
	pkgs := t.TempDir()
	writePackages(t, pkgs, map[string]map[string]fixture{
		"bash":      {"/bin/bash": prog("libtinfo.so.6"), "/bin/rbash": {link: "bash"}},
		"procps":    {"/bin/ps": prog("libproc2.so.0"), "/usr/bin/top": prog()},
		"coreutils": {"/bin/cat": prog(), "/usr/bin/stat": prog()},
		"grep":      {"/bin/grep": prog()},
		"mawk":      {"/usr/bin/mawk": prog()},
		"libproc2-0": {
			"/lib/x86_64-linux-gnu/libproc2.so.0":     {link: "libproc2.so.0.0.1"},
			"/lib/x86_64-linux-gnu/libproc2.so.0.0.1": {data: fakeELF(t, elf.EM_X86_64, "", []string{"libc.so.6"})},
		},
		"libtinfo6": {"/lib/x86_64-linux-gnu/libtinfo.so.6": {data: fakeELF(t, elf.EM_X86_64, "", []string{"libc.so.6"})}},
		"libc6": {
			"/lib/x86_64-linux-gnu/libc.so.6":            {data: fakeELF(t, elf.EM_X86_64, "", []string{"ld-linux-x86-64.so.2"})},
			"/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2": {data: fakeELF(t, elf.EM_X86_64, "", nil)},
			"/lib64/ld-linux-x86-64.so.2":                {link: "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"},
		},
	})
	tree := &debTree{root: pkgs, pkgs: []string{"bash", "procps", "coreutils", "grep", "mawk", "libproc2-0", "libtinfo6", "libc6"}}
	tool := kubeBenchTool()
	files, err := tree.closure(tool.Debian.Files)
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	for name, content := range map[string]string{"cfg/config.yaml": "master: {}\n", "cfg/cis-1.12/node.yaml": "controls:\n", "cfg/cis-1.12/etcd.yaml": "controls:\n"} {
		if err := writeFrom(filepath.Join(mod, name), strings.NewReader(content), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	bins := t.TempDir()
	for _, name := range []string{"kube-bench", "kubectl"} {
		if err := os.WriteFile(filepath.Join(bins, name), []byte("\x7fELF "+name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	root := filepath.Join(t.TempDir(), "root")
	if err := stageSkeleton(root); err != nil {
		t.Fatal(err)
	}
	if err := placeDebFiles(root, files); err != nil {
		t.Fatal(err)
	}
	for _, b := range tool.Binaries {
		if err := copyFile(filepath.Join(bins, b.Binary), filepath.Join(root, b.Path), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := copyTree(filepath.Join(mod, "cfg"), filepath.Join(root, "opt/kube-bench/cfg")); err != nil {
		t.Fatal(err)
	}
	if err := placeToolExtras(root, tool); err != nil {
		t.Fatal(err)
	}
	return tool, root
}

// TestToolImageLayer packs a kube-bench-like root twice (the same bytes) and reads the image
// back as containerd would: its configuration, and a layer in which /bin/sh is bash, ps, cat
// and stat are found under /bin and /usr/bin alike, awk is mawk, cfg/ is the only thing in
// the working directory, everything is root's, dated the epoch, with no setuid bit.
func TestToolImageLayer(t *testing.T) {
	tool, root := stageKubeBenchLike(t)
	if err := checkToolTree(root, tool); err != nil {
		t.Fatalf("checkToolTree(good root) = %v", err)
	}
	var archives [][]byte
	for range 2 {
		file := filepath.Join(t.TempDir(), "kube-bench.tar")
		if _, err := packToolImage(root, t.TempDir(), file, tool, testEpoch); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		archives = append(archives, data)
	}
	if !bytes.Equal(archives[0], archives[1]) {
		t.Error("two archives of the same root differ")
	}
	cfg, headers, dir := readToolImage(t, archives[0])
	c := cfg.Config
	if !slices.Equal(c.Entrypoint, tool.Entrypoint) || c.WorkingDir != "/opt/kube-bench" || !slices.Equal(c.Env, tool.Env) || c.User != "0:0" ||
		cfg.OS != "linux" || cfg.Architecture != "amd64" {
		t.Errorf("image config = %+v (%s/%s), want kube-bench's entrypoint, working directory, env and user, linux/amd64", c, cfg.OS, cfg.Architecture)
	}
	checkKubeBenchLayer(t, headers, dir)
	for p, want := range map[string]string{"/bin/sh": "usr/bin/bash", "/usr/bin/cat": "usr/bin/cat", "/bin/stat": "usr/bin/stat",
		"/usr/bin/awk": "usr/bin/mawk", "/lib64/ld-linux-x86-64.so.2": "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"} {
		if got, err := resolveIn(dir, p); err != nil || got != filepath.Join(dir, want) {
			t.Errorf("resolveIn(%s) = %s, %v; want %s", p, got, err, filepath.Join(dir, want))
		}
	}
	if _, ok := headers["usr/bin/top"]; ok {
		t.Error("the layer holds /usr/bin/top, which no listed file needs")
	}
}

// checkKubeBenchLayer checks what the kube-bench Job relies on in a layer's entries (by name,
// as in the tarball) extracted in dir.
func checkKubeBenchLayer(t *testing.T, headers map[string]*tar.Header, dir string) {
	t.Helper()
	for name, want := range map[string]string{"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64", "usr/bin/sh": "bash", "usr/bin/awk": "mawk"} {
		if h, ok := headers[name]; !ok || h.Typeflag != tar.TypeSymlink || h.Linkname != want {
			t.Errorf("layer entry %s = %+v, want a link to %s", name, h, want)
		}
	}
	for _, name := range []string{"usr/bin/bash", "usr/bin/ps", "usr/bin/cat", "usr/bin/grep", "usr/bin/stat", "usr/bin/mawk", "usr/local/bin/kube-bench", "usr/local/bin/kubectl"} {
		if h, ok := headers[name]; !ok || h.Typeflag != tar.TypeReg || h.Mode != 0o755 {
			t.Errorf("layer entry %s = %+v, want an executable file", name, h)
		}
	}
	if h, ok := headers["opt/kube-bench/cfg/cis-1.12/node.yaml"]; !ok || h.Mode != 0o644 {
		t.Errorf("layer entry opt/kube-bench/cfg/cis-1.12/node.yaml = %+v, want a 0644 file", h)
	}
	if h, ok := headers["tmp/"]; !ok || h.Mode != 0o1777 {
		t.Errorf("layer entry tmp/ = %+v, want a sticky world-writable directory", h)
	}
	if entries, err := os.ReadDir(filepath.Join(dir, "opt/kube-bench")); err != nil || len(entries) != 1 || entries[0].Name() != "cfg" {
		t.Errorf("the working directory holds %v (%v), want only cfg", entries, err)
	}
	for name, h := range headers {
		if h.Mode&0o6000 != 0 || h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != testEpoch {
			t.Errorf("layer entry %s: mode %o, owner %d:%d, mtime %v; want no setuid/setgid bit, root's, dated the epoch", name, h.Mode, h.Uid, h.Gid, h.ModTime)
		}
		for _, kubeadm := range []string{"etc/kubernetes", "etc/default/kubelet", "var/lib/kubelet", "etc/systemd/system/kubelet.service", "usr/lib/systemd/system/etcd.service"} {
			if strings.HasPrefix(name, kubeadm) {
				t.Errorf("layer entry %s is at one of kube-bench's config paths (%s)", name, kubeadm)
			}
		}
	}
}

// readToolImage reads an OCI image layout tarball of one image: its config, its layer's
// entries by name, and the layer extracted in a directory.
func readToolImage(t *testing.T, archive []byte) (*v1.ConfigFile, map[string]*tar.Header, string) {
	t.Helper()
	lay := t.TempDir()
	untar(t, bytes.NewReader(archive), lay)
	idx, err := layout.ImageIndexFromPath(lay)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil || len(im.Manifests) != 1 {
		t.Fatalf("index: %v, %v; want one image", im, err)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("Layers() = %d, %v; want one layer", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	dir := t.TempDir()
	return cfg, untar(t, rc, dir), dir
}

// untar extracts a tarball of directories, files and links into dir and returns its entries
// by name.
func untar(t *testing.T, r io.Reader, dir string) map[string]*tar.Header {
	t.Helper()
	headers := map[string]*tar.Header{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return headers
		}
		if err != nil {
			t.Fatal(err)
		}
		headers[h.Name] = h
		dst := filepath.Join(dir, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(dst, 0o755)
		case tar.TypeSymlink:
			err = os.Symlink(h.Linkname, dst)
		default:
			err = writeFrom(dst, tr, fs.FileMode(h.Mode).Perm())
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckToolTree spoils a good root one way at a time: each is named.
func TestCheckToolTree(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		spoil      func(root string) error
	}{
		{"setuid", "/usr/bin/ps: setuid or setgid", func(r string) error { return os.Chmod(filepath.Join(r, "bin/ps"), fs.ModeSetuid|0o755) }},
		{"kubeadm config", "/etc/kubernetes/kubelet.conf: present, but the image must not hold /etc/kubernetes", func(r string) error {
			return writeFrom(filepath.Join(r, "etc/kubernetes/kubelet.conf"), strings.NewReader("x"), 0o600)
		}},
		{"merged absent", "/usr/lib/systemd/system/etcd.service: present, but the image must not hold /lib/systemd", func(r string) error {
			return writeFrom(filepath.Join(r, "lib/systemd/system/etcd.service"), strings.NewReader("x"), 0o644)
		}},
		{"dangling link", "/usr/bin/nawk: dangling link: /usr/bin/nowhere does not exist in the image", func(r string) error {
			return os.Symlink("nowhere", filepath.Join(r, "usr/bin/nawk"))
		}},
		{"etcd in the working directory", "/opt/kube-bench/etcd.db: in the working directory", func(r string) error {
			return writeFrom(filepath.Join(r, "opt/kube-bench/etcd.db"), strings.NewReader("x"), 0o644)
		}},
		{"fifo", "/tmp/fifo: not a file, directory or link", func(r string) error { return syscall.Mkfifo(filepath.Join(r, "tmp/fifo"), 0o644) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tool, root := stageKubeBenchLike(t)
			if err := tc.spoil(root); err != nil {
				t.Fatal(err)
			}
			if err := checkToolTree(root, tool); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("checkToolTree() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestKubeBenchToolImage builds the manifest's kube-bench image from the image builder's cache
// (CAIRN_IMAGE_CACHE, e.g. $PWD/_cache; a cold one downloads the pinned packages and builds
// kube-bench and kubectl, minutes) and checks the real layer: the Job's commands from the
// pinned packages, /bin/sh a dynamic ELF program (bash) with its loader, kube-bench's
// benchmarks, nothing at kube-bench's config paths, no setuid bit.
func TestKubeBenchToolImage(t *testing.T) {
	cache := os.Getenv("CAIRN_IMAGE_CACHE")
	if cache == "" {
		t.Skip("CAIRN_IMAGE_CACHE (the image builder's cache directory) is not set")
	}
	m, err := DefaultManifest()
	if err != nil {
		t.Fatal(err)
	}
	src, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	res, err := BuildToolImages(t.Context(), Options{Manifest: m, Source: src, Cache: cache, Out: out, Epoch: testEpoch}, []string{"kube-bench"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Ref != "cairn.local/kube-bench:v0.15.1" || len(res[0].Binaries) != 2 || res[0].Binaries[0].Module != "github.com/aquasecurity/kube-bench@v0.15.1" ||
		res[0].Binaries[1].Module != "k8s.io/kubernetes@v1.35.8" || res[0].Debian == nil || len(res[0].ModuleDirs) != 1 {
		t.Fatalf("BuildToolImages() = %+v", res)
	}
	data, err := os.ReadFile(filepath.Join(out, "kube-bench.tar"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "kube-bench.json")); err != nil {
		t.Error(err)
	}
	_, headers, dir := readToolImage(t, data)
	checkKubeBenchLayer(t, headers, dir)
	for _, p := range []string{"/bin/sh", "/bin/ps", "/bin/grep", "/bin/cat", "/usr/bin/find", "/usr/bin/xargs", "/usr/bin/tail", "/usr/bin/sed", "/usr/bin/jq", "/usr/bin/awk", "/usr/bin/test"} {
		host, err := resolveIn(dir, p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		interp, _, err := fileDeps(host)
		if err != nil || interp != "/lib64/ld-linux-x86-64.so.2" {
			t.Errorf("%s: interpreter %q (%v), want a dynamic x86-64 program", p, interp, err)
		}
	}
	if sh, _ := resolveIn(dir, "/bin/sh"); filepath.Base(sh) != "bash" {
		t.Errorf("/bin/sh is %s, want bash ([[ in 5.1.1)", sh)
	}
	if _, err := resolveIn(dir, "/lib64/ld-linux-x86-64.so.2"); err != nil {
		t.Errorf("the loader: %v", err)
	}
}
