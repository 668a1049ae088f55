package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"empty", "", "no documents: want a MachineConfig document"},
		{"not YAML", "a: [", "document 1: line 1: did not find expected node content"},
		{"first kind", "apiVersion: v1alpha1\nkind: TrustedRootsConfig\n",
			`document 1: apiVersion "v1alpha1" kind "TrustedRootsConfig": the first document must be apiVersion v1alpha1 kind MachineConfig`},
		{"unknown kind", "apiVersion: v1alpha1\nkind: MachineConfig\n---\napiVersion: v1alpha1\nkind: Files\n",
			`document 2: unknown kind "Files" (apiVersion "v1alpha1")`},
		{"second MachineConfig", "apiVersion: v1alpha1\nkind: MachineConfig\n---\napiVersion: v1alpha1\nkind: MachineConfig\n",
			"document 2: only the first document may be a MachineConfig"},
		{"unknown field", "apiVersion: v1alpha1\nkind: MachineConfig\nmachine:\n  network:\n    interfaces:\n      - name: eth0\n        dhcpp: true\n",
			`document 1: machine.network.interfaces[0]: unknown field "dhcpp" (line 7)`},
		{"unknown top field", "apiVersion: v1alpha1\nkind: MachineConfig\nfiles: []\n",
			`document 1: (root): unknown field "files" (line 3)`},
		{"unknown PEMPair field", "apiVersion: v1alpha1\nkind: MachineConfig\nmachine:\n  ca:\n    cert: x\n",
			`document 1: machine.ca: unknown field "cert" (line 5)`},
		{"unknown field in document", "apiVersion: v1alpha1\nkind: MachineConfig\n---\napiVersion: v1alpha1\nkind: TrustedRootsConfig\nname: a\ncerts: x\n",
			`document 2: (root): unknown field "certs" (line 7)`},
		{"wrong type", "apiVersion: v1alpha1\nkind: MachineConfig\nmachine:\n  network:\n    interfaces:\n      - mtu: big\n",
			`document 1: machine.network.interfaces[0].mtu: "big" must be an integer (line 6)`},
		{"wrong shapes", "apiVersion: v1alpha1\nkind: MachineConfig\nmachine:\n  certSANs: a\n  sysctls: [a]\n  install: {wipe: maybe, disk: [x]}\n" +
			"  network: {interfaces: [{routes: [{metric: -1}]}]}\ncluster: 7\n",
			`document 1: machine.certSANs: must be a list, not "a" (line 4)` + "\n" +
				`document 1: machine.sysctls: must be a mapping, not a list (line 5)` + "\n" +
				`document 1: machine.install.wipe: "maybe" must be true or false (line 6)` + "\n" +
				`document 1: machine.install.disk: must be a string, not a list (line 6)` + "\n" +
				`document 1: machine.network.interfaces[0].routes[0].metric: "-1" must be an integer from 0 to 4294967295 (line 7)` + "\n" +
				`document 1: cluster: must be a mapping, not "7" (line 8)`},
		{"aliases walked once", "apiVersion: v1alpha1\nkind: MachineConfig\nmachine:\n  certSANs: &a [a, b]\n  network: {nameservers: *a}\n  time: {servers: *a, bad: 1}\n",
			`document 1: machine.time: unknown field "bad" (line 6)`},
		{"bad base64", "apiVersion: v1alpha1\nkind: MachineConfig\nmachine:\n  ca:\n    crt: '!!'\n",
			"document 1: machine.ca.crt: must be a base64 string of PEM text (line 5)"},
		{"all problems", "apiVersion: v1alpha1\nkind: MachineConfig\nmachine:\n  x: 1\ncluster:\n  y: 2\n",
			"document 1: machine: unknown field \"x\" (line 4)\ndocument 1: cluster: unknown field \"y\" (line 6)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.yaml))
			if err == nil || err.Error() != tc.want {
				t.Errorf("Decode(%q) = %v, want %q", tc.yaml, err, tc.want)
			}
		})
	}
}

// TestRoundTrip checks that Decode(Encode(c)) == c for a configuration that sets every field.
func TestRoundTrip(t *testing.T) {
	c := fullConfig(t)
	data, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode(Encode()) = %v\n%s", err, data)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("Decode(Encode()) differs (-want +got):\n%s", diff)
	}
	golden(t, "full.yaml", data)
}

// TestDecodeSkipsEmptyDocuments checks that "---" separators around nothing are harmless.
func TestDecodeSkipsEmptyDocuments(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "worker.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode([]byte("---\n" + string(data) + "---\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Machine.Type != TypeWorker || len(c.Documents) != 0 {
		t.Errorf("Decode() = type %q, %d documents; want worker, 0", c.Machine.Type, len(c.Documents))
	}
}

func TestLoad(t *testing.T) {
	if _, err := Load(filepath.Join("testdata", "controlplane.yaml")); err != nil {
		t.Errorf("Load() = %v", err)
	}
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if err == nil || !strings.Contains(err.Error(), "read config") {
		t.Errorf("Load(missing) = %v, want a read error", err)
	}
}

// TestDecodeAliasBomb checks that aliases nested through interfaces, VLANs and routes (27
// million routes when expanded) are walked once, not expanded, and that the yaml decoder
// refuses them.
func TestDecodeAliasBomb(t *testing.T) {
	refs := func(name string) string { return strings.Repeat(", *"+name, 299) }
	doc := "apiVersion: v1alpha1\nkind: MachineConfig\nmachine:\n  network:\n    interfaces: [" +
		"&i {name: eth0, vlans: [&v {id: 1, routes: [&r {network: 10.0.0.0/8}" + refs("r") + "]}" + refs("v") + "]}" +
		refs("i") + "]\n"
	_, err := Decode([]byte(doc))
	if err == nil || !strings.Contains(err.Error(), "excessive aliasing") {
		t.Errorf("Decode(alias bomb) = %v, want the yaml decoder to refuse excessive aliasing", err)
	}
}

// TestDecodeRefusesTooLarge: a configuration beyond MaxSize is refused before it is parsed.
func TestDecodeRefusesTooLarge(t *testing.T) {
	data := []byte("machine:\n  network:\n    hostname: " + strings.Repeat("x", MaxSize) + "\n")
	_, err := Decode(data)
	want := "the configuration is 1048611 bytes, more than the limit of 1048576 bytes (1 MiB)"
	if err == nil || err.Error() != want {
		t.Errorf("Decode(%d bytes) = %v, want %q", len(data), err, want)
	}
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "more than the limit of 1048576 bytes") {
		t.Errorf("Load(%d bytes) = %v, want the limit named", len(data), err)
	}
}
