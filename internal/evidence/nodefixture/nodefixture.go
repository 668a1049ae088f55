// Package nodefixture builds, for tests, the directory trees of a Cairn node running
// Kubernetes: a root with the files machined's Kubernetes plan writes (kubeservice.Render,
// the same code a node runs), a /proc whose processes are the plan's services with their real
// command lines and cgroups, and a /sys. facts.Collect reads them like a node's, without root.
package nodefixture

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/controllers/kubeservice"
	"github.com/cairn-os/cairn/internal/evidence/facts"
	"github.com/cairn-os/cairn/internal/pkg/sysctl"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/secrets"
)

// Node is a built fixture.
type Node struct {
	Sources facts.Sources
	Plan    *kubeservice.Plan
}

// Now is the fixture's clock; its certificates are valid then.
var Now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// Build writes a control-plane (bootstrapped) or worker node under tb's temporary
// directory.
func Build(tb testing.TB, controlPlane bool) Node {
	tb.Helper()
	plan := render(tb, controlPlane)
	dir := tb.TempDir()
	n := Node{Plan: plan, Sources: facts.Sources{
		Root: filepath.Join(dir, "root"), Proc: filepath.Join(dir, "proc"), Sys: filepath.Join(dir, "sys"),
		Now: func() time.Time { return Now }, CertDirs: facts.DefaultCertDirs,
	}}
	for _, f := range plan.Files {
		p := filepath.Join(n.Sources.Root, f.Path)
		if f.Mode.IsDir() {
			must(tb, os.MkdirAll(p, 0o755)) //nolint:gosec // a fixture of a node root, whose directories are 0755
			must(tb, os.Chmod(p, f.Mode.Perm()))
			continue
		}
		write(tb, p, string(f.Data), f.Mode.Perm())
	}
	writeSys(tb, n.Sources.Sys)
	writeProc(tb, n.Sources.Proc, plan)
	return n
}

// Snapshot builds a node and collects it, giving every file of the plan the owner the plan
// gives it (a test that is not root cannot chown).
func Snapshot(tb testing.TB, controlPlane bool) facts.Snapshot {
	tb.Helper()
	n := Build(tb, controlPlane)
	s, err := facts.Collect(context.Background(), n.Sources)
	if err != nil {
		tb.Fatalf("Collect = %v", err)
	}
	users, groups := facts.ParseIDNames(read(tb, n.Sources.Root, "/etc/passwd")), facts.ParseIDNames(read(tb, n.Sources.Root, "/etc/group"))
	for _, f := range n.Plan.Files {
		if sf, ok := s.Files[f.Path]; ok && sf.Exists {
			sf.UID, sf.GID = uint32(f.UID), uint32(f.GID)
			sf.User, sf.Group = users[sf.UID], groups[sf.GID]
			s.Files[f.Path] = sf
		}
	}
	return s
}

func render(tb testing.TB, controlPlane bool) *kubeservice.Plan {
	b, err := secrets.New(secrets.Options{Now: Now.Add(-time.Hour)})
	must(tb, err)
	cp, w, err := config.Generate(config.GenerateInput{ClusterName: "fixture", Endpoint: "https://10.5.0.2:6443", Secrets: b})
	must(tb, err)
	cfg, node := w.WithDefaults(), kubeservice.Node{Name: "w-1", IP: netip.MustParseAddr("10.5.0.3"), Bootstrapped: true}
	if controlPlane {
		cfg, node = cp.WithDefaults(), kubeservice.Node{Name: "cp-1", IP: netip.MustParseAddr("10.5.0.2"), Bootstrapped: true}
	}
	plan, err := kubeservice.Render(cfg, node)
	must(tb, err)
	// machined writes each service's record as it runs it (kubeRunner.writeRecord).
	for _, s := range plan.Services {
		f, ok, err := kubeservice.Record(s.Name, s.Spec)
		must(tb, err)
		if ok {
			plan.Files = append(plan.Files, f)
		}
	}
	return plan
}

func writeSys(tb testing.TB, sys string) {
	write(tb, filepath.Join(sys, "kernel/security/lockdown"), "none [integrity] confidentiality\n", 0o444)
	write(tb, filepath.Join(sys, "kernel/security/lsm"), "lockdown,capability,landlock,yama\n", 0o444)
}

// Sockets the fixture's processes listen on: inode → "proto local-hex". The kubelet, the
// API server, etcd and apid listen where a node's do.
var listeners = map[string][]string{
	"kubelet":                 {"tcp6 00000000000000000000000000000000:280A", "tcp 0100007F:2808"},
	"kube-proxy":              {"tcp 0100007F:2809", "tcp 0100007F:2810"},
	"kube-apiserver":          {"tcp6 00000000000000000000000000000000:192B"},
	"etcd":                    {"tcp 0100007F:094B", "tcp 0200050A:094B", "tcp 0200050A:094C", "tcp 0100007F:094D"},
	"kube-controller-manager": {"tcp 0100007F:2811"},
	"kube-scheduler":          {"tcp 0100007F:2813"},
	"apid":                    {"tcp6 00000000000000000000000000000000:C350"},
}

func writeProc(tb testing.TB, proc string, plan *kubeservice.Plan) {
	var kernel = map[string]string{
		"sys/kernel/osrelease": "6.1.0-56-cloud-amd64", "version": "Linux version 6.1.0-56-cloud-amd64 (fixture)",
		"cmdline":        "console=ttyS0 cairn.fips=strict",
		"modules":        "br_netfilter 32768 0 - Live 0x0\nbridge 311296 1 br_netfilter, Live 0x0\noverlay 151552 0 - Live 0x0\n",
		"self/mountinfo": "20 1 7:0 / / ro,relatime - squashfs /dev/dm-0 ro\n21 20 0:5 / /proc rw - proc proc rw\n",
	}
	for p, v := range kernel {
		write(tb, filepath.Join(proc, p), strings.TrimSuffix(v, "\n")+"\n", 0o444)
	}
	for _, s := range append(sysctl.KSPP, sysctl.Kubernetes...) {
		write(tb, filepath.Join(proc, "sys", strings.ReplaceAll(s.Name, ".", "/")), s.Value+"\n", 0o644)
	}
	tables := map[string]string{"tcp": "", "tcp6": "", "udp": "", "udp6": ""}
	inode := 1000
	exe, err := os.Executable()
	must(tb, err)
	addProc := func(pid int, name string, args []string, cgroup string, handed ...string) {
		dir := filepath.Join(proc, fmt.Sprint(pid))
		write(tb, filepath.Join(dir, "comm"), name+"\n", 0o444)
		write(tb, filepath.Join(dir, "cmdline"), strings.Join(args, "\x00")+"\x00", 0o444)
		write(tb, filepath.Join(dir, "cgroup"), "0::"+cgroup+"\n", 0o444)
		write(tb, filepath.Join(dir, "environ"), "PATH=/usr/bin\x00GODEBUG=fips140=only\x00", 0o400)
		must(tb, os.MkdirAll(filepath.Join(dir, "fd"), 0o755)) //nolint:gosec // as on a node
		// Every process runs the test binary: a Go program with build information, as
		// Cairn's services are.
		must(tb, os.Symlink(exe, filepath.Join(dir, "exe")))
		// The copies machined hands a component, as /proc shows them.
		for i, h := range handed {
			must(tb, os.Symlink("/memfd:"+constants.HandedFilePrefix+h+" (deleted)", filepath.Join(dir, "fd", fmt.Sprint(3+i))))
		}
		for _, l := range listeners[name] {
			inode++
			proto, local, _ := strings.Cut(l, " ")
			zero := strings.Repeat("0", strings.Index(local, ":"))
			tables[proto] += fmt.Sprintf("   0: %s %s:0000 0A 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n", local, zero, inode)
			must(tb, os.Symlink(fmt.Sprintf("socket:[%d]", inode), filepath.Join(dir, "fd", fmt.Sprint(inode))))
		}
	}
	addProc(1, "machined", []string{"/sbin/init"}, "/")
	addProc(101, "apid", []string{"apid", "--socket=/proc/self/fd/3"}, "/cairn/apid")
	must(tb, os.Symlink("socket:[999]", filepath.Join(proc, "101", "fd", "3")))
	for i, s := range plan.Services {
		addProc(200+i, s.Name, s.Spec.Args, "/cairn/"+s.Name, s.Spec.Handed...)
	}
	header := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	for proto, rows := range tables {
		write(tb, filepath.Join(proc, "net", proto), header+rows, 0o444)
	}
}

func write(tb testing.TB, p, data string, mode os.FileMode) {
	tb.Helper()
	must(tb, os.MkdirAll(filepath.Dir(p), 0o755)) //nolint:gosec // as on a node
	must(tb, os.WriteFile(p, []byte(data), mode))
	must(tb, os.Chmod(p, mode))
}

func read(tb testing.TB, root, node string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(root, node))
	must(tb, err)
	return b
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
