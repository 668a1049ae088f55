package facts

import (
	"context"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// NamedFiles are the files and directories the CIS Kubernetes Benchmark and the host checks
// name, at kubeadm's paths (Collect adds the files the running components' flags name).
var NamedFiles = []string{
	"/etc/passwd", "/etc/group", "/etc/shadow",
	// The kubelet's systemd unit files (CIS 4.1.1): kube-bench looks in these places.
	"/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "/etc/systemd/system/kubelet.service",
	"/lib/systemd/system/kubelet.service", "/usr/lib/systemd/system/kubelet.service",
	// Static pod specifications (CIS 1.1.1-1.1.8); on Cairn, machined's records of the services.
	"/etc/kubernetes/manifests/kube-apiserver.yaml", "/etc/kubernetes/manifests/kube-controller-manager.yaml",
	"/etc/kubernetes/manifests/kube-scheduler.yaml", "/etc/kubernetes/manifests/etcd.yaml",
	// Kubeconfigs (CIS 1.1.13-1.1.18, 4.1.3-4.1.6).
	"/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf", "/etc/kubernetes/scheduler.conf",
	"/etc/kubernetes/controller-manager.conf", "/etc/kubernetes/kubelet.conf", "/etc/kubernetes/bootstrap-kubelet.conf",
	"/etc/kubernetes/proxy.conf", "/var/lib/kube-proxy/kubeconfig.conf",
	// Component configurations and data (CIS 1.1.11, 1.1.12, 4.1.9, 4.1.10).
	"/var/lib/kubelet/config.yaml", "/var/lib/kube-proxy/config.conf", "/var/lib/etcd",
	"/etc/kubernetes", "/etc/kubernetes/pki",
}

// NamedTrees are directories whose every entry (to a bounded depth and count) is recorded:
// the PKI (CIS 1.1.19-1.1.21) and the CNI files (CIS 1.1.9, 1.1.10).
var NamedTrees = []string{"/etc/kubernetes/pki", "/var/lib/kubelet/pki", "/etc/cni/net.d", "/var/lib/cni/networks"}

// DefaultCertDirs are where Collect looks for certificates.
var DefaultCertDirs = []string{"/etc/kubernetes/pki", "/var/lib/kubelet/pki"}

// collectFiles stats the named files, every entry of the named trees and extra (paths the
// components' flags and configurations name), at most maxNamedFiles in all.
func collectFiles(ctx context.Context, root string, extra []string, nm names) map[string]File {
	out := map[string]File{}
	add := func(node string) {
		if _, ok := out[node]; !ok && len(out) < maxNamedFiles {
			out[node] = statFile(hostPath(root, node), node, nm)
		}
	}
	for _, p := range slices.Concat(NamedFiles, extra) {
		add(p)
	}
	for _, t := range NamedTrees {
		for _, node := range treeEntries(ctx, root, t, maxNamedFiles-len(out)) {
			add(node)
		}
	}
	return out
}

// treeEntries lists the node paths below dir (not dir itself), at most limit, four levels
// deep at most.
func treeEntries(ctx context.Context, root, dir string, limit int) []string {
	var out []string
	top := hostPath(root, dir)
	_ = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil || len(out) >= limit {
			return filepath.SkipAll
		}
		rel, _ := filepath.Rel(top, p)
		if rel == "." {
			return nil
		}
		out = append(out, path.Join(dir, filepath.ToSlash(rel)))
		if d.IsDir() && strings.Count(rel, string(filepath.Separator)) >= 3 {
			return filepath.SkipDir
		}
		return nil
	})
	return out
}

// flagPaths returns the absolute paths among the flag values of the Kubernetes components
// and their configurations: the files CIS asks about are found where the components really
// read them.
func flagPaths(procs []Process, k Kubernetes) []string {
	var out []string
	for _, p := range procs {
		if p.Component() == "" {
			continue
		}
		for _, v := range p.Flags() {
			for _, part := range strings.Split(v, ",") {
				if path.IsAbs(part) && !strings.ContainsAny(part, " \t") {
					out = append(out, path.Clean(part))
				}
			}
		}
	}
	if c := k.Kubelet.Value; c != nil && path.IsAbs(c.Authentication.X509.ClientCAFile) {
		out = append(out, c.Authentication.X509.ClientCAFile)
	}
	if c := k.Proxy.Value; c != nil && path.IsAbs(c.ClientConnection.Kubeconfig) {
		out = append(out, c.ClientConnection.Kubeconfig)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// readConfig reads a component's configuration file named on the node.
func readConfig[T any](root, node string, parse func(string, []byte) (*T, error)) Fact[*T] {
	if node == "" {
		return known[*T](nil)
	}
	b, truncated, err := readCapped(hostPath(root, node), maxConfigFile)
	if err != nil {
		return unknown[*T](why(err))
	}
	if truncated {
		return unknown[*T](node + ": larger than the 1 MiB a configuration may be")
	}
	c, err := parse(node, b)
	if err != nil {
		return unknown[*T](err.Error())
	}
	return known(c)
}

// configPath is the file a flag of a running component names, or fallback when the
// component does not run and fallback exists.
func configPath(root string, p *Process, flag, fallback string) string {
	if p != nil {
		return p.Flags()[flag]
	}
	if fallback == "" {
		return ""
	}
	if _, err := os.Stat(hostPath(root, fallback)); err != nil {
		return ""
	}
	return fallback
}
