//go:build e2e

// Package e2e boots real Cairn images under QEMU and drives them with the real cairnctl,
// in-process. Needs root, qemu-system-x86, squashfs-tools, dpkg and apt-get (see
// hack/quickstart.sh). Run with `make test-e2e`.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/app/cairnctl"
)

// TestMain lets this test binary stand in for cairnctl when cluster create starts its daemon
// (`cairnctl cluster serve`) from os.Executable().
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "cluster" && os.Args[2] == "serve" {
		os.Exit(cairnctl.Context{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}.Execute(context.Background()))
	}
	code := m.Run()
	if imageDir != "" {
		_ = os.RemoveAll(imageDir)
	}
	if diskSet.dir != "" {
		_ = os.RemoveAll(diskSet.dir)
	}
	os.Exit(code)
}

// env is the environment of one test's cairnctl runs: its own cairnconfig and cluster state.
type env struct {
	t    *testing.T
	vars map[string]string
}

func newEnv(t *testing.T) *env {
	dir := t.TempDir()
	return &env{t: t, vars: map[string]string{
		"CAIRNCONFIG":    filepath.Join(dir, "cairnconfig"),
		"XDG_STATE_HOME": filepath.Join(dir, "state"),
	}}
}

// run executes cairnctl in-process and returns its standard output.
func (e *env) run(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout(args))
	defer cancel()
	code := cairnctl.Context{Args: args, Stdout: &out, Stderr: &errOut, Env: func(k string) (string, bool) {
		v, ok := e.vars[k]
		return v, ok
	}}.Execute(ctx)
	e.t.Logf("cairnctl %s (exit %d)\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	if code != 0 {
		return out.String(), fmt.Errorf("cairnctl %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String(), nil
}

// commandTimeout bounds one cairnctl command: 10 minutes, or its --wait and 5 minutes more
// (a command's own wait must be what ends it, with its own message); an image import, 30
// minutes (the node's own limit).
func commandTimeout(args []string) time.Duration {
	if len(args) > 1 && args[0] == "image" && args[1] == "import" {
		return 30 * time.Minute
	}
	for i, a := range args[:max(len(args)-1, 0)] {
		if d, err := time.ParseDuration(args[i+1]); a == "--wait" && err == nil {
			return d + 5*time.Minute
		}
	}
	return 10 * time.Minute
}

func (e *env) must(args ...string) string {
	e.t.Helper()
	out, err := e.run(args...)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// repoRoot is the repository root (the tests run in test/e2e).
func repoRoot(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

// waitFor retries f until it succeeds or the deadline passes (how long a boot takes under
// TCG is not asserted; the deadline only stops a hung test).
func waitFor(t *testing.T, what string, d time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(2 * time.Second)
	}
}

// waitBoots waits until the console log shows boots boots of machined and the node's services
// are Running again.
func waitBoots(t *testing.T, e *env, consoleLog string, boots int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("API back after boot %d", boots), 5*time.Minute, func() error {
		data, _ := os.ReadFile(consoleLog)
		if n := strings.Count(string(data), "switched root; starting machined"); n < boots {
			return fmt.Errorf("%d boot(s) on the console, want %d", n, boots)
		}
		out, err := e.run("services")
		if err == nil && !strings.Contains(out, "Running") {
			err = errors.New("services not running yet")
		}
		return err
	})
}
