package checks

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/internal/evidence/facts"
	"github.com/cairn-os/cairn/internal/evidence/nodefixture"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// verdicts renders results as "ID VERDICT" lines.
func verdicts(rs []Result) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s %s\n", r.ID, r.Verdict)
	}
	return b.String()
}

// TestGolden: the verdicts on nodes built from machined's own Kubernetes plan. A change here
// is a change of what the node reports to auditors: review testdata/*.golden with care.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name         string
		controlPlane bool
	}{{"controlplane", true}, {"worker", false}} {
		t.Run(tc.name, func(t *testing.T) {
			got := Run(nodefixture.Snapshot(t, tc.controlPlane), Options{})
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(verdicts(got)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if verdicts(got) != string(want) {
				t.Errorf("verdicts differ from %s (run with -update after review):\n%s", golden, diffLines(string(want), verdicts(got)))
			}
			for _, r := range got {
				if r.Verdict == NA && r.Reason == "" || r.Text == "" || r.Remediation == "" || r.Expected == "" {
					t.Errorf("%s is incomplete: %+v", r.ID, r)
				}
			}
			if !slices.IsSortedFunc(got, func(a, b Result) int { return CompareIDs(a.ID, b.ID) }) {
				t.Error("results are not sorted by ID")
			}
		})
	}
}

func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for _, l := range g {
		if !slices.Contains(w, l) {
			out = append(out, "+ "+l)
		}
	}
	for _, l := range w {
		if !slices.Contains(g, l) {
			out = append(out, "- "+l)
		}
	}
	return strings.Join(out, "\n")
}

func find(t *testing.T, rs []Result, id string) Result {
	t.Helper()
	for _, r := range rs {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no result %s", id)
	return Result{}
}

// setFlag changes a component's command line in the snapshot.
func setFlag(s *facts.Snapshot, component, flag, value string) {
	for i, p := range s.Processes.Value {
		if p.Component() == component {
			s.Processes.Value[i].Args = append(slices.Clone(p.Args), "--"+flag+"="+value)
		}
	}
}

// TestBreakages: each weakening of the node turns its check to FAIL (or WARN for a manual
// item), with the actual value showing why.
func TestBreakages(t *testing.T) {
	f := false
	for _, tc := range []struct {
		id, verdict, actual string
		breakIt             func(s *facts.Snapshot)
	}{
		{"1.2.15", "FAIL", "--profiling=true", func(s *facts.Snapshot) { setFlag(s, "kube-apiserver", "profiling", "true") }},
		{"1.2.6", "FAIL", "AlwaysAllow", func(s *facts.Snapshot) { setFlag(s, "kube-apiserver", "authorization-mode", "AlwaysAllow") }},
		{"1.2.1", "PASS", "--anonymous-auth=false", func(s *facts.Snapshot) { setFlag(s, "kube-apiserver", "anonymous-auth", "false") }},
		{"2.2", "FAIL", "--client-cert-auth=false", func(s *facts.Snapshot) { setFlag(s, "etcd", "client-cert-auth", "false") }},
		{"4.2.1", "FAIL", "--anonymous-auth=true", func(s *facts.Snapshot) { setFlag(s, "kubelet", "anonymous-auth", "true") }},
		{"4.2.1", "FAIL", "enabled: true", func(s *facts.Snapshot) { s.Kubernetes.Kubelet.Value.Authentication.Anonymous.Enabled = ptr(true) }},
		{"4.2.6", "FAIL", "makeIPTablesUtilChains: false", func(s *facts.Snapshot) { s.Kubernetes.Kubelet.Value.MakeIPTablesUtilChains = &f }},
		{"4.2.12", "WARN", "TLS_RSA_WITH_RC4_128_SHA", func(s *facts.Snapshot) { setFlag(s, "kubelet", "tls-cipher-suites", "TLS_RSA_WITH_RC4_128_SHA") }},
		{"1.2.28", "WARN", "identity", func(s *facts.Snapshot) {
			s.Kubernetes.Encryption.Value.Resources[0].Providers = []string{"identity", "aescbc"}
		}},
		{"3.2.2", "WARN", "reading a Secret at RequestResponse", func(s *facts.Snapshot) {
			s.Kubernetes.AuditPolicy.Value.Rules = append([]facts.AuditRule{{Level: "RequestResponse"}}, s.Kubernetes.AuditPolicy.Value.Rules...)
		}},
		{"1.1.11", "FAIL", "/var/lib/etcd 755", func(s *facts.Snapshot) {
			fm := s.Files["/var/lib/etcd"]
			fm.Mode = 0o755
			s.Files["/var/lib/etcd"] = fm
		}},
		{"H.1", "FAIL", "/bin/sh", func(s *facts.Snapshot) { s.Scan.Value.Shells = []string{"/bin/sh"} }},
		{"H.4", "FAIL", "rw", func(s *facts.Snapshot) { s.Root.Value.Options = "rw,relatime" }},
		{"H.5", "FAIL", "kernel.kptr_restrict=0", func(s *facts.Snapshot) { s.Sysctls["kernel.kptr_restrict"] = facts.Fact[string]{Value: "0"} }},
		// Linux 6.1 has no kernel.io_uring_disabled: a person judges that, nobody set it wrong.
		{"H.5", "WARN", "this kernel has no kernel.io_uring_disabled", func(s *facts.Snapshot) {
			s.Sysctls["kernel.io_uring_disabled"] = facts.Fact[string]{Unknown: "not found: open /proc/sys/kernel/io_uring_disabled: no such file or directory"}
		}},
		{"H.5", "FAIL", "kernel.kptr_restrict=0; kernel.io_uring_disabled", func(s *facts.Snapshot) {
			s.Sysctls["kernel.kptr_restrict"] = facts.Fact[string]{Value: "0"}
			s.Sysctls["kernel.io_uring_disabled"] = facts.Fact[string]{Unknown: "not found: open /proc/sys/kernel/io_uring_disabled: no such file or directory"}
		}},
		{"H.9", "FAIL", "port 8080 by nc (pid 77, not a Cairn service)", func(s *facts.Snapshot) {
			s.Sockets.Value = append(s.Sockets.Value, facts.Socket{Proto: "tcp", Addr: "0.0.0.0", Port: 8080, PID: 77, Comm: "nc"})
		}},
		{"H.9", "FAIL", "port 10257 by kube-controller-manager", func(s *facts.Snapshot) {
			s.Sockets.Value = append(s.Sockets.Value, facts.Socket{Proto: "tcp", Addr: "10.5.0.2", Port: 10257, Service: "kube-controller-manager"})
		}},
		// machined's load balancer for the API listens on loopback only.
		{"H.9", "PASS", "tcp 127.0.0.1 port 7445 by machined", func(s *facts.Snapshot) {
			s.Sockets.Value = append(s.Sockets.Value, facts.Socket{Proto: "tcp", Addr: "127.0.0.1", Port: 7445, PID: 1, Comm: "init"})
		}},
		{"H.9", "FAIL", "tcp 0.0.0.0 port 7445 by machined", func(s *facts.Snapshot) {
			s.Sockets.Value = append(s.Sockets.Value, facts.Socket{Proto: "tcp", Addr: "0.0.0.0", Port: 7445, PID: 1, Comm: "init"})
		}},
		{"H.10", "FAIL", "none", func(s *facts.Snapshot) { s.Lockdown.Value = "none" }},
		{"H.11", "FAIL", "kubelet=off", func(s *facts.Snapshot) {
			for i := range s.Processes.Value {
				if s.Processes.Value[i].Service == "kubelet" {
					s.Processes.Value[i].FIPS.Mode = "off"
				}
			}
		}},
		{"H.12", "FAIL", "expired", func(s *facts.Snapshot) { s.CollectedAt = s.CollectedAt.AddDate(20, 0, 0) }},
		{"H.8", "FAIL", "ca.key 644", func(s *facts.Snapshot) {
			fm := s.Files["/etc/kubernetes/pki/ca.key"]
			fm.Mode = 0o644
			s.Files["/etc/kubernetes/pki/ca.key"] = fm
		}},
	} {
		t.Run(tc.id+" "+tc.actual, func(t *testing.T) {
			s := nodefixture.Snapshot(t, true)
			tc.breakIt(&s)
			r := find(t, Run(s, Options{}), tc.id)
			if string(r.Verdict) != tc.verdict || !strings.Contains(r.Actual, tc.actual) {
				t.Errorf("%s = %s %q, want %s with %q", tc.id, r.Verdict, r.Actual, tc.verdict, tc.actual)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestRoles: a worker gets no control-plane items; a node without Kubernetes gets section 4
// as N/A; a control plane whose components are not running cannot be checked (WARN), and
// unreadable facts make WARN, never PASS.
func TestRoles(t *testing.T) {
	s := nodefixture.Snapshot(t, true)
	s.Processes.Value = slices.DeleteFunc(s.Processes.Value, func(p facts.Process) bool { return p.Component() != "" })
	rs := Run(s, Options{})
	if slices.ContainsFunc(rs, func(r Result) bool { return strings.HasPrefix(r.ID, "1.") }) {
		t.Error("a node without a control plane or a role got section 1")
	}
	if r := find(t, rs, "4.2.1"); r.Verdict != NA || !strings.Contains(r.Reason, "Kubernetes does not run") {
		t.Errorf("4.2.1 without Kubernetes = %+v", r)
	}
	s.Role = RoleControlPlane
	rs = Run(s, Options{})
	if r := find(t, rs, "1.2.15"); r.Verdict != Warn || !strings.Contains(r.Actual, "kube-apiserver is not running") {
		t.Errorf("1.2.15 with the API server stopped = %+v", r)
	}
	s.Lockdown = facts.Fact[string]{Unknown: "permission denied"}
	if r := find(t, Run(s, Options{}), "H.10"); r.Verdict != Warn || !strings.Contains(r.Actual, "permission denied") {
		t.Errorf("H.10 unknown = %+v", r)
	}
}

// TestCompareIDs: dotted IDs sort part by part, numbers numerically, before words.
func TestCompareIDs(t *testing.T) {
	ids := []string{"H.10", "4.1", "1.1.10", "H.2", "1.1.2", "2.7", "1.2.1", "2.1"}
	slices.SortFunc(ids, CompareIDs)
	if want := []string{"1.1.2", "1.1.10", "1.2.1", "2.1", "2.7", "4.1", "H.2", "H.10"}; !slices.Equal(ids, want) {
		t.Errorf("sorted = %v, want %v", ids, want)
	}
}
