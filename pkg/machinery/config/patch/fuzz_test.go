package patch

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// FuzzPatch parses arbitrary patch text and applies it to a generated configuration. Nothing
// may panic, the input must stay unchanged, and a patched config must encode and decode.
func FuzzPatch(f *testing.F) {
	for _, s := range []string{
		`[{"op": "add", "path": "/machine/network/hostname", "value": "cp-1"}]`,
		"- op: remove\n  path: /machine/certSANs\n",
		"machine:\n  network:\n    interfaces:\n      - name: eth0\n        vlans: [{id: 20, mtu: 1400}, {id: 30, $patch: delete}]\n",
		"machine: {sysctls: {$patch: delete}, kernel: {modules: [{name: br_netfilter}]}}",
		"apiVersion: v1alpha1\nkind: TrustedRootsConfig\nname: corp\ncertificates: x\n---\ncluster: {name: y}\n",
		"machine: {logging: {destinations: [{endpoint: 'tls://a:1', format: jsonl}]}}",
	} {
		f.Add([]byte(s))
	}
	c := base(f)
	orig := c.Clone()
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		out, err := Apply(c, []Patch{p})
		if diff := cmp.Diff(orig, c); diff != "" {
			t.Fatalf("Apply modified its input:\n%s", diff)
		}
		if err != nil {
			return
		}
		_ = out.Validate(config.ModeMetal)
		enc, err := out.Encode()
		if err != nil {
			t.Fatalf("Encode() of a patched config = %v", err)
		}
		again, err := config.Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode()) of a patched config = %v\n%s", err, enc)
		}
		if diff := cmp.Diff(out, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip differs:\n%s", diff)
		}
	})
}
