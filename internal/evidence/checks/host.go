package checks

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/cairn-os/cairn/internal/evidence/facts"
	"github.com/cairn-os/cairn/internal/pkg/sysctl"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

// Listener is a socket a service may listen on: Port 0 allows any port, Loopback only a
// loopback address.
type Listener struct {
	Service  string
	Proto    string // "tcp" or "udp" (either IP version)
	Port     uint16
	Loopback bool
}

// DefaultListeners are the sockets Cairn's services open: the node API and trustd, the
// kubelet, kube-proxy, the control plane and etcd on their ports (health, metrics and the
// controllers' ports on loopback only), containerd's streaming server on loopback, and
// machined's load balancer for the Kubernetes API on loopback.
var DefaultListeners = []Listener{
	{"machined", "tcp", 7445, true},
	{"apid", "tcp", constants.APIPort, false},
	{"trustd", "tcp", 50001, false},
	{"kubelet", "tcp", 10250, false},
	{"kubelet", "tcp", 10248, true},
	{"kube-proxy", "tcp", 10249, true},
	{"kube-proxy", "tcp", 10256, true},
	{"kube-apiserver", "tcp", 6443, false},
	{"kube-controller-manager", "tcp", 10257, true},
	{"kube-scheduler", "tcp", 10259, true},
	{"etcd", "tcp", 2379, false},
	{"etcd", "tcp", 2380, false},
	{"etcd", "tcp", 2381, true},
	{"containerd", "tcp", 0, true},
}

// allows reports whether l permits s.
func (l Listener) allows(s facts.Socket) bool {
	if l.Service != serviceOf(s) || !strings.HasPrefix(s.Proto, l.Proto) || (l.Port != 0 && l.Port != s.Port) {
		return false
	}
	a, err := netip.ParseAddr(s.Addr)
	return !l.Loopback || (err == nil && a.IsLoopback())
}

func scanCheck(id, text, expected, remediation string, pick func(facts.Scan) []string) def {
	return def{id: id, text: text, scored: true, audit: "walk of " + strings.Join(facts.DefaultScanDirs, ", "), expected: expected, remediation: remediation,
		eval: func(e *env) outcome {
			sc := e.s.Scan
			if !sc.Known() && sc.Value.Entries == 0 {
				return unknownOf("the image could not be walked: " + sc.Unknown)
			}
			found := pick(sc.Value)
			if len(found) > 0 {
				return fail(strings.Join(found, ", "))
			}
			if !sc.Known() {
				return unknownOf("part of the image could not be walked (" + sc.Unknown + "); none found elsewhere")
			}
			if sc.Truncated {
				return unknownOf(fmt.Sprintf("the walk stopped at its cap after %d entries; none found so far", sc.Value.Entries))
			}
			return pass(fmt.Sprintf("none among %d entries", sc.Value.Entries))
		}}
}

func paths(fs []facts.File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %04o %s", f.Path, f.Mode, f.Owner()))
	}
	return out
}

var hostChecks = []def{
	scanCheck("H.1", "No command shell is present", "no sh, bash, busybox or other shell in the image",
		"A shell in the image is a build error: the image builder must not install it.", func(s facts.Scan) []string { return s.Shells }),
	scanCheck("H.2", "No file is setuid or setgid", "no setuid or setgid file",
		"A setuid file in the image is a build error: the image builder must clear the bits.", func(s facts.Scan) []string { return paths(s.SetID) }),
	scanCheck("H.3", "No SSH server is present", "no sshd, dropbear or other SSH server",
		"The node is managed only through its API; remove the SSH server from the image.", func(s facts.Scan) []string { return s.SSHD }),
	{id: "H.4", text: "The root file system is mounted read-only", scored: true, audit: "mountinfo of /", expected: "ro",
		remediation: "machined mounts the image read-only; a writable root means the node did not boot the Cairn image.", eval: rootReadOnly},
	sysctlCheck("H.5", "The kernel self-protection settings have Cairn's values", sysctl.KSPP, false),
	sysctlCheck("H.6", "The settings Kubernetes needs have Cairn's values", sysctl.Kubernetes, true),
	scanCheck("H.7", "No file or unprotected directory is world-writable", "no world-writable file, no world-writable directory without the sticky bit",
		"Remove write permission for others; the image builder must not produce such files.", func(s facts.Scan) []string { return paths(s.WorldWritable) }),
	{id: "H.8", text: "Private keys and kubeconfigs are not readable by others", scored: true, audit: "stat of the PKI files and kubeconfigs",
		expected: "no permission for others on *.key and /etc/kubernetes/*.conf", remediation: "machined writes keys 0600 (0640 for the components' shared group); restore the mode.", eval: keysPrivate},
	{id: "H.9", text: "Only Cairn's services listen, on their own ports", scored: true, audit: "/proc/net/{tcp,tcp6,udp,udp6} by owning service",
		expected: "every listening socket in the allowed set", remediation: "Stop what listens outside the set, or add it to the node's policy if it is meant to.", eval: listenersAllowed},
	{id: "H.10", text: "Kernel lockdown is on", scored: true, audit: "/sys/kernel/security/lockdown", expected: "integrity or confidentiality",
		remediation: "Boot with UEFI Secure Boot (the kernel then locks itself down), or add lockdown=integrity to the kernel command line.", eval: lockdownOn},
	{id: "H.11", text: "Cairn's Go services run in FIPS 140-3 mode", scored: true, audit: "GODEBUG and build info of each service's process",
		expected: "fips140=on or only", remediation: "Every Go binary of the image is built with GOFIPS140; a service without it is a build error.", eval: fipsOn},
	{id: "H.12", text: "No certificate the node holds has expired or expires within 30 days", scored: true, audit: "certificates under " + strings.Join(facts.DefaultCertDirs, ", "),
		expected: "all valid for 30 days or more", remediation: "machined renews the certificates it derives from the cluster secrets; an expiring CA needs rotating in the configuration.", eval: certsValid},
	{id: "H.13", text: "Linux security modules", audit: "/sys/kernel/security/lsm", expected: "reported",
		remediation: "none", eval: func(e *env) outcome {
			if !e.s.LSMs.Known() {
				return unknownOf(e.s.LSMs.Unknown)
			}
			return outcome{info: true, actual: strings.Join(e.s.LSMs.Value, ",")}
		}},
}

func rootReadOnly(e *env) outcome {
	r := e.s.Root
	if !r.Known() {
		return unknownOf("the mount table: " + r.Unknown)
	}
	m := r.Value
	return result(slices.Contains(strings.Split(m.Options, ","), "ro"), fmt.Sprintf("%s %s %s", m.FSType, m.Source, m.Options))
}

func sysctlCheck(id, text string, want []sysctl.Setting, kube bool) def {
	var names []string
	for _, s := range want {
		names = append(names, s.Name+"="+s.Value)
	}
	return def{id: id, text: text, scored: true, audit: "/proc/sys", expected: strings.Join(names, " "),
		remediation: "machined applies these at boot; a different value was set on the running node (or the kernel lacks the setting).",
		eval: func(e *env) outcome {
			if kube && e.role == "" {
				return na("Kubernetes does not run on this node")
			}
			var bad, absent []string
			for _, s := range want {
				got, ok := e.s.Sysctls[s.Name]
				switch {
				case ok && !got.Known() && strings.HasPrefix(got.Unknown, "not found"):
					absent = append(absent, s.Name)
				case !ok || !got.Known():
					bad = append(bad, s.Name+" unknown: "+got.Unknown)
				case got.Value != s.Value:
					bad = append(bad, s.Name+"="+got.Value)
				}
			}
			switch {
			case len(bad) > 0:
				return fail(strings.Join(slices.Concat(bad, absent), "; "))
			case len(absent) > 0:
				// The kernel predates the setting (kernel.io_uring_disabled came with Linux
				// 6.6): nothing on the node set a wrong value, but what it guards stays open;
				// a person judges it against the kernel.
				o := fail(fmt.Sprintf("%d of %d as expected; this kernel has no %s", len(want)-len(absent), len(want), strings.Join(absent, ", ")))
				o.warn = true
				return o
			}
			return pass(fmt.Sprintf("all %d as expected", len(want)))
		}}
}

func keysPrivate(e *env) outcome {
	var bad []string
	n := 0
	for p, f := range e.s.Files {
		secret := strings.HasSuffix(p, ".key") || (strings.HasPrefix(p, "/etc/kubernetes/") && strings.HasSuffix(p, ".conf")) ||
			(strings.HasPrefix(p, "/var/lib/kubelet/pki/") && strings.HasSuffix(p, ".pem"))
		if !secret || !f.Exists || f.Dir || f.Symlink {
			continue
		}
		n++
		if f.Mode&0o007 != 0 {
			bad = append(bad, perm(f))
		}
	}
	slices.Sort(bad)
	if len(bad) > 0 {
		return fail(strings.Join(bad, ", "))
	}
	return pass(fmt.Sprintf("%d files, none readable by others", n))
}

func listenersAllowed(e *env) outcome {
	socks := e.s.Sockets
	if !socks.Known() && len(socks.Value) == 0 {
		return unknownOf("the socket tables: " + socks.Unknown)
	}
	allowed := e.opts.Listeners
	if allowed == nil {
		allowed = DefaultListeners
	}
	var bad, pods, all []string
	for _, s := range socks.Value {
		desc := fmt.Sprintf("%s %s port %d by %s", s.Proto, s.Addr, s.Port, ownerName(s))
		all = append(all, desc)
		switch {
		case slices.ContainsFunc(allowed, func(l Listener) bool { return l.allows(s) }):
		case strings.Contains(s.Cgroup, "kubepods"):
			pods = append(pods, desc)
		default:
			bad = append(bad, desc)
		}
	}
	switch {
	case len(bad) > 0:
		return fail("outside the allowed set: " + strings.Join(bad, "; "))
	case len(pods) > 0:
		return outcome{warn: true, actual: "host-network pods listen: " + strings.Join(pods, "; ")}
	case socks.Unknown != "":
		return unknownOf("some socket tables could not be read: " + socks.Unknown)
	}
	return pass(listOr(all, "nothing listens"))
}

// machined is process 1 on a node, in the root cgroup, not a service of its own.
const machined = "machined"

// serviceOf names the service that holds s: machined for process 1.
func serviceOf(s facts.Socket) string {
	if s.Service == "" && s.PID == 1 {
		return machined
	}
	return s.Service
}

func ownerName(s facts.Socket) string {
	switch {
	case serviceOf(s) != "":
		return serviceOf(s)
	case s.PID != 0:
		return fmt.Sprintf("%s (pid %d, not a Cairn service)", s.Comm, s.PID)
	}
	return "an unknown process"
}

func lockdownOn(e *env) outcome {
	l := e.s.Lockdown
	if !l.Known() {
		return unknownOf(l.Unknown)
	}
	return result(l.Value == "integrity" || l.Value == "confidentiality", l.Value)
}

func fipsOn(e *env) outcome {
	var bad, unknown, good []string
	for _, p := range e.s.Processes.Value {
		if p.Service == "" && p.PID != 1 {
			continue
		}
		name := p.Service
		if name == "" {
			name = p.Comm
		}
		switch f := p.FIPS; {
		case f.Mode == "on" || f.Mode == "only":
			good = append(good, name+"="+f.Mode)
		case f.Mode != "":
			bad = append(bad, name+"="+f.Mode)
		case strings.Contains(f.Unknown, "not a Go executable"):
			// A program that is not Go (none in Cairn today) has no Go FIPS mode to report.
		default:
			unknown = append(unknown, name+": "+f.Unknown)
		}
	}
	switch {
	case len(bad) > 0:
		return fail("not in FIPS mode: " + strings.Join(bad, ", "))
	case len(unknown) > 0:
		return unknownOf(strings.Join(unknown, "; "))
	case len(good) == 0:
		return unknownOf("no service process was found")
	}
	return pass(strings.Join(good, ", "))
}

func certsValid(e *env) outcome {
	c := e.s.Certificates
	if !c.Known() {
		return unknownOf(c.Unknown)
	}
	now := e.s.CollectedAt
	var expired, soon []string
	for _, cert := range c.Value {
		switch {
		case !now.Before(cert.NotAfter):
			expired = append(expired, fmt.Sprintf("%s (%s) expired %s", cert.Path, cert.Subject, cert.NotAfter.Format(time.DateOnly)))
		case cert.NotAfter.Sub(now) < 30*24*time.Hour:
			soon = append(soon, fmt.Sprintf("%s (%s) expires %s", cert.Path, cert.Subject, cert.NotAfter.Format(time.DateOnly)))
		}
	}
	switch {
	case len(expired) > 0:
		return fail(strings.Join(append(expired, soon...), "; "))
	case len(soon) > 0:
		return outcome{warn: true, actual: strings.Join(soon, "; ")}
	}
	return pass(fmt.Sprintf("%d certificates valid for 30 days or more", len(c.Value)))
}
