package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

// validationCase is one rule of Validate: a mutation of a valid generated configuration and
// the exact problems it must produce.
type validationCase struct {
	name   string
	worker bool // mutate the worker config instead of the control-plane one
	mode   Mode
	mutate func(c *Config)
	want   []string
}

func iface(c *Config) *InterfaceConfig {
	c.Machine.Network.Interfaces = []InterfaceConfig{{Name: "eth0"}}
	return &c.Machine.Network.Interfaces[0]
}

var machineCases = []validationCase{
	{name: "apiVersion", mutate: func(c *Config) { c.APIVersion = "v1" }, want: []string{`apiVersion: "v1" must be v1alpha1`}},
	{name: "kind", mutate: func(c *Config) { c.Kind = "Machine" }, want: []string{`kind: "Machine" must be MachineConfig`}},
	{name: "type", mutate: func(c *Config) { c.Machine.Type = "master" }, want: []string{`machine.type: "master" must be controlplane or worker`}},
	{name: "token required", mutate: func(c *Config) { c.Machine.Token = "" }, want: []string{`machine.token: "" is required`}},
	{name: "token short", mutate: func(c *Config) { c.Machine.Token = "abc" }, want: []string{`machine.token: "******" must match [a-z0-9]{6}.[a-z0-9]{16}`}},
	{name: "token long without a dot", mutate: func(c *Config) { c.Machine.Token = "this is no join token" }, want: []string{`machine.token: "******" must match [a-z0-9]{6}.[a-z0-9]{16}`}},
	{name: "token upper case", mutate: func(c *Config) { c.Machine.Token = "ABCDEF.0123456789abcdef" }, want: []string{`machine.token: "******" must match [a-z0-9]{6}.[a-z0-9]{16}`}},
	{name: "ca crt required", worker: true, mutate: func(c *Config) { c.Machine.CA.Crt = nil }, want: []string{`machine.ca.crt: "" is required`}},
	{name: "ca key on worker", worker: true, mutate: func(c *Config) { c.Machine.CA.Key = []byte("k") }, want: []string{
		`machine.ca.key: "******" must be empty on a worker`, `machine.ca.key: "******" is not a PEM ECDSA P-256 private key: no PEM private key block found`}},
	{name: "ca key required", mutate: func(c *Config) { c.Machine.CA.Key = nil }, want: []string{`machine.ca.key: "" is required on a controlplane`}},
	{name: "ca crt not PEM", mutate: func(c *Config) { c.Machine.CA.Crt = []byte("nope") }, want: []string{
		`machine.ca.crt: "nope" is not a PEM certificate: no PEM CERTIFICATE block found`, `machine.ca.key: "******" does not match the certificate in crt`}},
	{name: "ca key mismatch", mutate: func(c *Config) { c.Machine.CA.Key = c.Cluster.CA.Key }, want: []string{`machine.ca.key: "******" does not match the certificate in crt`}},
	{name: "certSANs", mutate: func(c *Config) { c.Machine.CertSANs = []string{"ok.example", "bad name"} }, want: []string{`machine.certSANs[1]: "bad name" is not a DNS name or IP address`}},
	{name: "install disk required", mutate: func(c *Config) { c.Machine.Install.Disk = "" }, want: []string{`machine.install.disk: "" is required in metal mode (or machine.install.diskSelector)`}},
	{name: "install disk container", mode: ModeContainer, mutate: func(c *Config) { c.Machine.Install.Disk = "" }},
	{name: "install disk path", mutate: func(c *Config) { c.Machine.Install.Disk = "sda" }, want: []string{`machine.install.disk: "sda" must be an absolute path under /dev/`}},
	{name: "install disk selector", mutate: func(c *Config) { c.Machine.Install = InstallConfig{DiskSelector: DiskSelector{Size: ">= 8GiB"}} }},
	{name: "install disk selector bad", mutate: func(c *Config) {
		c.Machine.Install = InstallConfig{DiskSelector: DiskSelector{Size: "8 GiBs", Model: "[x"}}
	}, want: []string{`machine.install.diskSelector.size: "8 GiBs" is not a disk size (want an optional <= or >=, a whole number and a unit: B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)`, `machine.install.diskSelector.model: "[x" is not a valid glob pattern`}},
	{name: "trusted keys", mutate: func(c *Config) {
		c.Machine.Upgrade.TrustedKeys = []pki.PEMBytes{pki.PEMBytes("junk"), testPublicKey, testPublicKey}
	}, want: []string{`machine.upgrade.trustedKeys[0]: "4 bytes" is not a PEM ECDSA P-256 public key: no PEM PUBLIC KEY block found`,
		fmt.Sprintf(`machine.upgrade.trustedKeys[2]: "%d bytes" duplicates machine.upgrade.trustedKeys[1]`, len(testPublicKey))}},
	{name: "trial minutes", mutate: func(c *Config) { c.Machine.Upgrade.TrialMinutes = 1 }, want: []string{`machine.upgrade.trialMinutes: "1" must be from 2 to 120 (minutes)`}},
	{name: "hostname", mutate: func(c *Config) { c.Machine.Network.Hostname = "-bad-" }, want: []string{`machine.network.hostname: "-bad-" is not a valid host name`}},
	{name: "interface selector missing", mutate: func(c *Config) { iface(c).Name = "" }, want: []string{`machine.network.interfaces[0]: "" must set name or hardwareAddress`}},
	{name: "interface selector both", mutate: func(c *Config) { iface(c).HardwareAddress = "52:54:00:12:34:56" }, want: []string{`machine.network.interfaces[0].name: "eth0" must not be set together with hardwareAddress`}},
	{name: "interface name", mutate: func(c *Config) { iface(c).Name = "a/b" }, want: []string{`machine.network.interfaces[0].name: "a/b" is not a valid interface name`}},
	{name: "interface mac", mutate: func(c *Config) { i := iface(c); i.Name, i.HardwareAddress = "", "52:54:00" }, want: []string{`machine.network.interfaces[0].hardwareAddress: "52:54:00" is not a valid MAC address`}},
	{name: "interface duplicate", mutate: func(c *Config) {
		c.Machine.Network.Interfaces = []InterfaceConfig{{Name: "eth0"}, {Name: "eth0"}}
	}, want: []string{`machine.network.interfaces[1].name: "eth0" duplicates machine.network.interfaces[0].name`}},
	{name: "address CIDR", mutate: func(c *Config) { iface(c).Addresses = []string{"10.0.0.2/24", "10.0.0.1/33"} }, want: []string{`machine.network.interfaces[0].addresses[1]: "10.0.0.1/33" is not a valid CIDR`}},
	{name: "route network required", mutate: func(c *Config) { iface(c).Routes = []RouteConfig{{Gateway: "10.0.0.1"}} }, want: []string{`machine.network.interfaces[0].routes[0].network: "" is required`}},
	{name: "route network CIDR", mutate: func(c *Config) { iface(c).Routes = []RouteConfig{{Network: "default"}} }, want: []string{`machine.network.interfaces[0].routes[0].network: "default" is not a valid CIDR`}},
	{name: "route network address", mutate: func(c *Config) { iface(c).Routes = []RouteConfig{{Network: "10.1.2.3/8"}} }, want: []string{`machine.network.interfaces[0].routes[0].network: "10.1.2.3/8" is not a network address (want 10.0.0.0/8)`}},
	{name: "route gateway", mutate: func(c *Config) { iface(c).Routes = []RouteConfig{{Network: "0.0.0.0/0", Gateway: "gw"}} }, want: []string{`machine.network.interfaces[0].routes[0].gateway: "gw" is not a valid IP address`}},
	{name: "route gateway family", mutate: func(c *Config) { iface(c).Routes = []RouteConfig{{Network: "0.0.0.0/0", Gateway: "2001:db8::1"}} }, want: []string{`machine.network.interfaces[0].routes[0].gateway: "2001:db8::1" is not of the same address family as network`}},
	{name: "mtu", mutate: func(c *Config) { iface(c).MTU = 67 }, want: []string{`machine.network.interfaces[0].mtu: "67" must be 0 or between 68 and 65535`}},
	{name: "vlan id", mutate: func(c *Config) { iface(c).VLANs = []VLANConfig{{ID: 4095}} }, want: []string{`machine.network.interfaces[0].vlans[0].id: "4095" must be between 1 and 4094`}},
	{name: "vlan duplicate", mutate: func(c *Config) { iface(c).VLANs = []VLANConfig{{ID: 7}, {ID: 7}} }, want: []string{`machine.network.interfaces[0].vlans[1].id: "7" duplicates machine.network.interfaces[0].vlans[0].id`}},
	{name: "vlan link", mutate: func(c *Config) {
		iface(c).VLANs = []VLANConfig{{ID: 7, Addresses: []string{"x"}, MTU: 70000, Routes: []RouteConfig{{Network: "::/0", Gateway: "10.0.0.1"}}}}
	}, want: []string{
		`machine.network.interfaces[0].vlans[0].addresses[0]: "x" is not a valid CIDR`,
		`machine.network.interfaces[0].vlans[0].routes[0].gateway: "10.0.0.1" is not of the same address family as network`,
		`machine.network.interfaces[0].vlans[0].mtu: "70000" must be 0 or between 68 and 65535`}},
	{name: "nameservers", mutate: func(c *Config) { c.Machine.Network.Nameservers = []string{"dns.example"} }, want: []string{`machine.network.nameservers[0]: "dns.example" is not a valid IP address`}},
	{name: "time servers", mutate: func(c *Config) { c.Machine.Time.Servers = []string{"ntp_1"} }, want: []string{`machine.time.servers[0]: "ntp_1" is not a DNS name or IP address`}},
	{name: "sysctl name", mutate: func(c *Config) { c.Machine.Sysctls = map[string]string{"Net.x": "1"} }, want: []string{`machine.sysctls["Net.x"]: "Net.x" is not a valid sysctl name`}},
	{name: "sysctl value", mutate: func(c *Config) { c.Machine.Sysctls = map[string]string{"net.core.somaxconn": ""} }, want: []string{`machine.sysctls["net.core.somaxconn"]: "" must be a non-empty single line`}},
	{name: "module name required", mutate: func(c *Config) { c.Machine.Kernel.Modules = []KernelModuleConfig{{}} }, want: []string{`machine.kernel.modules[0].name: "" is required`}},
	{name: "module name", mutate: func(c *Config) { c.Machine.Kernel.Modules = []KernelModuleConfig{{Name: "../x"}} }, want: []string{`machine.kernel.modules[0].name: "../x" is not a valid module name`}},
	{name: "module duplicate", mutate: func(c *Config) { c.Machine.Kernel.Modules = []KernelModuleConfig{{Name: "a"}, {Name: "a"}} }, want: []string{`machine.kernel.modules[1].name: "a" duplicates machine.kernel.modules[0].name`}},
	{name: "module parameter", mutate: func(c *Config) {
		c.Machine.Kernel.Modules = []KernelModuleConfig{{Name: "a", Parameters: []string{"x"}}}
	}, want: []string{`machine.kernel.modules[0].parameters[0]: "x" must be name=value`}},
	{name: "modules container", mode: ModeContainer, mutate: func(c *Config) { c.Machine.Kernel.Modules = []KernelModuleConfig{{Name: "../x"}} }},
	{name: "kubelet flag name", mutate: func(c *Config) { c.Machine.Kubelet.ExtraArgs = map[string]string{"--v": "2"} }, want: []string{`machine.kubelet.extraArgs["--v"]: "--v" is not a valid flag name`}},
	{name: "kubelet managed flag", mutate: func(c *Config) { c.Machine.Kubelet.ExtraArgs = map[string]string{"kubeconfig": "/x"} }, want: []string{`machine.kubelet.extraArgs["kubeconfig"]: "/x" is managed by Cairn and cannot be set`}},
	{name: "label key", mutate: func(c *Config) { c.Machine.Kubelet.NodeLabels = map[string]string{"a/b/c": "x"} }, want: []string{`machine.kubelet.nodeLabels["a/b/c"]: "a/b/c" is not a valid label key`}},
	{name: "label value", mutate: func(c *Config) { c.Machine.Kubelet.NodeLabels = map[string]string{"zone": "a b"} }, want: []string{`machine.kubelet.nodeLabels["zone"]: "a b" is not a valid label value`}},
	{name: "taint key", mutate: func(c *Config) { c.Machine.Kubelet.NodeTaints = map[string]string{"-x": ":NoSchedule"} }, want: []string{`machine.kubelet.nodeTaints["-x"]: "-x" is not a valid taint key`}},
	{name: "taint value", mutate: func(c *Config) { c.Machine.Kubelet.NodeTaints = map[string]string{"gpu": "true:Never"} }, want: []string{`machine.kubelet.nodeTaints["gpu"]: "true:Never" must be [value]:NoSchedule, [value]:PreferNoSchedule or [value]:NoExecute`}},
	{name: "audit retention too small", mutate: func(c *Config) { c.Machine.Logging.AuditRetentionMiB = 4 },
		want: []string{`machine.logging.auditRetentionMiB: "4" must be from 8 to 4096 (MiB)`}},
	{name: "audit retention too large", mutate: func(c *Config) { c.Machine.Logging.AuditRetentionMiB = 5000 },
		want: []string{`machine.logging.auditRetentionMiB: "5000" must be from 8 to 4096 (MiB)`}},
}

// allCases returns every validation case.
func allCases() []validationCase {
	return slices.Concat(machineCases, clusterCases, kubernetesCases, loggingCases)
}

func TestValidateRules(t *testing.T) {
	for _, tc := range allCases() {
		t.Run(tc.name, func(t *testing.T) {
			cp, w := testConfigs(t)
			c := cp
			if tc.worker {
				c = w
			}
			tc.mutate(c)
			if diff := cmp.Diff(tc.want, problems(c.Validate(tc.mode))); diff != "" {
				t.Errorf("Validate(%v) problems differ (-want +got):\n%s", tc.mode, diff)
			}
		})
	}
}

// problems returns the lines of a validation error, nil for no error.
func problems(err error) []string {
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return []string{"not a *ValidationError: " + err.Error()}
	}
	return strings.Split(ve.Error(), "\n")
}

func TestValidateGenerated(t *testing.T) {
	cp, w := testConfigs(t)
	for _, c := range []*Config{cp, w, cp.WithDefaults(), w.WithDefaults()} {
		for _, mode := range []Mode{ModeMetal, ModeContainer} {
			if err := c.Validate(mode); err != nil {
				t.Errorf("%s config: Validate(%v) = %v", c.Machine.Type, mode, err)
			}
		}
	}
}

// TestValidateCollectsAll checks that a configuration with many problems reports every one of
// them, not just the first.
func TestValidateCollectsAll(t *testing.T) {
	cp, _ := testConfigs(t)
	cp.Machine.Type = "x"
	cp.Machine.Network.Hostname = "a..b"
	cp.Machine.Network.Interfaces = []InterfaceConfig{{Name: "eth0", Addresses: []string{"1", "2"}, MTU: 1}}
	cp.Cluster.Name = ""
	cp.Cluster.Network.CNI.Name = "calico"
	cp.Cluster.Token = ""
	const n = 8
	got := problems(cp.Validate(ModeMetal))
	if len(got) != n {
		t.Errorf("Validate() reported %d problems, want %d:\n%s", len(got), n, strings.Join(got, "\n"))
	}
}
