package integration

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// TestEtcdThroughTheAPI runs cairnctl etcd through apid and machined on nodes that run no etcd
// (container mode): every call is authorized by the roles table, answers FailedPrecondition
// rather than hanging, and is audited under the caller's name. The operations themselves are
// tested against a real etcd in internal/pkg/etcdops and internal/app/machined.
func TestEtcdThroughTheAPI(t *testing.T) {
	noEtcd := []string{"FailedPrecondition", "this node runs no etcd"}
	for _, args := range [][]string{{"members"}, {"status", "-o", "json"}, {"alarm", "list"}} {
		wantFail(t, shared.configs[role.Reader], append([]string{"etcd"}, append(args, "-n", "127.0.0.3")...), noEtcd...)
	}
	for _, args := range [][]string{{"leave"}, {"defrag"}, {"alarm", "disarm"}, {"remove-member", "8e9e05c52164694d"}} {
		wantFail(t, shared.configs[role.Operator], append([]string{"etcd"}, args...), "PermissionDenied", "needs one of [os:admin]")
		wantFail(t, shared.configs[role.Admin], append([]string{"etcd"}, args...), noEtcd...)
	}
	wantFail(t, shared.configs[role.Admin], []string{"etcd", "remove-member", "node-b"}, "InvalidArgument", `member ID "node-b" is not a hexadecimal`)

	backup := shared.configs[role.EtcdBackup]
	wantFail(t, backup, []string{"etcd", "members"}, "PermissionDenied", "needs one of [os:admin os:operator os:reader]")
	wantFail(t, shared.configs[role.Reader], []string{"etcd", "snapshot", "x.db"}, "PermissionDenied", "needs one of [os:admin os:etcd:backup]")
	file := filepath.Join(t.TempDir(), "etcd.db")
	wantFail(t, backup, []string{"etcd", "snapshot", file, "-n", "127.0.0.3"}, noEtcd...)
	wantFail(t, backup, []string{"etcd", "snapshot", file, "-n", "127.0.0.2,127.0.0.3"}, "a snapshot comes from one node")
	for _, p := range []string{file, file + ".part"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a failed snapshot left %s behind (%v)", p, err)
		}
	}
	out := mustCtl(t, shared.configs[role.Auditor], "audit", "log", "-n", "127.0.0.3")
	wantContains(t, "node-b's audit log", out, "etcd-backup[os:etcd:backup]", "/cairn.etcd.EtcdService/Snapshot -> FailedPrecondition")
	if !strings.Contains(out, "/cairn.etcd.EtcdService/Members -> FailedPrecondition") {
		t.Errorf("node-b's audit log has no etcd Members call:\n%s", out)
	}
}
