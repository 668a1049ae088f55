package integration

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// evilName would forge a line of the audit log and colour the terminal if printed as is.
const evilName = "evil\nnode-a #1 2026-01-01 00:00:00 admin[os:admin] forged\x1b[31m"

// TestTableEscapesEvilCommonName: a caller whose certificate's common name holds a newline and
// an ANSI escape appears in `audit log` on one line, escaped.
func TestTableEscapesEvilCommonName(t *testing.T) {
	evil := certConfig(t, shared.bundle.Certs.OS, pki.Request{CommonName: evilName, Organization: []string{string(role.Reader)}, Usage: pki.ClientAuth})
	mustCtl(t, evil, "version", "-n", "127.0.0.2")
	log := mustCtl(t, shared.configs[role.Auditor], "audit", "log", "-n", "127.0.0.2")
	wantContains(t, "audit log", log, `evil\nnode-a #1 2026-01-01 00:00:00 admin[os:admin] forged\x1b[31m[os:reader]`)
	if strings.Contains(log, "\x1b") || strings.Contains(log, "\nnode-a #1 2026-01-01") {
		t.Errorf("audit log prints the common name raw:\n%s", log)
	}
}

// TestClientConfigurationRefusesControlCharacters: the node does not issue such a name.
func TestClientConfigurationRefusesControlCharacters(t *testing.T) {
	c := adminClient(t, shared.configs[role.Admin])
	_, err := c.Machine.GenerateClientConfiguration(context.Background(), &machine.GenerateClientConfigurationRequest{Name: evilName, Roles: []string{string(role.Reader)}})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), `holds a control character at byte 4`) {
		t.Errorf("GenerateClientConfiguration(%q) = %v, want InvalidArgument naming the control character", evilName, err)
	}
}

// TestNodeRefusesAHugeConfiguration: the node refuses a configuration beyond 1 MiB before it
// parses it, naming the limit, and keeps the active one.
func TestNodeRefusesAHugeConfiguration(t *testing.T) {
	c := adminClient(t, shared.configs[role.Admin])
	data := []byte("machine:\n  network:\n    hostname: " + strings.Repeat("x", 2<<20) + "\n")
	_, err := c.Machine.ApplyConfiguration(context.Background(), &machine.ApplyConfigurationRequest{Data: data, DryRun: true})
	want := "configuration: the configuration is 2097187 bytes, more than the limit of 1048576 bytes (1 MiB)"
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), want) {
		t.Errorf("ApplyConfiguration(%d bytes) = %v, want InvalidArgument %q", len(data), err, want)
	}
	wantContains(t, "hostname", mustCtl(t, shared.configs[role.Reader], "hostname", "-n", "127.0.0.2"), "node-a")
}
