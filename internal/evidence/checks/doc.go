// Package checks judges a facts.Snapshot: Cairn's host self-checks and the CIS Kubernetes
// Benchmark v1.12 items for the node's role, as pure functions (Run), with output as
// kube-bench-compatible JSON (ToKubeBench). Results are sorted by ID and deterministic.
//
// Verdicts follow kube-bench: a failing automated (scored) item is FAIL, a failing manual
// item WARN; WARN also marks a check that could not be carried out because a fact was
// unknown (the actual value says why). N/A always carries a precise reason.
//
// Host checks (H.1-H.13): no shell (H.1), no setuid/setgid file (H.2), no SSH server (H.3),
// read-only root (H.4), the kernel self-protection sysctls (H.5) and the Kubernetes sysctls
// (H.6) at the values machined applies (internal/pkg/sysctl), no world-writable file (H.7),
// keys and kubeconfigs unreadable by others (H.8), listening sockets only from the allowed
// set by service (H.9, Options.Listeners), kernel lockdown (H.10), FIPS 140-3 mode of every
// Cairn Go service (H.11), certificate expiry (H.12), and the LSMs (H.13, INFO).
//
// CIS coverage. Section 4 (worker node: 4.1.1-4.1.10, 4.2.1-4.2.14, 4.3.1) runs on every node
// with Kubernetes; sections 1 (1.1.1-1.1.21, 1.2.1-1.2.30, 1.3.1-1.3.7, 1.4.1-1.4.2), 2
// (2.1-2.7) and 3 (3.1.1-3.1.3, 3.2.1-3.2.2) on a control plane (the snapshot's role, or an
// API server or etcd running). Every item of those sections exists; flags are read from the
// running processes' command lines (what machined's kubeservice renders) and settings from
// the configuration files those flags name.
//
// N/A items and why:
//   - 1.1.1-1.1.8, 4.1.1, 4.1.2: machined runs the components as supervised services, not
//     as static pods or systemd units; it records each at kubeadm's path, from the spec it
//     runs (/etc/kubernetes/manifests/NAME.yaml, /etc/systemd/system/kubelet.service), and
//     these items check those files (N/A only where the component does not run).
//   - 1.1.9, 1.1.10: until machined has written the CNI configuration (after the node's pod
//     CIDR is allocated) there are no CNI files.
//   - 4.1.3, 4.1.4 when kube-proxy names no kubeconfig; any item when Kubernetes does not run.
//
// Where the native check sees more than kube-bench's automated test: 1.2.1 (anonymous
// access limited by the AuthenticationConfiguration: WARN for review), 1.2.28 (the provider
// that writes Secrets, from the parsed encryption configuration), 2.7 (etcd's CA compared
// by certificate with the cluster CA), 3.2.2 (sample requests evaluated against the audit
// policy's rules), 4.2.9 (serverTLSBootstrap reported: WARN).
package checks
