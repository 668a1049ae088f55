package cairnctl

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/provision/qemu"
)

// TestWaitInstalledRefused: machined's refusal on the console ends the wait at once with
// the console's last lines.
func TestWaitInstalledRefused(t *testing.T) {
	console := filepath.Join(t.TempDir(), "n.console.log")
	line := `level=ERROR msg="install refused; the node keeps running from RAM" disk=/dev/vda error="install refused, nothing was written: image not signed by a trusted key"`
	if err := os.WriteFile(console, []byte("booting\n"+line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := apiWatch{node: qemu.Node{Name: "n", Console: console}, state: &qemu.State{}}
	start := time.Now()
	err := w.waitInstalled(context.Background(), io.Discard, "127.0.0.1:1", nil, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "node n: install refused; last console lines") || !strings.Contains(err.Error(), "not signed by a trusted key") {
		t.Errorf("waitInstalled = %v; want the refusal with the console lines", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("waitInstalled took %s to see the refusal", time.Since(start))
	}
}
