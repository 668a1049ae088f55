package checks

import (
	"strings"

	"github.com/cairn-os/cairn/internal/evidence/facts"
)

// cniFiles are the CNI configuration and IPAM files (CIS 1.1.9, 1.1.10).
func cniFiles(e *env) ([]facts.File, *outcome) {
	files := append(e.filesUnder("/etc/cni/net.d", notDir), e.filesUnder("/var/lib/cni/networks", notDir)...)
	if len(files) == 0 {
		o := na("no CNI configuration has been written yet: machined writes /etc/cni/net.d/10-cairn.conflist once the node's pod CIDR is allocated")
		return nil, &o
	}
	return files, nil
}

// adminConfs are the administrators' kubeconfigs that exist (CIS 1.1.13, 1.1.14).
func adminConfs(e *env) ([]facts.File, *outcome) {
	var out []facts.File
	for _, p := range []string{"/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf"} {
		if f, ok := e.file(p); ok && f.Exists {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		o := na("no administrator kubeconfig exists on this node")
		return nil, &o
	}
	return out, nil
}

// pki lists /etc/kubernetes/pki and what is in it; suffix limits the files ("" keeps the
// directories too).
func pki(suffix string) func(e *env) ([]facts.File, *outcome) {
	return func(e *env) ([]facts.File, *outcome) {
		var out []facts.File
		if f, ok := e.file("/etc/kubernetes/pki"); ok && f.Exists && suffix == "" {
			out = append(out, f)
		}
		out = append(out, e.filesUnder("/etc/kubernetes/pki", func(f facts.File) bool {
			return suffix == "" || (!f.Dir && strings.HasSuffix(f.Path, suffix))
		})...)
		if len(out) == 0 {
			o := fail("/etc/kubernetes/pki holds nothing")
			return nil, &o
		}
		return out, nil
	}
}

func notDir(f facts.File) bool { return !f.Dir }

// etcdDataDir locates etcd's --data-dir.
var etcdDataDir = flagFile("etcd", "data-dir", "/var/lib/etcd", missingFail("etcd's data directory"))

var masterFileChecks = []def{
	modeCheck("1.1.1", "The API server pod specification file has mode 600 or stricter", true, 0o600, staticPod("kube-apiserver")),
	ownerCheck("1.1.2", "The API server pod specification file is owned by root:root", true, "root:root", staticPod("kube-apiserver")),
	modeCheck("1.1.3", "The controller manager pod specification file has mode 600 or stricter", true, 0o600, staticPod("kube-controller-manager")),
	ownerCheck("1.1.4", "The controller manager pod specification file is owned by root:root", true, "root:root", staticPod("kube-controller-manager")),
	modeCheck("1.1.5", "The scheduler pod specification file has mode 600 or stricter", true, 0o600, staticPod("kube-scheduler")),
	ownerCheck("1.1.6", "The scheduler pod specification file is owned by root:root", true, "root:root", staticPod("kube-scheduler")),
	modeCheck("1.1.7", "The etcd pod specification file has mode 600 or stricter", true, 0o600, staticPod("etcd")),
	ownerCheck("1.1.8", "The etcd pod specification file is owned by root:root", true, "root:root", staticPod("etcd")),
	filesCheck("1.1.9", "The CNI files have mode 600 or stricter", false, "mode 600 or stricter", cniFiles,
		func(f facts.File) bool { return modeWithin(f.Mode, 0o600) }, perm),
	filesCheck("1.1.10", "The CNI files are owned by root:root", false, "owned by root:root", cniFiles,
		func(f facts.File) bool { return f.Owner() == "root:root" }, owner),
	modeCheck("1.1.11", "The etcd data directory has mode 700 or stricter", true, 0o700, etcdDataDir),
	ownerCheck("1.1.12", "The etcd data directory is owned by etcd:etcd", true, "etcd:etcd", etcdDataDir),
	filesCheck("1.1.13", "The administrators' kubeconfigs have mode 600 or stricter", true, "mode 600 or stricter", adminConfs,
		func(f facts.File) bool { return modeWithin(f.Mode, 0o600) }, perm),
	filesCheck("1.1.14", "The administrators' kubeconfigs are owned by root:root", true, "owned by root:root", adminConfs,
		func(f facts.File) bool { return f.Owner() == "root:root" }, owner),
	modeCheck("1.1.15", "The scheduler's kubeconfig has mode 600 or stricter", true, 0o600,
		flagFile("kube-scheduler", "kubeconfig", "/etc/kubernetes/scheduler.conf", missingFail("the scheduler's kubeconfig"))),
	ownerCheck("1.1.16", "The scheduler's kubeconfig is owned by root:root", true, "root:root",
		flagFile("kube-scheduler", "kubeconfig", "/etc/kubernetes/scheduler.conf", missingFail("the scheduler's kubeconfig"))),
	modeCheck("1.1.17", "The controller manager's kubeconfig has mode 600 or stricter", true, 0o600,
		flagFile("kube-controller-manager", "kubeconfig", "/etc/kubernetes/controller-manager.conf", missingFail("the controller manager's kubeconfig"))),
	ownerCheck("1.1.18", "The controller manager's kubeconfig is owned by root:root", true, "root:root",
		flagFile("kube-controller-manager", "kubeconfig", "/etc/kubernetes/controller-manager.conf", missingFail("the controller manager's kubeconfig"))),
	filesCheck("1.1.19", "The Kubernetes PKI directory and its files are owned by root:root", true, "owned by root:root", pki(""),
		func(f facts.File) bool { return f.Owner() == "root:root" }, owner),
	filesCheck("1.1.20", "The Kubernetes PKI certificates have mode 644 or stricter", false, "mode 644 or stricter", pki(".crt"),
		func(f facts.File) bool { return modeWithin(f.Mode, 0o644) }, perm),
	filesCheck("1.1.21", "The Kubernetes PKI keys have mode 600 or stricter", false, "mode 600 or stricter", pki(".key"),
		func(f facts.File) bool { return modeWithin(f.Mode, 0o600) }, perm),
}
