//go:build e2e

package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairn-os/cairn/internal/provision/qemu"
)

// TestClusterLifecycle creates a one-node cluster, talks to its mTLS API, reboots it through
// the API, sees it come back, and destroys it without leaving anything behind.
func TestClusterLifecycle(t *testing.T) {
	img := buildImage(t)
	e := newEnv(t)
	name := "e2e"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	out := e.must("cluster", "create", "--name", name, "--kubernetes=false", "--image", img, "--wait", "5m")
	if !strings.Contains(out, "API answers") {
		t.Fatalf("cluster create did not report the API answering:\n%s", out)
	}
	v := e.must("version")
	if !strings.Contains(v, "metal mode, configured") {
		t.Errorf("version does not show a configured metal node:\n%s", v)
	}
	svc := e.must("services")
	for _, s := range []string{"apid", "trustd", "Running"} {
		if !strings.Contains(svc, s) {
			t.Errorf("services lacks %q:\n%s", s, svc)
		}
	}
	checkSandboxed(t, e)
	if logs := e.must("logs", "machined"); !strings.Contains(logs, "boot done") {
		t.Errorf("machined logs lack the boot phases:\n%s", logs)
	}
	if dmesg := e.must("dmesg"); !strings.Contains(dmesg, "Linux version 6.1") {
		t.Errorf("dmesg lacks the kernel banner:\n%.2000s", dmesg)
	}
	show := e.must("cluster", "show", "--name", name)
	if !strings.Contains(show, "10.5.0.2") || !strings.Contains(show, "running (pid") {
		t.Errorf("cluster show lacks the running node:\n%s", show)
	}

	// Nothing of the cluster listens on or talks from a host address but loopback: the
	// daemon's host sockets are its API forwards, QEMU has none.
	st, err := qemu.LoadState(filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name))
	if err != nil {
		t.Fatal(err)
	}
	for _, pid := range []int{st.DaemonPID, st.QEMU[name+"-cp1"]} {
		socks, err := hostSockets(pid)
		if err != nil {
			t.Fatal(err)
		}
		if err := onlyLoopback(socks); err != nil {
			t.Errorf("pid %d: %v (all: %q)", pid, err, socks)
		}
		if pid == st.DaemonPID && len(socks) == 0 {
			t.Errorf("the daemon holds no host socket; its API forward should be one")
		}
	}

	// A reboot through the API restarts the kernel: the console shows a second boot, then the
	// API answers again.
	consoleLog := filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name, name+"-cp1.console.log")
	e.must("reboot")
	waitBoots(t, e, consoleLog, 2)

	// The ACPI power button powers the node off: its QEMU process exits.
	state := filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name)
	if err := qemu.PowerButton(state, name+"-cp1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "power off after the ACPI power button", 2*time.Minute, func() error {
		st, err := qemu.LoadState(state)
		if err != nil {
			return err
		}
		if st.Running(name + "-cp1") {
			return errors.New("QEMU still running")
		}
		return nil
	})
	if data, _ := os.ReadFile(filepath.Join(state, name+"-cp1.console.log")); !strings.Contains(string(data), "power button pressed") {
		t.Errorf("console log does not show the power button being handled")
	}

	if out := e.must("cluster", "destroy", "--name", name); !strings.Contains(out, `context "`+name+`" removed`) {
		t.Errorf("cluster destroy did not remove the context cluster create added:\n%s", out)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state directory %s still exists after destroy (%v)", state, err)
	}
	if _, err := os.Stat("/run/netns/cairn-" + name); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("network namespace cairn-%s still exists after destroy", name)
	}
}

var reFingerprint = regexp.MustCompile(`cert-fingerprint ([0-9a-f]{64})`)

// TestMaintenanceMode boots a node without configuration and configures it over the API.
func TestMaintenanceMode(t *testing.T) {
	img := buildImage(t)
	e := newEnv(t)
	name := "e2e-maint"
	t.Cleanup(func() { _, _ = e.run("cluster", "destroy", "--name", name) })
	// This node also takes its address from the kernel's ip= argument instead of DHCP.
	e.must("cluster", "create", "--name", name, "--image", img, "--no-config", "--wait", "5m",
		"--kernel-args", "ip=10.5.0.2::10.5.0.1:255.255.255.0:static-node:eth0:off")
	dir := filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name)
	console := filepath.Join(dir, name+"-cp1.console.log")
	fp := maintenanceFingerprint(t, console)
	if data, _ := os.ReadFile(console); !strings.Contains(string(data), "static network from ip=") {
		t.Errorf("console log does not show the static network from ip=")
	}
	show := e.must("cluster", "show", "--name", name)
	endpoint := regexp.MustCompile(`127\.0\.0\.1:\d+`).FindString(show)
	if endpoint == "" {
		t.Fatalf("no forwarded endpoint in:\n%s", show)
	}
	cfgDir := t.TempDir()
	e.must("gen", "config", name, "https://10.5.0.2:6443", "--install-disk", "/dev/vda", "-o", cfgDir)
	e.must("apply-config", "--insecure", "--cert-fingerprint", fp, "-e", endpoint,
		"-f", filepath.Join(cfgDir, "controlplane.yaml"))
	e.vars["CAIRNCONFIG"] = filepath.Join(cfgDir, "cairnconfig")
	waitFor(t, "configured API answers", 3*time.Minute, func() error {
		out, err := e.run("version", "-e", endpoint)
		if err == nil && !strings.Contains(out, "configured") {
			err = fmt.Errorf("node not configured yet")
		}
		return err
	})
}
