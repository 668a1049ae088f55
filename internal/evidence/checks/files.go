package checks

import (
	"fmt"
	"strings"

	"github.com/cairn-os/cairn/internal/evidence/facts"
)

// locator finds the file a check is about: its node path, and the outcome to give when the
// file does not exist. A non-nil outcome ends the check early (the component does not run).
type locator func(e *env) (path string, missing outcome, early *outcome)

// modeCheck: the file's mode grants nothing beyond max.
func modeCheck(id, text string, scored bool, limit uint32, loc locator) def {
	return def{id: id, text: text, scored: scored, audit: "stat -c %a FILE", expected: fmt.Sprintf("mode %o or stricter", limit),
		remediation: fmt.Sprintf("The file is written by machined; a different mode means it was changed on the node: restore it with chmod %o, and report it.", limit),
		eval: func(e *env) outcome {
			return withFile(e, loc, func(f facts.File) outcome { return result(modeWithin(f.Mode, limit), perm(f)) })
		}}
}

// ownerCheck: the file belongs to want ("user:group").
func ownerCheck(id, text string, scored bool, want string, loc locator) def {
	return def{id: id, text: text, scored: scored, audit: "stat -c %U:%G FILE", expected: "owned by " + want,
		remediation: "The file is written by machined with its owner; restore it with chown " + want + ", and report the change.",
		eval: func(e *env) outcome {
			return withFile(e, loc, func(f facts.File) outcome { return result(f.Owner() == want, owner(f)) })
		}}
}

func withFile(e *env, loc locator, test func(facts.File) outcome) outcome {
	path, missing, early := loc(e)
	if early != nil {
		return *early
	}
	f, ok := e.file(path)
	switch {
	case !ok:
		return unknownOf(path + " was not collected")
	case f.Unknown != "":
		return unknownOf(path + ": " + f.Unknown)
	case !f.Exists:
		return missing
	}
	return test(f)
}

// filesCheck: every file list returns passes test.
func filesCheck(id, text string, scored bool, expected string, list func(e *env) ([]facts.File, *outcome), test func(facts.File) bool, show func(facts.File) string) def {
	return def{id: id, text: text, scored: scored, audit: "stat FILES", expected: expected,
		remediation: "The files are written by machined; restore what was changed on the node and report it.",
		eval: func(e *env) outcome {
			files, early := list(e)
			if early != nil {
				return *early
			}
			var bad, all []string
			for _, f := range files {
				all = append(all, show(f))
				if !test(f) {
					bad = append(bad, show(f))
				}
			}
			if len(bad) > 0 {
				return fail("not as expected: " + strings.Join(bad, ", "))
			}
			return pass(listOr(all, "no files"))
		}}
}

// flagFile locates the file a component's flag names (fallback when the flag is unset).
func flagFile(component, flag, fallback string, missing outcome) locator {
	return func(e *env) (string, outcome, *outcome) {
		flags, early := e.component(component)
		if early != nil {
			return "", outcome{}, early
		}
		if p := flags[flag]; p != "" {
			return p, missing, nil
		}
		if fallback == "" {
			o := na(component + " has no --" + flag + ": it reads no such file")
			return "", outcome{}, &o
		}
		return fallback, missing, nil
	}
}

// staticPod locates a component's specification at kubeadm's static pod path: on Cairn,
// machined's record of the service (kubeservice.Record), written whenever it runs it. Where
// the component runs, a missing record fails, as it does in kube-bench.
func staticPod(component string) locator {
	path := "/etc/kubernetes/manifests/" + component + ".yaml"
	return func(e *env) (string, outcome, *outcome) {
		if _, early := e.component(component); early != nil {
			return "", outcome{}, early
		}
		return path, fail(path + " does not exist: machined writes it whenever it runs " + component), nil
	}
}

var (
	kubeletSvcPaths = []string{"/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "/etc/systemd/system/kubelet.service",
		"/lib/systemd/system/kubelet.service", "/usr/lib/systemd/system/kubelet.service"}
	noKubeletSvc = "no kubelet service file exists (looked for " + strings.Join(kubeletSvcPaths, ", ") + "): machined writes /etc/systemd/system/kubelet.service whenever it runs the kubelet"
)

// kubeletSvc locates the first kubelet unit file that exists: on Cairn, machined's record of
// the kubelet's service in systemd's unit form (kubeservice.Record). Where the kubelet runs,
// a missing one fails, as it does in kube-bench.
func kubeletSvc(e *env) (string, outcome, *outcome) {
	if _, early := e.component("kubelet"); early != nil {
		return "", outcome{}, early
	}
	for _, p := range kubeletSvcPaths {
		if f, ok := e.file(p); ok && f.Exists {
			return p, outcome{}, nil
		}
	}
	return kubeletSvcPaths[0], fail(noKubeletSvc), nil
}

// proxyKubeconfig locates kube-proxy's kubeconfig: its --kubeconfig flag, else its
// configuration's clientConnection.kubeconfig.
func proxyKubeconfig(e *env) (string, outcome, *outcome) {
	flags, early := e.component("kube-proxy")
	if early != nil {
		return "", outcome{}, early
	}
	p := flags["kubeconfig"]
	if c := e.s.Kubernetes.Proxy.Value; p == "" && c != nil {
		p = c.ClientConnection.Kubeconfig
	}
	if p == "" {
		o := na("kube-proxy names no kubeconfig (it runs in-cluster)")
		return "", outcome{}, &o
	}
	return p, fail(p + " does not exist"), nil
}

// kubeletClientCA locates the kubelet's client CA: --client-ca-file, else its
// configuration's authentication.x509.clientCAFile.
func kubeletClientCA(e *env) (string, outcome, *outcome) {
	flags, early := e.component("kubelet")
	if early != nil {
		return "", outcome{}, early
	}
	p := flags["client-ca-file"]
	if c := e.s.Kubernetes.Kubelet.Value; p == "" && c != nil {
		p = c.Authentication.X509.ClientCAFile
	}
	if p == "" {
		o := fail("the kubelet has no client CA file")
		return "", outcome{}, &o
	}
	return p, fail(p + " does not exist"), nil
}

var missingFail = func(what string) outcome { return fail(what + " does not exist") }

var nodeFileChecks = []def{
	modeCheck("4.1.1", "The kubelet service file's mode is 600 or stricter", true, 0o600, kubeletSvc),
	ownerCheck("4.1.2", "The kubelet service file is owned by root:root", true, "root:root", kubeletSvc),
	modeCheck("4.1.3", "kube-proxy's kubeconfig, if it exists, has mode 600 or stricter", false, 0o600, proxyKubeconfig),
	ownerCheck("4.1.4", "kube-proxy's kubeconfig, if it exists, is owned by root:root", false, "root:root", proxyKubeconfig),
	modeCheck("4.1.5", "The kubelet's --kubeconfig file has mode 600 or stricter", true, 0o600,
		flagFile("kubelet", "kubeconfig", "/etc/kubernetes/kubelet.conf", outcome{warn: true, actual: "the kubelet's kubeconfig does not exist yet: TLS bootstrap has not finished"})),
	ownerCheck("4.1.6", "The kubelet's --kubeconfig file is owned by root:root", true, "root:root",
		flagFile("kubelet", "kubeconfig", "/etc/kubernetes/kubelet.conf", outcome{warn: true, actual: "the kubelet's kubeconfig does not exist yet: TLS bootstrap has not finished"})),
	modeCheck("4.1.7", "The kubelet's client CA file has mode 644 or stricter", false, 0o644, kubeletClientCA),
	ownerCheck("4.1.8", "The kubelet's client CA file is owned by root:root", false, "root:root", kubeletClientCA),
	modeCheck("4.1.9", "The kubelet's configuration file has mode 600 or stricter", true, 0o600,
		flagFile("kubelet", "config", "", missingFail("the kubelet's configuration file"))),
	ownerCheck("4.1.10", "The kubelet's configuration file is owned by root:root", true, "root:root",
		flagFile("kubelet", "config", "", missingFail("the kubelet's configuration file"))),
}
