package patch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// base returns the generated control-plane configuration with two interfaces and sysctls.
func base(t testing.TB) *config.Config {
	t.Helper()
	c, err := config.Load(filepath.Join("..", "testdata", "controlplane.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c.Machine.Network.Interfaces = []config.InterfaceConfig{
		{Name: "eth0", DHCP: true, Addresses: []string{"192.0.2.10/24"}, VLANs: []config.VLANConfig{{ID: 10, DHCP: true}, {ID: 20}}},
		{HardwareAddress: "52:54:00:00:00:01", MTU: 9000},
	}
	c.Machine.Sysctls = map[string]string{"net.core.somaxconn": "1024"}
	c.Machine.CertSANs = []string{"a.example"}
	return c
}

func apply(t *testing.T, patches ...string) (*config.Config, error) {
	t.Helper()
	var ps []Patch
	for _, s := range patches {
		p, err := Load(s)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return Apply(base(t), ps)
}

func TestApply(t *testing.T) {
	for _, tc := range []struct {
		name    string
		patches []string
		check   func(c *config.Config) any // returns the part of the result to compare
		want    any
	}{
		{"json patch", []string{`[{"op": "add", "path": "/machine/network/hostname", "value": "cp-1"}]`},
			func(c *config.Config) any { return c.Machine.Network.Hostname }, "cp-1"},
		{"json patch in YAML", []string{"- op: replace\n  path: /machine/network/interfaces/1/mtu\n  value: 1500\n- op: remove\n  path: /machine/certSANs\n"},
			func(c *config.Config) any { return []any{c.Machine.Network.Interfaces[1].MTU, c.Machine.CertSANs} }, []any{1500, []string(nil)}},
		{"json patch big integer", []string{`[{"op": "add", "path": "/machine/network/interfaces/0/routes", "value": [{"network": "0.0.0.0/0", "metric": 4000000000}]}]`},
			func(c *config.Config) any { return c.Machine.Network.Interfaces[0].Routes[0].Metric }, uint32(4000000000)},
		{"maps merge", []string{"machine:\n  network:\n    hostname: cp-1\n  sysctls:\n    net.ipv4.ip_forward: \"1\"\n"},
			func(c *config.Config) any {
				return []any{c.Machine.Network.Hostname, c.Machine.Sysctls, c.Machine.Type}
			},
			[]any{"cp-1", map[string]string{"net.core.somaxconn": "1024", "net.ipv4.ip_forward": "1"}, "controlplane"}},
		{"other lists replace", []string{"machine:\n  certSANs: [b.example]\n"},
			func(c *config.Config) any { return c.Machine.CertSANs }, []string{"b.example"}},
		{"interfaces merge by name", []string{"machine:\n  network:\n    interfaces:\n      - name: eth0\n        addresses: [198.51.100.1/24]\n      - name: eth2\n        dhcp: true\n"},
			func(c *config.Config) any { return c.Machine.Network.Interfaces }, []config.InterfaceConfig{
				{Name: "eth0", DHCP: true, Addresses: []string{"198.51.100.1/24"}, VLANs: []config.VLANConfig{{ID: 10, DHCP: true}, {ID: 20}}},
				{HardwareAddress: "52:54:00:00:00:01", MTU: 9000},
				{Name: "eth2", DHCP: true},
			}},
		{"interfaces merge by hardware address", []string{"machine:\n  network:\n    interfaces:\n      - hardwareAddress: 52:54:00:00:00:01\n        dhcp: true\n"},
			func(c *config.Config) any { return c.Machine.Network.Interfaces[1] }, config.InterfaceConfig{HardwareAddress: "52:54:00:00:00:01", MTU: 9000, DHCP: true}},
		{"vlans merge by id", []string{"machine:\n  network:\n    interfaces:\n      - name: eth0\n        vlans: [{id: 20, mtu: 1400}, {id: 30}]\n"},
			func(c *config.Config) any { return c.Machine.Network.Interfaces[0].VLANs },
			[]config.VLANConfig{{ID: 10, DHCP: true}, {ID: 20, MTU: 1400}, {ID: 30}}},
		{"delete list element and map key", []string{"machine:\n  network:\n    interfaces:\n      - name: eth0\n        $patch: delete\n  sysctls:\n    $patch: delete\n"},
			func(c *config.Config) any { return []any{len(c.Machine.Network.Interfaces), c.Machine.Sysctls} }, []any{1, map[string]string(nil)}},
		{"patches apply in order", []string{"machine: {network: {hostname: a}}", `[{"op": "replace", "path": "/machine/network/hostname", "value": "b"}]`},
			func(c *config.Config) any { return c.Machine.Network.Hostname }, "b"},
		{"further document appended then merged", []string{
			"apiVersion: v1alpha1\nkind: TrustedRootsConfig\nname: corp\ncertificates: x\n",
			"apiVersion: v1alpha1\nkind: TrustedRootsConfig\nname: corp\ncertificates: y\n---\nmachine: {network: {hostname: z}}\n"},
			func(c *config.Config) any { return []any{c.Documents, c.Machine.Network.Hostname} },
			[]any{[]config.Document{&config.TrustedRootsConfig{APIVersion: "v1alpha1", Kind: "TrustedRootsConfig", Name: "corp", Certificates: "y"}}, "z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := apply(t, tc.patches...)
			if err != nil {
				t.Fatalf("Apply(%q) = %v", tc.patches, err)
			}
			if diff := cmp.Diff(tc.want, tc.check(c)); diff != "" {
				t.Errorf("Apply(%q) differs (-want +got):\n%s", tc.patches, diff)
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	for _, tc := range []struct {
		name, patch, want string
	}{
		{"unknown field", "machine:\n  network:\n    hostnam: x\n",
			`patch inline patch document 1: machine.network: unknown field "hostnam" (line 3)`},
		{"wrong type", "machine:\n  network:\n    interfaces: {name: eth0}\n",
			"patch inline patch document 1: machine.network.interfaces: must be a list, not a mapping (line 3)"},
		{"unknown kind", "apiVersion: v1alpha1\nkind: Files\n", `patch inline patch document 1: unknown kind "Files" (apiVersion "v1alpha1")`},
		{"bad directive", "machine:\n  $patch: replace\n", `patch inline patch document 1: line 2: $patch: "replace": the only directive is delete`},
		{"not a mapping", "hello\n", "patch inline patch document 1: want a mapping (a partial config document)"},
		{"empty", "\n", "patch inline patch is empty"},
		{"not YAML", "a: [", "patch inline patch: yaml: line 1: did not find expected node content"},
		{"json op missing", `[{"path": "/machine"}]`, "JSON patch inline patch: operation 1 has no op"},
		{"json path missing", `[{"op": "remove", "path": "/machine/nothing"}]`,
			"JSON patch inline patch: error in remove for path: '/machine/nothing': unable to remove nonexistent key: nothing: missing value"},
		{"json unknown field", `[{"op": "add", "path": "/machine/files", "value": []}]`,
			`patched config: document 1: machine: unknown field "files" (line 38)`},
		{"missing file", "@/nonexistent/patch.yaml", "read patch: open /nonexistent/patch.yaml: no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := apply(t, tc.patch)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Apply(%q) = %v, want %q", tc.patch, err, tc.want)
			}
		})
	}
}

// TestApplyDoesNotModify checks that the input configuration is left alone.
func TestApplyDoesNotModify(t *testing.T) {
	c := base(t)
	p, err := Parse("p", []byte("machine: {network: {hostname: x}}"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(c, []Patch{p}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(base(t), c); diff != "" {
		t.Errorf("Apply modified its input:\n%s", diff)
	}
}

// TestPatchToInvalidConfig shows what callers rely on: Apply does not validate, Validate of
// the result names the patched field.
func TestPatchToInvalidConfig(t *testing.T) {
	c, err := apply(t, "machine: {network: {interfaces: [{name: eth0, addresses: [10.0.0.1/33]}]}}")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate(config.ModeMetal)
	want := `machine.network.interfaces[0].addresses[0]: "10.0.0.1/33" is not a valid CIDR`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Validate() = %v, want it to contain %q", err, want)
	}
}

func TestLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(path, []byte("machine: {network: {hostname: from-file}}"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := apply(t, "@"+path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Machine.Network.Hostname != "from-file" {
		t.Errorf("hostname = %q, want from-file", c.Machine.Network.Hostname)
	}
	if _, err := LoadAll([]string{"a: [", "machine: {}", "@" + path + ".missing"}); err == nil || strings.Count(err.Error(), "\n") != 1 {
		t.Errorf("LoadAll() = %v, want two errors", err)
	}
}

// copyBomb is a JSON patch of n copy operations, each doubling the MachineConfig's size.
func copyBomb(n int) string {
	var ops []string
	for i := range n {
		ops = append(ops, fmt.Sprintf(`{"op": "copy", "from": "/machine", "path": "/machine/sysctls/c%d"}`, i))
	}
	return "[" + strings.Join(ops, ",") + "]"
}

// TestLimits: a patch too large, with too many operations, or growing the configuration
// beyond config.MaxSize is refused with the limit in the message.
func TestLimits(t *testing.T) {
	tooMany := "[" + strings.Repeat(`{"op": "test", "path": "/machine/type", "value": "controlplane"},`, MaxOperations) + `{"op": "test", "path": "/machine/type", "value": "controlplane"}]`
	for _, tc := range []struct{ name, patch, want string }{
		{"too large", "machine: {network: {hostname: " + strings.Repeat("x", config.MaxSize) + "}}",
			"patch inline patch is 1048608 bytes, more than the limit of 1048576 bytes (1 MiB)"},
		{"too many operations", tooMany, "JSON patch inline patch has 1001 operations, more than the limit of 1000"},
		{"too many copies", copyBomb(33), "JSON patch inline patch has 33 copy operations, more than the limit of 32"},
		{"copies", copyBomb(12), "JSON patch inline patch: the MachineConfig after operation 10 is 1438691 bytes, more than the limit of 1048576 bytes (1 MiB)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := apply(t, tc.patch)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("apply = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
