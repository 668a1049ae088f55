package role_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/cairn-os/cairn/pkg/machinery/api/audit"
	"github.com/cairn-os/cairn/pkg/machinery/api/etcd"
	"github.com/cairn-os/cairn/pkg/machinery/api/evidence"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/api/node"
	"github.com/cairn-os/cairn/pkg/machinery/api/resource"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

var update = flag.Bool("update", false, "rewrite testdata/authz.golden")

// publicServices are the services apid serves; node.NodeService is machined-internal.
var publicServices = []protoreflect.FileDescriptor{
	machine.File_machine_machine_proto,
	resource.File_resource_resource_proto,
	audit.File_audit_audit_proto,
	etcd.File_etcd_etcd_proto,
	evidence.File_evidence_evidence_proto,
}

func methods(files ...protoreflect.FileDescriptor) []string {
	var out []string
	for _, f := range files {
		for i := range f.Services().Len() {
			s := f.Services().Get(i)
			for j := range s.Methods().Len() {
				out = append(out, fmt.Sprintf("/%s/%s", s.FullName(), s.Methods().Get(j).Name()))
			}
		}
	}
	return out
}

// TestEveryRPCEveryRole walks every RPC of the public API (from the proto descriptors) for
// every role, plus no role and the proxy role, and compares allow/deny with the reviewed
// matrix in testdata/authz.golden. A new RPC changes the matrix and fails until reviewed.
func TestEveryRPCEveryRole(t *testing.T) {
	subjects := append(role.All(), role.NodeProxy, "")
	var b strings.Builder
	for _, m := range methods(publicServices...) {
		if _, ok := role.MethodRoles(m); !ok {
			t.Errorf("%s is not in the roles table: every RPC needs an explicit role set", m)
		}
		for _, r := range subjects {
			verdict := "deny"
			if role.Allowed(m, []role.Role{r}) {
				verdict = "allow"
			}
			name := string(r)
			if name == "" {
				name = "(no role)"
			}
			fmt.Fprintf(&b, "%-60s %-16s %s\n", m, name, verdict)
		}
	}
	golden := filepath.Join("testdata", "authz.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("authorization matrix changed (-golden +got); review and rerun with -update:\n%s", diff)
	}
}

func TestInvariants(t *testing.T) {
	for _, m := range methods(publicServices...) {
		if !role.Allowed(m, []role.Role{role.Admin}) {
			t.Errorf("Allowed(%s, admin) = false, want true", m)
		}
		if role.Allowed(m, []role.Role{role.NodeProxy}) || role.Allowed(m, nil) {
			t.Errorf("%s is allowed without a user role", m)
		}
		auditorOK := strings.HasPrefix(m, "/cairn.audit.") || strings.HasPrefix(m, "/cairn.evidence.") || strings.HasSuffix(m, "/Version")
		if got := role.Allowed(m, []role.Role{role.Auditor}); got != auditorOK {
			t.Errorf("Allowed(%s, auditor) = %v, want %v", m, got, auditorOK)
		}
		backupOK := m == "/cairn.etcd.EtcdService/Snapshot" || strings.HasSuffix(m, "/Version")
		if got := role.Allowed(m, []role.Role{role.EtcdBackup}); got != backupOK {
			t.Errorf("Allowed(%s, etcd backup) = %v, want %v", m, got, backupOK)
		}
	}
	for _, m := range methods(node.File_node_node_proto) {
		for _, r := range append(role.All(), role.NodeProxy) {
			if role.Allowed(m, []role.Role{r}) {
				t.Errorf("internal method %s allowed to %s", m, r)
			}
		}
	}
	// Evidence is for auditing: os:auditor and os:admin, and no role that runs the node.
	for _, m := range methods(evidence.File_evidence_evidence_proto) {
		for _, r := range []role.Role{role.Operator, role.Reader, role.EtcdBackup, role.NodeProxy} {
			if role.Allowed(m, []role.Role{r}) {
				t.Errorf("Allowed(%s, %s) = true, want false", m, r)
			}
		}
		for _, r := range []role.Role{role.Auditor, role.Admin} {
			if !role.Allowed(m, []role.Role{r}) {
				t.Errorf("Allowed(%s, %s) = false, want true", m, r)
			}
		}
	}
	for _, m := range []string{"/cairn.machine.MachineService/Nope", "", "Version"} {
		if role.Allowed(m, []role.Role{role.Admin}) {
			t.Errorf("Allowed(%q, admin) = true, want false", m)
		}
	}
}

func TestMaintenance(t *testing.T) {
	var got []string
	for _, m := range methods(publicServices...) {
		if role.AllowedInMaintenance(m) {
			got = append(got, m)
		}
	}
	want := []string{
		"/cairn.machine.MachineService/Version",
		"/cairn.machine.MachineService/Disks",
		"/cairn.machine.MachineService/ApplyConfiguration",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("maintenance methods (-want +got):\n%s", diff)
	}
}
