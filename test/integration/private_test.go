package integration

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// privateNode starts a node of its own for a test that changes it; with a hostname it gets a
// control-plane configuration from the shared secrets, without one it starts in maintenance.
func privateNode(t *testing.T, ip, hostname string) *node {
	t.Helper()
	dir := t.TempDir()
	cfg := ""
	if hostname != "" {
		var err error
		if cfg, err = writeNodeConfig(shared.bundle, dir, hostname); err != nil {
			t.Fatal(err)
		}
	}
	n := startNode(t, ip, filepath.Join(dir, "state"), cfg)
	if hostname != "" {
		if err := waitReady(n, shared.configs[role.Admin]); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

var fingerprintRE = regexp.MustCompile(`fingerprint:\n  ([0-9a-f]{64})\n`)

// fingerprint waits for the node to print its maintenance-mode certificate fingerprint.
func (n *node) fingerprint(t *testing.T) string {
	t.Helper()
	var fp string
	waitFor(t, "the maintenance fingerprint on the console", func() bool {
		m := fingerprintRE.FindAllStringSubmatch(n.out.String(), -1)
		if len(m) > 0 {
			fp = m[len(m)-1][1]
		}
		return fp != ""
	})
	return fp
}
