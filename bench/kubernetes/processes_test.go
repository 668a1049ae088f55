package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseProcesses(t *testing.T) {
	got, err := parseProcesses(readFixture(t, "ps.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []proc{
		{node: "10.5.0.2", component: "init", pid: 1, rss: 40 << 20},
		{node: "10.5.0.2", component: "kube-apiserver", pid: 310, rss: 270 << 20},
		{node: "10.5.0.2", component: "etcd", pid: 305, rss: 50 << 20},
		{node: "10.5.0.3", component: "init", pid: 1, rss: 38 << 20},
		{node: "10.5.0.3", component: "kubelet", pid: 420, rss: 88 << 20},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(proc{})); diff != "" {
		t.Errorf("parseProcesses(ps.json) differs (-want +got):\n%s", diff)
	}
}

func TestParseProcessesNodeError(t *testing.T) {
	_, err := parseProcesses([]byte(`{"messages": [{"metadata": {"node": "10.5.0.3", "error": "connection refused", "code": 14}}]}`))
	if err == nil || !strings.Contains(err.Error(), "10.5.0.3: connection refused") {
		t.Errorf("parseProcesses(a failed node) = %v, want the node's error", err)
	}
}

func TestParseMemoryAndPrint(t *testing.T) {
	used, err := parseMemory(readFixture(t, "memory.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]uint64{"10.5.0.2": 598 << 20, "10.5.0.3": 234 << 20}; !cmp.Equal(used, want) {
		t.Errorf("parseMemory(memory.json) = %v, want %v", used, want)
	}
	procs, err := parseProcesses(readFixture(t, "ps.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	printProcesses(&report{w: &b}, procs, used, map[string]string{"10.5.0.2": "controlplane", "10.5.0.3": "worker"})
	for _, want := range []string{
		"node 10.5.0.2 (controlplane), memory in use (MemTotal - MemAvailable) 598 MiB\n    kube-apiserver             pid 310      270.0 MiB\n",
		"    sum of RSS                             360.0 MiB\n  node 10.5.0.3 (worker)",
		"    sum of RSS                             126.0 MiB\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("printProcesses output lacks %q; got:\n%s", want, b.String())
		}
	}
}
