// Package etcdtest runs real etcd clusters on loopback for tests: it builds the etcd server
// pinned in external/etcd (the build module the image builder builds etcd from) once into the
// repository's _cache directory, keyed by version, and starts members with TLS certificates
// issued by Cairn's own PKI.
package etcdtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// Environment variables that name prebuilt binaries (for a CI that builds them in a step of
// its own); otherwise the helper builds them.
const (
	EnvEtcd    = "CAIRN_TEST_ETCD"
	EnvEtcdutl = "CAIRN_TEST_ETCDUTL"
)

// Binary returns the path of the etcd server pinned in external/etcd/go.mod, built on first use
// (about 2 minutes cold) into _cache/etcdtest/etcd-<version>-<hash of go.mod and go.sum>.
func Binary(t testing.TB) string {
	t.Helper()
	root := repoRoot(t)
	return build(t, EnvEtcd, filepath.Join(root, "external", "etcd"), "go.etcd.io/etcd/server/v3", "etcd")
}

// Etcdutl returns the path of etcdutl, pinned in this package's testdata/etcdutl build module,
// built on first use into _cache/etcdtest/etcdutl-<version>-<hash>.
func Etcdutl(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return build(t, EnvEtcdutl, filepath.Join(filepath.Dir(file), "testdata", "etcdutl"), "go.etcd.io/etcd/etcdutl/v3", "etcdutl")
}

// build builds pkg from the build module in dir, or returns the binary the env variable names.
func build(t testing.TB, env, dir, pkg, name string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s=%s: %v", env, p, err)
		}
		return p
	}
	version := moduleVersion(t, filepath.Join(dir, "go.mod"), pkg)
	cache := filepath.Join(repoRoot(t), "_cache", "etcdtest")
	out := filepath.Join(cache, name+"-"+version+"-"+moduleKey(t, dir))
	if _, err := os.Stat(out); err == nil {
		return out
	}
	if err := os.MkdirAll(cache, 0o750); err != nil {
		t.Fatal(err)
	}
	unlock := lock(t, filepath.Join(cache, ".lock"))
	defer unlock()
	if _, err := os.Stat(out); err == nil {
		return out // another test process built it while this one waited
	}
	start := time.Now()
	cmd := exec.Command("go", "build", "-trimpath", "-o", out+".tmp", pkg) //nolint:gosec // the package and paths are this helper's own constants and the repository's layout.
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=readonly")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s %s from the build module %s failed (%v); it needs Go and the module proxy "+
			"(or a warm module cache), or a prebuilt binary named by %s:\n%s", pkg, version, dir, err, env, b)
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s %s in %s", name, version, time.Since(start).Round(time.Second))
	return out
}

// moduleKey is a short hash of the build module's go.mod and go.sum: a change of any pinned
// dependency at the same etcd version builds a new binary.
func moduleKey(t testing.TB, dir string) string {
	t.Helper()
	h := sha256.New()
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// moduleVersion reads the version of module mod required in a go.mod.
func moduleVersion(t testing.TB, gomod, mod string) string {
	t.Helper()
	data, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(mod) + `\s+(v\S+)`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s requires no %s", gomod, mod)
	}
	return string(m[1])
}

// repoRoot finds the directory of Cairn's go.mod above the working directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(data, []byte("module github.com/cairn-os/cairn\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no Cairn go.mod above the working directory")
		}
		dir = parent
	}
}

// lock takes an exclusive file lock, so parallel test binaries build once.
func lock(t testing.TB, path string) func() {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(fmt.Errorf("lock %s: %w", path, err))
	}
	return func() { _ = f.Close() }
}
