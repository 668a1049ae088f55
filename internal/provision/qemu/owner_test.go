//go:build linux

package qemu

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

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/internal/provision/qemu/netnstest"
)

// testName is a cluster name no one else uses: these tests make real namespaces and locks.
func testName(t *testing.T, suffix string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("these tests create network namespaces: run them as root")
	}
	name := fmt.Sprintf("qt%d-%s", os.Getpid()%1000000, suffix)
	t.Cleanup(func() { _ = os.Remove("/run/cairn/clusters/" + name + ".lock") })
	return name
}

// testPlan writes a one-node plan for name in a fresh directory, as cluster create does.
func testPlan(t *testing.T, name string) *Plan {
	t.Helper()
	r := req()
	r.Name, r.Dir = name, filepath.Join(t.TempDir(), name)
	p, err := NewPlan(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(p.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeJSON(filepath.Join(p.Dir, planFile), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidateName(t *testing.T) {
	for _, name := range []string{"", "..", ".", "../x", "a/b", "/", "Demo", "a_b", "-a", "a-", "abcdefghijklmnopqrstu"} {
		err := ValidateName(name)
		want := fmt.Sprintf("--name %q: want 1-20 lowercase letters, digits and inner dashes", name)
		if err == nil || err.Error() != want || !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidateName(%q) = %v, want %q", name, err, want)
		}
	}
	for _, name := range []string{"a", "cairn", "e2e-maint", "abcdefghijklmnopqrst"} {
		if err := ValidateName(name); err != nil {
			t.Errorf("ValidateName(%q) = %v, want nil", name, err)
		}
	}
}

// TestServeLeavesForeignNamespace: a second cluster of a name whose namespace exists (made by
// another cluster, from another state directory) fails and leaves that namespace alone.
func TestServeLeavesForeignNamespace(t *testing.T) {
	name := testName(t, "ns")
	ino := netnstest.Make(t, "cairn-"+name)
	p := testPlan(t, name)
	err := Serve(t.Context(), discardLog(), p.Dir)
	if err == nil || !strings.Contains(err.Error(), "create network namespace cairn-"+name) {
		t.Fatalf("Serve() = %v, want the namespace creation refused", err)
	}
	if got, _ := netnsInode("cairn-" + name); got != ino {
		t.Errorf("namespace cairn-%s inode %d after the failed Serve, want %d (untouched)", name, got, ino)
	}
	if err := Destroy(p.Dir, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := netnsInode("cairn-" + name); got != ino {
		t.Errorf("namespace cairn-%s inode %d after Destroy of the failed cluster, want %d (untouched)", name, got, ino)
	}
}

// TestServeRefusesRunningName: while a cluster of that name runs (holds the name's lock), a
// second daemon of the same name stops before touching anything.
func TestServeRefusesRunningName(t *testing.T) {
	name := testName(t, "lk")
	held, err := lock(name, "/elsewhere/"+name)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = held.Close() }()
	p := testPlan(t, name)
	err = Serve(t.Context(), discardLog(), p.Dir)
	want := fmt.Sprintf("cluster already exists: a cluster named %q is running with its state in /elsewhere/%s", name, name)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Serve() = %v, want %q", err, want)
	}
	if err := CheckFree(name); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("CheckFree() = %v, want %q", err, want)
	}
	if _, err := os.Stat(filepath.Join(netnsDir, "cairn-"+name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("namespace cairn-%s exists after a refused Serve (%v)", name, err)
	}
}

// TestCreateExclusive: Create fails when the directory or the name's namespace exists.
func TestCreateExclusive(t *testing.T) {
	name := testName(t, "cr")
	p := testPlan(t, name) // its directory exists already
	if err := Create(p); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), p.Dir) {
		t.Errorf("Create(existing dir) = %v, want ErrExists naming %s", err, p.Dir)
	}
	netnstest.Make(t, "cairn-"+name)
	other := *p
	other.Dir = filepath.Join(t.TempDir(), name)
	err := Create(&other)
	want := fmt.Sprintf("network namespace cairn-%s exists (a cluster named %q from another state directory?)", name, name)
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), want) {
		t.Errorf("Create(namespace exists) = %v, want %q", err, want)
	}
	if _, err := os.Stat(other.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Create made %s though it refused (%v)", other.Dir, err)
	}
}

// TestDestroyRemovesOnlyItsOwn: destroy removes the namespace its daemon recorded and the
// files of its plan; a namespace it did not create and files it did not write stay.
func TestDestroyRemovesOnlyItsOwn(t *testing.T) {
	name := testName(t, "ds")
	p := testPlan(t, name)
	ino := netnstest.Make(t, "cairn-"+name) // someone else's namespace of the same name
	extra := filepath.Join(p.Dir, "notes.txt")
	for _, f := range []string{p.Nodes[0].Console, p.Nodes[0].Disk, extra} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := Destroy(p.Dir, &out); err != nil {
		t.Fatal(err)
	}
	if got, _ := netnsInode("cairn-" + name); got != ino {
		t.Errorf("Destroy removed a namespace it did not create (inode %d, want %d)", got, ino)
	}
	entries, _ := os.ReadDir(p.Dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if diff := cmp.Diff([]string{"notes.txt"}, left); diff != "" {
		t.Errorf("files left in %s (-want +got):\n%s", p.Dir, diff)
	}
	wantOut := fmt.Sprintf("namespace cairn-%s left alone: this cluster did not create it\n%s left in place: it holds files cluster %q did not create: notes.txt\n", name, p.Dir, name)
	if diff := cmp.Diff(wantOut, out.String()); diff != "" {
		t.Errorf("Destroy output (-want +got):\n%s", diff)
	}

	// Once the record names this very namespace, it is the cluster's: destroy removes it.
	if err := writeJSON(filepath.Join(p.Dir, planFile), p); err != nil {
		t.Fatal(err)
	}
	if err := recordNetns(p.Dir, "cairn-"+name); err != nil {
		t.Fatal(err)
	}
	if err := Destroy(p.Dir, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := netnsInode("cairn-" + name); got != 0 {
		t.Errorf("Destroy kept the namespace its cluster created (inode %d)", got)
	}
}

// TestServeRecordsAndRemovesItsNamespace runs the daemon of a node-less cluster start to end:
// it records the namespace it made and removes it when stopped.
func TestServeRecordsAndRemovesItsNamespace(t *testing.T) {
	name := testName(t, "sv")
	p := testPlan(t, name)
	p.Nodes = nil
	if err := writeJSON(filepath.Join(p.Dir, planFile), p); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, discardLog(), p.Dir) }()
	deadline := time.Now().Add(30 * time.Second)
	for !ownsNetns(p.Dir, "cairn-"+name) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !ownsNetns(p.Dir, "cairn-"+name) {
		t.Fatal("the daemon did not record the namespace it created")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, _ := netnsInode("cairn-" + name); got != 0 {
		t.Errorf("namespace cairn-%s still exists after the daemon stopped", name)
	}
}
