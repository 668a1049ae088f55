package kubeservice

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cairn-os/cairn/pkg/machinery/resources"
)

// TestRecords: each control-plane component's record is its spec at kubeadm's static pod
// path and the kubelet's a unit naming its exact command line, all 0600 (CIS 1.1.1-1.1.8,
// 4.1.1); containerd and kube-proxy have none; the kubelet has no static pod path, so it
// never runs the records.
func TestRecords(t *testing.T) {
	cp, _ := generate(t)
	plan, err := Render(cp, Node{Name: "cp-1", IP: netip.MustParseAddr("10.5.0.2"), Bootstrapped: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		Etcd: "/etc/kubernetes/manifests/etcd.yaml", APIServer: "/etc/kubernetes/manifests/kube-apiserver.yaml",
		ControllerManager: "/etc/kubernetes/manifests/kube-controller-manager.yaml",
		Scheduler:         "/etc/kubernetes/manifests/kube-scheduler.yaml", Kubelet: "/etc/systemd/system/kubelet.service",
	}
	seen := 0
	for _, s := range plan.Services {
		f, ok, err := Record(s.Name, s.Spec)
		if err != nil {
			t.Fatalf("Record(%s): %v", s.Name, err)
		}
		if ok != (want[s.Name] != "") || f.Path != want[s.Name] || RecordPath(s.Name) != want[s.Name] {
			t.Errorf("Record(%s) = %q, %v; want %q", s.Name, f.Path, ok, want[s.Name])
		}
		if !ok {
			continue
		}
		seen++
		if f.Mode != 0o600 || f.UID != 0 || f.GID != 0 || !strings.HasPrefix(string(f.Data), "# machined runs "+s.Name) {
			t.Errorf("record of %s: mode %v owner %d:%d, header %q", s.Name, f.Mode, f.UID, f.GID, strings.SplitN(string(f.Data), "\n", 2)[0])
		}
		if s.Name == Kubelet {
			unit := string(f.Data)
			exec := "ExecStart=/usr/bin/kubelet " + strings.Join(s.Spec.Args[1:], " ")
			if !strings.Contains(unit, "\n"+exec+"\n") || !strings.Contains(unit, "Requires=containerd.service") || !strings.Contains(unit, "MemoryMax=536870912") {
				t.Errorf("kubelet unit lacks %q or its dependency or limit:\n%s", exec, unit)
			}
			continue
		}
		var back resources.KubeServiceSpec
		if err := yaml.Unmarshal(f.Data, &back); err != nil || !reflect.DeepEqual(back, s.Spec) {
			t.Errorf("record of %s does not read back as its spec: %v\n%s", s.Name, err, f.Data)
		}
	}
	if seen != len(want) {
		t.Errorf("%d records, want %d", seen, len(want))
	}
	for _, f := range plan.Files {
		if f.Path == kubeletConfig && !strings.Contains(string(f.Data), "\nstaticPodPath: \"\"\n") {
			t.Errorf("the kubelet's configuration sets a static pod path: it would run the records\n%s", f.Data)
		}
	}
}

func TestUnitQuote(t *testing.T) {
	for in, want := range map[string]string{"--a=b": "--a=b", "": `""`, "a b": `"a b"`, `x"y\`: `"x\"y\\"`, "$HOME%i": `"$$HOME%%i"`} {
		if got := unitQuote(in); got != want {
			t.Errorf("unitQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
