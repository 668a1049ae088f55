package integration

import (
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/role"
)

func TestVersion(t *testing.T) {
	out := mustCtl(t, shared.configs[role.Reader], "version")
	for _, want := range []string{"Client:", "Node node-a", "container mode, configured"} {
		if !strings.Contains(out, want) {
			t.Errorf("cairnctl version output lacks %q:\n%s", want, out)
		}
	}
}

func TestVersionProxiedToBothNodes(t *testing.T) {
	out := mustCtl(t, shared.configs[role.Auditor], "version", "-n", "127.0.0.2,127.0.0.3")
	for _, want := range []string{"Node 127.0.0.2 (node-a", "Node 127.0.0.3 (node-b"} {
		if !strings.Contains(out, want) {
			t.Errorf("cairnctl version -n output lacks %q:\n%s", want, out)
		}
	}
}
