//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netns"

	"github.com/cairn-os/cairn/internal/pkg/logfwd/rsyslogtest"
	"github.com/cairn-os/cairn/internal/provision/qemu"
	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// checkLogForwarding configures node of cluster name, live, to send its audit trail,
// machined's log and the kernel log to Debian's rsyslogd over mutual TLS. rsyslogd runs in
// the cluster's own network namespace, on the bridge's address, so the node reaches it as it
// would a SIEM: an API call made with the cluster's admin certificate arrives there naming the
// caller, and so do machined's and the kernel's lines. (TestHostnameAndReset calls it: the
// VM it boots serves both, and CI's time is short.)
func checkLogForwarding(t *testing.T, e *env, name, node string) {
	t.Helper()
	rsyslogtest.Need(t)
	siemIP := qemu.Gateway.String()
	p := rsyslogtest.NewPKI(t, siemIP)
	var siem *rsyslogtest.Receiver
	inNetns(t, "cairn-"+name, func() { siem = rsyslogtest.Start(t, siemIP, p) })
	endpoint := fmt.Sprintf("tls://%s:%d", siemIP, siem.Port)

	src := filepath.Join(e.vars["XDG_STATE_HOME"], "cairn", "clusters", name, node+".yaml")
	cfg, err := config.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Machine.Logging.Destinations = []config.LoggingDestination{{Endpoint: endpoint, CA: p.CA.CertPEM,
		ClientCertificate: p.Client.PEMPair(), Sources: []string{config.LogSourceAudit, config.LogSourceMachined, config.LogSourceKernel}}}
	data, err := cfg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	withLogging := filepath.Join(t.TempDir(), "logging.yaml")
	if err := os.WriteFile(withLogging, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out := e.must("apply-config", "-f", withLogging)
	if !strings.Contains(out, "configuration applied live: no reboot needed") {
		t.Errorf("apply-config did not apply the destination live:\n%s", out)
	}

	e.must("version")
	waitFor(t, "the admin's Version call, machined's log and the kernel log at rsyslogd", 3*time.Minute, func() error {
		got := string(siem.Output())
		for _, want := range []string{`method="/cairn.machine.MachineService/Version"`, `roles="os:admin"`, " " + node + " cairn-audit ",
			" " + node + " machined ", " " + node + " kernel ", "Linux version"} {
			if !strings.Contains(got, want) {
				return fmt.Errorf("rsyslogd has no %q yet (%d bytes received)", want, len(got))
			}
		}
		return nil
	})
	status := e.must("logging", "status", "-o", "json")
	for _, want := range []string{`"endpoint": "` + endpoint + `"`, `"state": "connected"`} {
		if !strings.Contains(status, want) {
			t.Errorf("logging status lacks %s:\n%s", want, status)
		}
	}
}

// inNetns runs f on a thread that has entered the named network namespace, so that a process
// f starts (rsyslogd) listens there; the thread returns to the test's namespace afterwards.
func inNetns(t *testing.T, name string, f func()) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = orig.Close() }()
	ns, err := netns.GetFromName(name)
	if err != nil {
		t.Fatalf("network namespace %s: %v", name, err)
	}
	defer func() { _ = ns.Close() }()
	if err := netns.Set(ns); err != nil {
		t.Fatalf("enter %s: %v", name, err)
	}
	defer func() {
		if err := netns.Set(orig); err != nil {
			panic(fmt.Sprintf("return from %s: %v", name, err)) // the thread must not serve other goroutines in it
		}
	}()
	f()
}
