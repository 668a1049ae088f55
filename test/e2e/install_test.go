//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestISOInstall boots a node from the ISO with a blank disk into maintenance mode, applies a
// configuration naming /dev/vda and trusting the image's key, and waits until the node has
// installed itself and answers from its disk: slot A active, booted with cairn.slot=a, the
// audit trail of the maintenance boot continued and intact. It reports the install time
// (apply-config to the API answering from the disk).
func TestISOInstall(t *testing.T) {
	key, img, _ := diskImages(t)
	e := newEnv(t)
	name := "e2e-install"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	e.must("cluster", "create", "--name", name, "--boot", "iso", "--no-config", "--image", img, "--kubernetes=false", "--wait", "10m")
	console := filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name, name+"-cp1.console.log")
	fp := maintenanceFingerprint(t, console)
	endpoint := regexp.MustCompile(`127\.0\.0\.1:\d+`).FindString(e.must("cluster", "show", "--name", name))
	cfgDir := t.TempDir()
	e.must("gen", "config", name, "https://10.5.0.2:6443", "--install-disk", "/dev/vda", "--trusted-image-key", key+".pub", "-o", cfgDir)
	start := time.Now()
	out := e.must("apply-config", "--insecure", "--cert-fingerprint", fp, "-e", endpoint, "-f", filepath.Join(cfgDir, "controlplane.yaml"))
	if !strings.Contains(out, "installing to the disk") {
		t.Errorf("apply-config reply does not say the node installs:\n%s", out)
	}
	e.vars["CAIRNCONFIG"] = filepath.Join(cfgDir, "cairnconfig")
	e.must("config", "endpoint", endpoint)
	wantSlots(t, e, 15*time.Minute, "v0.1.0-e2e", "a", map[string]string{"a": "v0.1.0-e2e good", "b": " empty"})
	t.Logf("install: apply-config to the API answering from the disk: %s", time.Since(start).Round(time.Second))
	if out := e.must("dmesg"); !strings.Contains(out, "cairn.slot=a") {
		t.Errorf("dmesg has no command line with cairn.slot=a")
	}
	if data, _ := os.ReadFile(console); !strings.Contains(string(data), "install payload handed to machined") {
		t.Errorf("the console does not show /init handing the payload over")
	}
	if out := e.must("audit", "verify"); !strings.Contains(out, "intact") {
		t.Errorf("audit chain after the install:\n%s", out)
	}
	if out := e.must("audit", "log"); !strings.Contains(out, "install: STATE copied to /dev/vda") || !strings.Contains(out, "ApplyConfiguration") {
		t.Errorf("the audit log on the disk does not continue the maintenance boot's:\n%s", tail(out, 20))
	}
}

// maintenanceFingerprint waits for the maintenance-mode certificate fingerprint on the console.
func maintenanceFingerprint(t *testing.T, console string) string {
	t.Helper()
	var fp string
	waitFor(t, "maintenance fingerprint on the console", 5*time.Minute, func() error {
		data, _ := os.ReadFile(console)
		m := reFingerprint.FindSubmatch(data)
		if m == nil {
			return fmt.Errorf("no fingerprint in %s yet", console)
		}
		fp = string(m[1])
		return nil
	})
	return fp
}
