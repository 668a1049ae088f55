package imager

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// helloModule writes a tiny build module (its own go.mod, a main with a stamped variable)
// under src/external/hello and returns its manifest entry.
func helloModule(t *testing.T, src string) External {
	t.Helper()
	dir := filepath.Join(src, "external/hello")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod":  "module example.com/hello\n\ngo 1.25.0\n",
		"main.go": "package main\n\nvar greeting = \"unstamped\"\n\nfunc main() { println(greeting) }\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return External{Name: "hello", Module: "example.com/hello", Version: "v0.0.0", Dir: "external/hello",
		Stamp:    map[string]string{"main.greeting": "stamped"},
		Binaries: []Binary{{Name: "hello", Package: ".", Path: "/usr/bin/hello"}}}
}

func buildOnce(t *testing.T, b *builder) (*builtExternal, string) {
	t.Helper()
	var log bytes.Buffer
	b.out, b.start = &log, time.Now()
	ext, err := b.buildExternals(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ext[0], log.String()
}

// TestExternalCache builds a tiny external module twice: the first build compiles it (stamped,
// FIPS, trimmed, no cgo), the second takes it from the cache untouched; a changed source is
// rebuilt and replaces the old cache entry.
func TestExternalCache(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("go not on PATH: %v", err)
	}
	src := t.TempDir()
	e := helloModule(t, src)
	// The cache is relative to the working directory, as cairnctl's default _cache is.
	t.Chdir(t.TempDir())
	b := &builder{m: &Manifest{External: []External{e}}, src: src, cache: "_cache"}
	first, log := buildOnce(t, b)
	if !strings.Contains(log, "hello v0.0.0: building hello from external/hello") || strings.Contains(log, "from the cache") {
		t.Errorf("first build did not compile:\n%s", log)
	}
	bin := filepath.Join(first.dir, "hello")
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "stamped" {
		t.Errorf("%s printed %q (%v), want the -X stamp \"stamped\"", bin, out, err)
	}
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-trimpath=true", "CGO_ENABLED=0", "GOFIPS140=v1.0.0"} {
		if !strings.Contains(string(info), want) {
			t.Errorf("go version -m %s lacks %q:\n%s", bin, want, info)
		}
	}
	stat1, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}

	second, log := buildOnce(t, b)
	if !strings.Contains(log, "hello v0.0.0: from the cache") || strings.Contains(log, "building") {
		t.Errorf("second build was not taken from the cache:\n%s", log)
	}
	stat2, err := os.Stat(filepath.Join(second.dir, "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if second.res.CacheKey != first.res.CacheKey || !stat2.ModTime().Equal(stat1.ModTime()) {
		t.Errorf("cache hit rebuilt the binary: key %s -> %s, mtime %v -> %v", first.res.CacheKey, second.res.CacheKey, stat1.ModTime(), stat2.ModTime())
	}
	if second.res.Binaries[0].SHA256 != first.res.Binaries[0].SHA256 {
		t.Errorf("sha256 changed across a cache hit")
	}

	main := filepath.Join(src, "external/hello/main.go")
	if err := os.WriteFile(main, []byte("package main\n\nvar greeting = \"x\"\n\nfunc main() { println(greeting + \"!\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	third, log := buildOnce(t, b)
	if !strings.Contains(log, "building") || third.res.CacheKey == first.res.CacheKey {
		t.Errorf("a changed source was taken from the cache (key %s):\n%s", third.res.CacheKey, log)
	}
	entries, err := filepath.Glob(filepath.Join(b.cache, "external", "hello-*"))
	if err != nil || len(entries) != 1 || entries[0] != third.dir {
		t.Errorf("cache entries after a rebuild = %v, want only %s", entries, third.dir)
	}
}

// TestExternalKey changes one input at a time: each must change the cache key.
func TestExternalKey(t *testing.T) {
	src := t.TempDir()
	e := helloModule(t, src)
	dir := filepath.Join(src, e.Dir)
	tc := toolchain{Go: "go1.26.8", FIPS140: "certified", GOOS: "linux", GOARCH: "amd64"}
	base, err := externalKey(e, dir, tc)
	if err != nil {
		t.Fatal(err)
	}
	again, err := externalKey(e, dir, tc)
	if err != nil || again != base {
		t.Fatalf("externalKey is not stable: %s then %s (%v)", base, again, err)
	}
	write := func(name, content string) func(*External, *toolchain) {
		return func(*External, *toolchain) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc2 := range []struct {
		name   string
		change func(*External, *toolchain)
	}{
		{"version", func(e *External, _ *toolchain) { e.Version = "v0.0.1" }},
		{"stamp", func(e *External, _ *toolchain) { e.Stamp = map[string]string{"main.greeting": "other"} }},
		{"tags", func(e *External, _ *toolchain) { e.Tags = []string{"netgo"} }},
		{"ldflags", func(e *External, _ *toolchain) { e.LDFlags = []string{"-extldflags", "-static"} }},
		{"cgo", func(e *External, _ *toolchain) { e.CGO = true }},
		{"go version", func(_ *External, tc *toolchain) { tc.Go = "go1.26.9" }},
		{"GOFIPS140", func(_ *External, tc *toolchain) { tc.FIPS140 = "off" }},
		{"C compiler", func(_ *External, tc *toolchain) { tc.CC = "gcc (Debian 12.2.0-14) 12.2.0" }},
		{"go.sum", write("go.sum", "example.org/x v1.0.0 h1:abc=\n")},
		{"source", write("main.go", "package main\n\nfunc main() {}\n")},
		{"new file", write("extra.go", "package main\n")},
	} {
		t.Run(tc2.name, func(t *testing.T) {
			src2 := t.TempDir()
			e2, tcc := helloModule(t, src2), tc
			dir = filepath.Join(src2, e2.Dir)
			tc2.change(&e2, &tcc)
			got, err := externalKey(e2, dir, tcc)
			if err != nil {
				t.Fatal(err)
			}
			if got == base {
				t.Errorf("changing the %s left the cache key at %s", tc2.name, got)
			}
		})
	}
}

func TestExternalManifestErrors(t *testing.T) {
	in := `kernel: {package: linux-image-x, version: "1", sha256: ` + strings.Repeat("a", 64) + `, release: x}
binaries: [{name: cairn, package: ./cmd/cairn, path: /sbin/cairn}]
external:
  - name: "Bad Name"
    module: "not a module"
    version: "1.0"
    dir: "../elsewhere"
    sysroot: [{package: libseccomp-dev, version: "2.5", sha256: "abc"}]
    tags: ["a b"]
    stamp: {"main.v": "with space", "novar": "x"}
    ldflags: ["-extldflags '-static'"]
    binaries:
      - {name: cairn, package: "../x", path: "usr/bin/x", links: [/sbin/cairn]}
  - {name: empty, module: example.com/e, version: v1.0.0, dir: external/e, binaries: []}
images:
  - {ref: "pause", binary: cairn, path: /usr/share/pause}
`
	_, err := ParseManifest([]byte(in))
	if err == nil {
		t.Fatal("ParseManifest(bad external) = nil error")
	}
	for _, want := range []string{
		`external[0].name: "Bad Name" is not a name`,
		`external[0].module: "not a module" is not a Go module path`,
		`external[0].version: "1.0" is not a semantic version`,
		`external[0].dir: "../elsewhere" is not a clean path under external/`,
		`external[0].sysroot: "libseccomp-dev" is only used with cgo: true`,
		`external[0].sysroot[0].sha256: "abc"`,
		`external[0].tags[0]: "a b" is not a build tag`,
		`external[0].stamp.main.v: "with space" is empty or holds spaces`,
		`external[0].stamp: "novar" is not a package.variable name`,
		`external[0].ldflags[0]: "-extldflags '-static'"`,
		`external[0].binaries[0].name: "cairn" is already used by binaries[0].name`,
		`external[0].binaries[0].package: "../x" is not a package path`,
		`external[0].binaries[0].path/links[0]: "usr/bin/x" is not a clean absolute path`,
		`external[0].binaries[0]: "/sbin/cairn" is already used by binaries[0]`,
		`external[1].binaries: "" is empty`,
		`images[0].ref: "pause" is not a full image reference with a tag`,
		`images[0].binary: "cairn" names no external binary`,
		`images[0].path: "/usr/share/pause" is not a clean absolute path ending in .tar`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestCheckRequire refuses a manifest version that the build module's go.mod does not require.
func TestCheckRequire(t *testing.T) {
	dir := t.TempDir()
	gomod := "module example.com/build\n\ngo 1.25.0\n\nrequire example.com/upstream v1.2.3\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		module, version, want string
	}{
		{"example.com/upstream", "v1.2.3", ""},
		{"example.com/build", "v0.0.0", ""},
		{"example.com/upstream", "v1.2.4", "requires example.com/upstream v1.2.3, the manifest pins v1.2.4"},
		{"example.com/other", "v1.0.0", "does not require example.com/other"},
	} {
		err := checkRequire(ctx, dir, External{Module: tc.module, Version: tc.version, Dir: "external/x"})
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("checkRequire(%s %s) = %v, want %q", tc.module, tc.version, err, tc.want)
		}
	}
}

// TestPauseImage packs a binary as an OCI image archive twice: the bytes are the same, the
// index names the image for containerd, and the config gives os, architecture and entrypoint.
func TestPauseImage(t *testing.T) {
	write := func() (string, []byte) {
		img, err := ociImage([]byte("\x7fELF pause"), Image{Binary: "pause"}, 1700000000)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "images/pause.tar")
		digest, err := writeOCIArchive(img, "registry.k8s.io/pause:3.10.1", file, t.TempDir(), 1700000000)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		return digest, data
	}
	d1, a := write()
	d2, b := write()
	if d1 != d2 || !bytes.Equal(a, b) {
		t.Fatalf("two archives of the same image differ: %s vs %s", d1, d2)
	}
	files := untarAll(t, a)
	for _, want := range []string{`"io.containerd.image.name":"registry.k8s.io/pause:3.10.1"`, `"org.opencontainers.image.ref.name":"3.10.1"`, d1} {
		if !strings.Contains(files["index.json"], want) {
			t.Errorf("index.json lacks %s:\n%s", want, files["index.json"])
		}
	}
	if _, ok := files["oci-layout"]; !ok {
		t.Errorf("archive has no oci-layout file: %v", slices.Sorted(maps.Keys(files)))
	}
	var config string
	for name, content := range files {
		if strings.Contains(content, `"architecture"`) {
			config = name
		}
	}
	for _, want := range []string{`"architecture":"amd64"`, `"os":"linux"`, `"Entrypoint":["/pause"]`, `"created":"2023-11-14T22:13:20Z"`} {
		if !strings.Contains(files[config], want) {
			t.Errorf("image config %s lacks %s:\n%s", config, want, files[config])
		}
	}
}

func untarAll(t *testing.T, data []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.ModTime.Unix() != 1700000000 {
			t.Errorf("%s: uid %d, mtime %v; want root and the epoch", h.Name, h.Uid, h.ModTime)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if json.Compact(&compact, body) == nil {
			body = compact.Bytes()
		}
		out[h.Name] = string(body)
	}
}
