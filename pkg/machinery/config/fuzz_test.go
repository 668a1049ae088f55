package config

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"
)

// FuzzDecode feeds arbitrary bytes to Decode. Whatever decodes must validate, redact and
// encode without panicking, round-trip to an equal Config (an empty list and no list are equal), and also pass the yaml package's
// own strict decoder (so the unknown-field walker never lets through what KnownFields catches).
func FuzzDecode(f *testing.F) {
	// Small seeds: the fuzzer slows to a crawl on the 10 kB generated files.
	f.Add([]byte(`apiVersion: v1alpha1
kind: MachineConfig
machine:
  type: controlplane
  token: 2a6vie.xcm9q159ene2fz3t
  ca: {crt: Y3J0, key: a2V5}
  install: {disk: /dev/vda, wipe: true}
  network:
    hostname: cp-1
    interfaces:
      - name: eth0
        addresses: [192.0.2.10/24]
        routes: [{network: 0.0.0.0/0, gateway: 192.0.2.1, metric: 100}]
        vlans: [{id: 100, dhcp: true, mtu: 1500}]
      - {hardwareAddress: "52:54:00:12:34:56", dhcp: true}
    nameservers: [192.0.2.53]
  time: {servers: [ntp.example.org]}
  sysctls: {net.core.somaxconn: "65535"}
  kernel: {modules: [{name: nf_conntrack, parameters: [hashsize=1]}]}
  kubelet: {extraArgs: {max-pods: "250"}, nodeLabels: {a: b}, nodeTaints: {c: d:NoSchedule}}
  logging: {destinations: [{endpoint: "tls://192.0.2.1", format: jsonl, sources: [audit, kernel], queueMiB: 4}, {endpoint: "tcp://[2001:db8::1]:601", insecure: true}], apiServerAuditPolicy: "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Metadata}]\n"}
  features: {stableHostname: false, diskQuotaSupport: true}
cluster:
  id: auZ4P0-96RtuuItzpI7SR9vliC4leWg0
  secret: DNhydNZwhMqvDg02yEltt
  name: test
  kubernetesVersion: v1.35.8
  controlPlane: {endpoint: "https://192.0.2.10:6443"}
  featureGates: {AllAlpha: true, UserNamespacesSupport: false, NoSuch: true}
  network: {podSubnets: [10.244.0.0/16, "fd00::/56"], serviceSubnets: [10.96.0.0/12], dnsDomain: cluster.local, cni: {name: bridge}}
  ca: {crt: Y3J0}
  aggregatorCA: {crt: Y3J0, key: a2V5}
  serviceAccount: {key: a2V5}
  token: s2u3g8.kkmjw1syyrk95411
  aescbcEncryptionSecret: c2hvcnQ=
  etcd: {ca: {crt: Y3J0, key: a2V5}, extraArgs: {a: b}}
  apiServer: {certSANs: [k8s.example.org], extraArgs: {a: b}}
  controllerManager: {extraArgs: {a: b}}
  scheduler: {extraArgs: {a: b}}
`))
	f.Add([]byte("apiVersion: v1alpha1\nkind: MachineConfig\nmachine: {type: worker, network: {interfaces: [{name: eth0, vlans: [{id: 1}]}]}}\n"))
	f.Add([]byte("apiVersion: v1alpha1\nkind: MachineConfig\n---\napiVersion: v1alpha1\nkind: TrustedRootsConfig\nname: a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(data)
		if err != nil {
			return
		}
		_ = c.Validate(ModeMetal)
		_ = c.Validate(ModeContainer)
		_ = c.Redact()
		_ = c.WithDefaults()
		out, err := c.Encode()
		if err != nil {
			t.Fatalf("Encode() of a decoded config = %v", err)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("Decode(Encode()) = %v\n%s", err, out)
		}
		if diff := cmp.Diff(c, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("Decode(Encode()) differs (-first +second):\n%s", diff)
		}
		dec := yaml.NewDecoder(bytes.NewReader(out))
		dec.KnownFields(true)
		if err := dec.Decode(&Config{}); err != nil {
			t.Fatalf("strict yaml decode of Encode() = %v", err)
		}
	})
}
