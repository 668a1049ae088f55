package integration

import (
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// TestUnreachableNodeNamed: a single -n target that does not answer is named in the error,
// plainly, and the client's version is not printed before it.
func TestUnreachableNodeNamed(t *testing.T) {
	code, out, errOut := ctl(t, shared.configs[role.Reader], "version", "-n", "127.0.0.9")
	if code == 0 {
		t.Fatalf("version -n 127.0.0.9 succeeded:\n%s", out)
	}
	if out != "" {
		t.Errorf("version -n 127.0.0.9 printed before failing:\n%s", out)
	}
	wantContains(t, "version -n 127.0.0.9 errors", errOut, "error: node 127.0.0.9: unreachable")
}
