package integration

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// badKubernetes breaks the Kubernetes section of a configuration in every way issue 9 names
// (and renames the host, so that a change that got through would show); kubernetesProblems
// are the problems it must be refused with, all of them.
func badKubernetes(c *config.Config) {
	c.Machine.Network.Hostname = "node-k2"
	c.Cluster.ControlPlane.Endpoint = "http://192.0.2.10:6443"
	c.Cluster.FeatureGates = map[string]bool{"NoSuchGate": true, "InPlacePodVerticalScaling": false}
	c.Cluster.Network.PodSubnets = []string{"10.244.0.0/16", "10.244.1.0/24", "10.250.0.0/26", "fd00::/56"}
	c.Cluster.Network.ServiceSubnets = []string{"10.244.128.0/29", "10.96.0.0/33"}
	c.Cluster.Network.DNSDomain = "cluster..local"
	c.Cluster.Network.CNI.Name = "flannel"
	c.Cluster.APIServer.ExtraArgs = map[string]string{"service-cluster-ip-range": "10.0.0.0/16"}
}

var kubernetesProblems = []string{
	`cluster.controlPlane.endpoint: "http://192.0.2.10:6443" must be https://host:port`,
	`cluster.featureGates["InPlacePodVerticalScaling"]: "false" cannot be set: the gate is GA and locked to true`,
	`cluster.featureGates["NoSuchGate"]: "NoSuchGate" is not a feature gate of Kubernetes v1.35.8`,
	`cluster.network.podSubnets[1]: "10.244.1.0/24" overlaps cluster.network.podSubnets[0] "10.244.0.0/16"`,
	`cluster.network.podSubnets[2]: "10.250.0.0/26" is a second range after cluster.network.podSubnets[0]`,
	`cluster.network.podSubnets[3]: "fd00::/56" is not supported: the node runs Kubernetes over IPv4 only`,
	`cluster.network.serviceSubnets[0]: "10.244.128.0/29" is too small: cluster DNS takes its tenth address (use /28 or larger)`,
	`cluster.network.serviceSubnets[0]: "10.244.128.0/29" overlaps cluster.network.podSubnets[0] "10.244.0.0/16"`,
	`cluster.network.serviceSubnets[1]: "10.96.0.0/33" is not a valid CIDR`,
	`cluster.network.dnsDomain: "cluster..local" is not a valid DNS name`,
	`cluster.network.cni.name: "flannel" is not in this image`,
	`cluster.apiServer.extraArgs["service-cluster-ip-range"]: "10.0.0.0/16" is managed by Cairn and cannot be set`,
}

// TestApplyConfigKubernetesRefused applies a configuration whose Kubernetes section is wrong
// in every mode: each call is refused naming every problem, and the node keeps its host name
// and its stored state byte for byte (but the audit log, which records the refusals).
// `cairnctl validate` refuses the same file the same way.
func TestApplyConfigKubernetesRefused(t *testing.T) {
	n := privateNode(t, "127.0.0.24", "node-k")
	admin := shared.configs[role.Admin]
	bad := variant(t, n.config, badKubernetes)
	before := stateFiles(t, n.state)
	if _, ok := before[filepath.Join(n.state, "config.yaml")]; !ok {
		t.Fatalf("no config.yaml among the node's state files %v", keys(before))
	}

	wantFail(t, "", []string{"validate", "-c", bad, "--mode", "metal"}, kubernetesProblems...)
	for _, mode := range [][]string{{"--mode", "auto"}, {"--mode", "try"}, {"--mode", "staged"}, {"--mode", "reboot"}, {"--dry-run"}} {
		args := append([]string{"apply-config", "-f", bad, "-e", "127.0.0.24"}, mode...)
		wantFail(t, admin, args, append([]string{"InvalidArgument"}, kubernetesProblems...)...)
	}
	waitFor(t, "host name unchanged", hostnameIs24(t, "node-k"))
	if after := stateFiles(t, n.state); !maps.Equal(before, after) {
		t.Errorf("refused configurations changed the node's state directory:\nbefore %v\nafter  %v", keys(before), keys(after))
	}
}

// stateFiles reads every regular file under dir but the audit log.
func stateFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == "audit":
			return filepath.SkipDir
		case !d.Type().IsRegular():
			return nil
		}
		data, err := os.ReadFile(p)
		out[p] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func keys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

func hostnameIs24(t *testing.T, want string) func() bool {
	return func() bool {
		_, out, _ := ctl(t, shared.configs[role.Reader], "get", "hostname", "hostname", "-o", "yaml", "-e", "127.0.0.24")
		return strings.Contains(out, "hostname: "+want+"\n")
	}
}
