package kubeservice

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// Where a kubeadm node keeps the definitions of its components, which CIS 1.1.1-1.1.8 and
// 4.1.1-4.1.2 (and kube-bench) check for mode 600 and owner root:root.
const (
	manifestsDir = kubeDir + "/manifests"
	kubeletUnit  = "/etc/systemd/system/kubelet.service"
)

// recordPaths are the services that have a record, and where it is.
var recordPaths = map[string]string{
	Etcd:              manifestsDir + "/etcd.yaml",
	APIServer:         manifestsDir + "/kube-apiserver.yaml",
	ControllerManager: manifestsDir + "/kube-controller-manager.yaml",
	Scheduler:         manifestsDir + "/kube-scheduler.yaml",
	Kubelet:           kubeletUnit,
}

// Record is the file at kubeadm's path recording how machined runs a service, written from
// the very spec it hands the supervisor each time it (re)defines the service, and removed
// with it: a control-plane component's as YAML at /etc/kubernetes/manifests/NAME.yaml (the
// KubeService itself, not a pod: the kubelet has no static pod path and never reads it), the
// kubelet's as a systemd unit. It is the truth about what runs, never a decoy: nothing reads
// it back. The spec names files, never their contents, so a record holds no secret; it is
// 0600 root:root all the same, as CIS asks. ok is false for a service without a record.
func Record(name string, spec resources.KubeServiceSpec) (f File, ok bool, err error) {
	p, ok := recordPaths[name]
	if !ok {
		return File{}, false, nil
	}
	var data []byte
	if name == Kubelet {
		data = kubeletUnitFile(spec)
	} else {
		body, err := yaml.Marshal(spec)
		if err != nil {
			return File{}, true, fmt.Errorf("record of %s: %w", name, err)
		}
		data = append([]byte(recordHeader(name, "Its definition (cairnctl get kubeservice "+name+"):")), body...)
	}
	f.Path, f.Mode, f.Data = p, 0o600, data
	return f, true, nil
}

// RecordPath is where a service's record is ("" for a service without one).
func RecordPath(name string) string { return recordPaths[name] }

// recordHeader says what a record is; what is one comment line.
func recordHeader(name, what string) string {
	return "# machined runs " + name + " as a supervised service of the Cairn image (a Cairn node runs\n" +
		"# no static pods and no systemd). machined writes this file each time it (re)defines the\n" +
		"# service and removes it with the service; nothing reads it back, so editing it changes\n" +
		"# nothing: the machine configuration does. " + what + "\n"
}

// kubeletUnitFile renders the kubelet's spec as the systemd unit a kubeadm node would have.
func kubeletUnitFile(s resources.KubeServiceSpec) []byte {
	var b strings.Builder
	b.WriteString(recordHeader(Kubelet, "Its definition, in systemd's unit form:"))
	b.WriteString("[Unit]\nDescription=kubelet: The Kubernetes Node Agent (run by machined)\n")
	if len(s.DependsOn) > 0 {
		deps := make([]string, len(s.DependsOn))
		for i, d := range s.DependsOn {
			deps[i] = d + ".service"
		}
		fmt.Fprintf(&b, "Requires=%s\nAfter=%s\n", strings.Join(deps, " "), strings.Join(deps, " "))
	}
	b.WriteString("\n[Service]\n")
	for _, e := range s.Env {
		fmt.Fprintf(&b, "Environment=%s\n", unitQuote(e))
	}
	args := make([]string, 0, len(s.Args))
	args = append(args, s.Path)
	for _, a := range s.Args[min(1, len(s.Args)):] {
		args = append(args, unitQuote(a))
	}
	fmt.Fprintf(&b, "ExecStart=%s\n", strings.Join(args, " "))
	if s.MemoryMax > 0 {
		fmt.Fprintf(&b, "MemoryMax=%d\n", s.MemoryMax)
	}
	if s.PidsMax > 0 {
		fmt.Fprintf(&b, "TasksMax=%d\n", s.PidsMax)
	}
	b.WriteString("Restart=always\n")
	return []byte(b.String())
}

// unitQuote quotes a word for a unit file's command line when it needs it.
func unitQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n\"'\\;$%") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "$", "$$", "%", "%%")
	return `"` + r.Replace(s) + `"`
}
