package facts

import (
	"context"
	"fmt"
	"time"
)

// Sources are where Collect reads the node from: a node passes "/", "/proc" and "/sys";
// tests pass fixture directories.
type Sources struct {
	Root string
	Proc string
	Sys  string
	// Role is the node's role from its configuration ("controlplane" or "worker"), copied
	// into the snapshot; "" leaves the checks to infer it from what runs.
	Role string
	// ScanDirs, SkipDirs and CertDirs replace DefaultScanDirs, DefaultSkipDirs and
	// DefaultCertDirs when set.
	ScanDirs, SkipDirs, CertDirs []string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Collect reads every fact of a Snapshot. What cannot be read is recorded in its fact as
// unknown, with why; Collect fails only when src is unusable or ctx ends.
func Collect(ctx context.Context, src Sources) (Snapshot, error) {
	if src.Root == "" || src.Proc == "" || src.Sys == "" {
		return Snapshot{}, fmt.Errorf("facts sources: root %q, proc %q and sys %q must all be set", src.Root, src.Proc, src.Sys)
	}
	now := time.Now
	if src.Now != nil {
		now = src.Now
	}
	s := Snapshot{
		CollectedAt: now().UTC(), Role: src.Role,
		Kernel: collectKernel(src.Proc), Lockdown: collectLockdown(src.Sys), LSMs: collectLSMs(src.Sys),
		Sysctls: collectSysctls(src.Proc), Modules: collectModules(src.Proc), Root: collectRoot(src.Proc, src.Root),
	}
	nm := readNames(src.Root)
	procs, truncated, err := scanProcs(ctx, src.Proc)
	if ctx.Err() != nil {
		return Snapshot{}, ctx.Err()
	}
	s.Sockets = collectSockets(ctx, src.Proc, procs)
	s.Processes = recordProcs(procs, s.Sockets.Value, err)
	s.Processes.Truncated = truncated
	s.Kubernetes = collectKubernetes(src.Root, s.Processes.Value)
	s.Files = collectFiles(ctx, src.Root, flagPaths(s.Processes.Value, s.Kubernetes), nm)
	s.Scan = collectScan(ctx, src.Root, or(src.ScanDirs, DefaultScanDirs), or(src.SkipDirs, DefaultSkipDirs), nm)
	s.Certificates = collectCerts(ctx, src.Root, or(src.CertDirs, DefaultCertDirs))
	if ctx.Err() != nil {
		return Snapshot{}, ctx.Err()
	}
	return s, nil
}

// recordProcs keeps the processes the evidence is about: PID 1, machined's services, the
// Kubernetes components and the owners of listening sockets, each with its FIPS mode.
func recordProcs(procs []proc, socks []Socket, scanErr error) Fact[[]Process] {
	if scanErr != nil {
		return unknown[[]Process](why(scanErr))
	}
	owners := map[int]bool{}
	for _, s := range socks {
		owners[s.PID] = true
	}
	out := []Process{}
	for _, p := range procs {
		if p.PID == 1 || p.Service != "" || p.Component() != "" || owners[p.PID] {
			p.FIPS = readFIPS(p.dir)
			if p.FIPS.Unknown != "" && exited(p.dir) {
				continue // gone since the scan, or a zombie not yet reaped: it runs nothing
			}
			out = append(out, p.Process)
		}
	}
	return known(out)
}

// collectKubernetes reads the configuration files the running components name.
func collectKubernetes(root string, procs []Process) Kubernetes {
	by := map[string]*Process{}
	for i := range procs {
		if c := procs[i].Component(); c != "" && by[c] == nil {
			by[c] = &procs[i]
		}
	}
	api := by["kube-apiserver"]
	return Kubernetes{
		Kubelet:        readConfig(root, configPath(root, by["kubelet"], "config", "/var/lib/kubelet/config.yaml"), ParseKubeletConfig),
		Proxy:          readConfig(root, configPath(root, by["kube-proxy"], "config", ""), ParseProxyConfig),
		Encryption:     readConfig(root, configPath(root, api, "encryption-provider-config", ""), ParseEncryptionConfig),
		Authentication: readConfig(root, configPath(root, api, "authentication-config", ""), ParseAuthenticationConfig),
		AuditPolicy:    readConfig(root, configPath(root, api, "audit-policy-file", ""), ParseAuditPolicy),
	}
}

func or(a, b []string) []string {
	if a != nil {
		return a
	}
	return b
}
