package facts_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/internal/evidence/facts"
	"github.com/cairn-os/cairn/internal/evidence/nodefixture"
)

// TestCollectFixture: Collect reads a control-plane node built from machined's own
// Kubernetes plan: the components are found with their services and flags, their
// configuration files are read through those flags, sockets map to services, the image scan
// finds what was planted, and no key reaches the snapshot although the node holds keys.
func TestCollectFixture(t *testing.T) {
	n := nodefixture.Build(t, true)
	plant(t, n.Sources.Root)
	s, err := facts.Collect(context.Background(), n.Sources)
	if err != nil {
		t.Fatalf("Collect = %v", err)
	}
	if s.Lockdown.Value != "integrity" || !slices.Equal(s.LSMs.Value, []string{"lockdown", "capability", "landlock", "yama"}) {
		t.Errorf("lockdown %+v, LSMs %+v", s.Lockdown, s.LSMs)
	}
	if r := s.Root.Value; !s.Root.Known() || r.FSType != "squashfs" || r.Options != "ro,relatime" {
		t.Errorf("root = %+v", s.Root)
	}
	if got := s.Sysctls["kernel.kptr_restrict"]; got.Value != "2" {
		t.Errorf("kernel.kptr_restrict = %+v", got)
	}
	if !slices.Equal(s.Modules.Value, []string{"br_netfilter", "bridge", "overlay"}) {
		t.Errorf("modules = %v", s.Modules)
	}
	var comps []string
	for _, p := range s.Processes.Value {
		if c := p.Component(); c != "" {
			comps = append(comps, c)
		}
	}
	slices.Sort(comps)
	if want := []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-proxy", "kube-scheduler", "kubelet"}; !slices.Equal(comps, want) {
		t.Errorf("components = %v, want %v", comps, want)
	}
	k := s.Kubernetes
	if c := k.Kubelet.Value; c == nil || c.Path != "/var/lib/kubelet/config.yaml" || c.ReadOnlyPort == nil || *c.ReadOnlyPort != 0 {
		t.Errorf("kubelet config = %+v", k.Kubelet)
	}
	if c := k.Proxy.Value; c == nil || c.MetricsBindAddress != "127.0.0.1:10249" {
		t.Errorf("proxy config = %+v", k.Proxy)
	}
	if c := k.Encryption.Value; c == nil || len(c.Resources) != 1 || !slices.Equal(c.Resources[0].Providers, []string{"aescbc", "identity"}) {
		t.Errorf("encryption = %+v", k.Encryption)
	}
	if c := k.AuditPolicy.Value; c == nil || len(c.Rules) < 3 {
		t.Errorf("audit policy = %+v", k.AuditPolicy)
	}
	if c := k.Authentication.Value; c == nil || c.Anonymous == nil || len(c.Anonymous.Conditions) != 3 {
		t.Errorf("authentication = %+v", k.Authentication)
	}
	sockets := map[string]string{}
	for _, so := range s.Sockets.Value {
		sockets[so.Addr+" "+itoa(so.Port)] = so.Service
	}
	for addr, svc := range map[string]string{":: 10250": "kubelet", "127.0.0.1 10249": "kube-proxy", "10.5.0.2 2380": "etcd", ":: 50000": "apid"} {
		if sockets[addr] != svc {
			t.Errorf("socket %s owned by %q, want %q (all: %v)", addr, sockets[addr], svc, sockets)
		}
	}
	if f := s.Files["/var/lib/etcd"]; !f.Exists || !f.Dir || f.Mode != 0o700 {
		t.Errorf("/var/lib/etcd = %+v", f)
	}
	if f := s.Files["/etc/kubernetes/pki/ca.key"]; !f.Exists || f.Mode != 0o600 {
		t.Errorf("ca.key = %+v", f)
	}
	sc := s.Scan.Value
	if !slices.Equal(sc.Shells, []string{"/usr/bin/busybox"}) || !slices.Equal(sc.SSHD, []string{"/usr/sbin/sshd"}) ||
		len(sc.SetID) != 1 || sc.SetID[0].Path != "/usr/bin/su" || sc.SetID[0].Mode != 0o4755 {
		t.Errorf("scan = %+v", sc)
	}
	if !slices.ContainsFunc(sc.WorldWritable, func(f facts.File) bool { return f.Path == "/etc/open" }) {
		t.Errorf("world-writable = %+v, want /etc/open", sc.WorldWritable)
	}
	cas := 0
	for _, c := range s.Certificates.Value {
		if c.Path == "/etc/kubernetes/pki/ca.crt" && c.IsCA {
			cas++
		}
	}
	if cas != 1 || len(s.Certificates.Value) < 5 {
		t.Errorf("certificates: %d, CA found %d times", len(s.Certificates.Value), cas)
	}
	data, _ := json.Marshal(s)
	if strings.Contains(string(data), "PRIVATE KEY") || strings.Contains(string(data), "secret:") {
		t.Error("the snapshot holds key material")
	}
	for _, p := range s.Processes.Value {
		if p.FIPS.Mode != "only" || p.FIPS.Source != "GODEBUG" {
			t.Errorf("process %d: FIPS %+v, want only from GODEBUG", p.PID, p.FIPS)
		}
	}
}

// plant puts a shell, an SSH server, a setuid file and a world-writable file in the image.
func plant(t *testing.T, root string) {
	for p, mode := range map[string]os.FileMode{"/usr/bin/busybox": 0o755, "/usr/sbin/sshd": 0o755, "/usr/bin/su": 0o755 | os.ModeSetuid, "/etc/open": 0o666} {
		h := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(h), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(h, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(h, mode); err != nil {
			t.Fatal(err)
		}
	}
}

func itoa(v uint16) string { b, _ := json.Marshal(v); return string(b) }

// TestCollectLeavesOutEndedProcesses: a process of a service's cgroup that ended after the
// scan listed it (its stat gone) or is a zombie has no program to read and is left out; one
// still running whose program cannot be read stays, its FIPS mode unknown.
func TestCollectLeavesOutEndedProcesses(t *testing.T) {
	n := nodefixture.Build(t, false)
	add := func(pid, stat string) {
		dir := filepath.Join(n.Sources.Proc, pid)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		files := map[string]string{"comm": "containerd-shim\n", "cmdline": "containerd-shim-runc-v2\x00start\x00", "cgroup": "0::/cairn/containerd\n"}
		if stat != "" {
			files["stat"] = stat
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o444); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("900", "900 (containerd-shim) Z 641 900 641 0 -1\n")
	add("901", "")
	add("902", "902 (containerd-shim) S 641 902 641 0 -1\n")
	s, err := facts.Collect(context.Background(), n.Sources)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, p := range s.Processes.Value {
		if p.PID >= 900 {
			pids = append(pids, p.PID)
			if p.FIPS.Unknown == "" {
				t.Errorf("process %d with no program: FIPS %+v, want unknown", p.PID, p.FIPS)
			}
		}
	}
	if !slices.Equal(pids, []int{902}) {
		t.Errorf("processes of the fixture's shims kept: %v, want [902] (the zombie 900 and the gone 901 left out)", pids)
	}
}
