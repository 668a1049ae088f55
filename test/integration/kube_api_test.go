package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/pkg/kubepki"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
	"github.com/cairn-os/cairn/pkg/machinery/role"
)

// TestKubeCallsNeedAdmin: Bootstrap, Kubeconfig (it carries a private key) and ImageImport
// are os:admin only; ImageList is for readers too.
func TestKubeCallsNeedAdmin(t *testing.T) {
	dir := t.TempDir()
	tar := filepath.Join(dir, "image.tar")
	if err := os.WriteFile(tar, []byte("not really a tarball"), 0o600); err != nil {
		t.Fatal(err)
	}
	snap := goodSnapshot(t, dir)
	for _, r := range []role.Role{role.Reader, role.Operator} {
		for _, args := range [][]string{{"kubeconfig", "-"}, {"bootstrap"}, {"bootstrap", "--recover-from", snap}, {"image", "import", tar}} {
			wantFail(t, shared.configs[r], args, "PermissionDenied", "needs one of [os:admin]")
		}
	}
	code, out, _ := ctl(t, shared.configs[role.Reader], "kubeconfig", "-")
	if code == 0 || strings.Contains(out, "PRIVATE KEY") {
		t.Errorf("a reader's kubeconfig call printed a key or succeeded:\n%s", out)
	}
	wantFail(t, shared.configs[role.Reader], []string{"image", "list"}, "FailedPrecondition", "containerd is not running on this node")
}

// TestKubeconfig: an admin gets a kubeconfig whose certificate chains to the configuration's
// cluster CA, for the control-plane endpoint; merging it into a file is refused a second time
// without --force.
func TestKubeconfig(t *testing.T) {
	out := mustCtl(t, shared.configs[role.Admin], "kubeconfig", "-")
	var kc kubepki.Kubeconfig
	if err := yaml.Unmarshal([]byte(out), &kc); err != nil {
		t.Fatalf("kubeconfig - is not a kubeconfig: %v\n%s", err, out)
	}
	if len(kc.Clusters) != 1 || len(kc.Users) != 1 || kc.CurrentContext != "admin@it" || kc.Users[0].Name != "admin@it" {
		t.Fatalf("kubeconfig names: %+v", kc)
	}
	if s := kc.Clusters[0].Cluster.Server; s != "https://127.0.0.2:6443" {
		t.Errorf("server = %q, want the control-plane endpoint", s)
	}
	kp, err := pki.ParseKeyPair(kc.Users[0].User.ClientCertificateData, kc.Users[0].User.ClientKeyData)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(shared.bundle.Certs.Kubernetes.Certificate)
	if _, err := kp.Certificate.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("the client certificate does not chain to the cluster CA: %v", err)
	}
	if cn, o := kp.Certificate.Subject.CommonName, kp.Certificate.Subject.Organization; cn != "kubernetes-admin" || len(o) != 1 || o[0] != "kubeadm:cluster-admins" {
		t.Errorf("subject CN=%q O=%q, want kubernetes-admin, kubeadm:cluster-admins", cn, o)
	}

	dir := t.TempDir()
	out = mustCtl(t, shared.configs[role.Admin], "kubeconfig", dir)
	wantContains(t, "kubeconfig DIR", out, `context "admin@it"`, filepath.Join(dir, "kubeconfig"))
	if strings.Contains(out, "PRIVATE KEY") {
		t.Errorf("writing to a file printed the key:\n%s", out)
	}
	if st, err := os.Stat(filepath.Join(dir, "kubeconfig")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("kubeconfig file: %v, %v; want mode 0600", st, err)
	}
	wantFail(t, shared.configs[role.Admin], []string{"kubeconfig", dir}, `already has cluster "admin@it"`, "--force")
	mustCtl(t, shared.configs[role.Admin], "kubeconfig", dir, "--force")
	mustCtl(t, shared.configs[role.Admin], "kubeconfig", dir, "--context-name", "second")
	wantFail(t, shared.configs[role.Admin], []string{"kubeconfig", "-n", "127.0.0.2,127.0.0.3"}, "one control-plane node, not 2")
}

// TestKubeCallsOnWorker: a worker holds no cluster CA key, so it issues no kubeconfig, and it
// cannot be bootstrapped; in container mode no node runs Kubernetes, so none bootstraps.
func TestKubeCallsOnWorker(t *testing.T) {
	startWorker(t)
	admin := shared.configs[role.Admin]
	wantFail(t, admin, []string{"kubeconfig", "-", "-n", "127.0.0.7"}, "FailedPrecondition", "this node is a worker", "target a control-plane node")
	wantFail(t, admin, []string{"bootstrap", "-n", "127.0.0.7"}, "FailedPrecondition")
	wantFail(t, admin, []string{"bootstrap", "-n", "127.0.0.2"}, "FailedPrecondition", "the node does not run Kubernetes yet")
	wantFail(t, admin, []string{"bootstrap", "-n", "127.0.0.2,127.0.0.3"}, "exactly one control-plane node")
	snap := goodSnapshot(t, t.TempDir())
	wantFail(t, admin, []string{"bootstrap", "--recover-from", snap, "-n", "127.0.0.7"}, "FailedPrecondition")
	wantFail(t, admin, []string{"bootstrap", "--recover-from", snap, "-n", "127.0.0.2"}, "FailedPrecondition", "the node does not run Kubernetes yet")
}

// goodSnapshot writes a file that passes a snapshot's checksum (a database, then its sha256):
// what a node refuses it for is then the call's preconditions, not the file.
func goodSnapshot(t *testing.T, dir string) string {
	t.Helper()
	db := bytes.Repeat([]byte("page"), 4096)
	sum := sha256.Sum256(db)
	p := filepath.Join(dir, "snapshot.db")
	if err := os.WriteFile(p, append(db, sum[:]...), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImageImportWithoutContainerd: with no containerd the import is refused with a clear
// error, and callers that go away mid-upload (before or after their first chunk) leave no
// descriptors behind in apid or machined.
func TestImageImportWithoutContainerd(t *testing.T) {
	dir := t.TempDir()
	tar := filepath.Join(dir, "image.tar")
	if err := os.WriteFile(tar, make([]byte, 3<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	admin := shared.configs[role.Admin]
	wantFail(t, admin, []string{"image", "import", tar}, "FailedPrecondition", "containerd is not running on this node")
	wantFail(t, admin, []string{"image", "import", tar, "-n", "127.0.0.3"}, "node 127.0.0.3", "containerd is not running on this node")
	huge := filepath.Join(dir, "huge.tar")
	if err := os.WriteFile(huge, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, constants.MaxImageImportBytes+1); err != nil { // sparse
		t.Fatal(err)
	}
	wantFail(t, admin, []string{"image", "import", huge}, "huge.tar is 2147483649 bytes", "at most 2147483648 bytes")

	cl := adminClient(t, admin)
	apid, machined := runningAPID(t, "127.0.0.2"), int32(shared.a.cmd.Process.Pid)
	abandon(t, cl, 0) // warm the connections up before counting
	beforeA, beforeM := fdCount(t, apid), fdCount(t, machined)
	for i := range 20 {
		abandon(t, cl, i%2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := cl.Machine.ImageImport(client.WithNodes(ctx, "127.0.0.2", "127.0.0.3"))
	if err == nil {
		_ = st.Send(&machine.ImageImportRequest{Chunk: []byte("x")})
		_, err = st.CloseAndRecv()
	}
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "one node per call") {
		t.Errorf("ImageImport to two nodes = %v, want InvalidArgument", err)
	}
	waitFor(t, "apid's and machined's descriptors to come back", func() bool {
		return fdCount(t, apid) <= beforeA+2 && fdCount(t, machined) <= beforeM+2
	})
}

// abandon opens an ImageImport, sends chunks chunks, and goes away without closing it.
func abandon(t *testing.T, cl *client.Client, chunks int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := cl.Machine.ImageImport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range chunks {
		_ = st.Send(&machine.ImageImportRequest{Chunk: make([]byte, 1<<20)})
	}
	time.Sleep(20 * time.Millisecond)
	cancel()
}

// TestHealthWithoutKubernetes: in container mode the nodes' APIs answer but no control-plane
// service runs and no apiserver listens; health says so for each, with what to do, retries
// with --wait, and fails.
func TestHealthWithoutKubernetes(t *testing.T) {
	code, out, errOut := ctlFor(t, 60*time.Second, shared.configs[role.Admin], "health", "-n", "127.0.0.2,127.0.0.3", "--wait", "6s")
	if code == 0 {
		t.Fatalf("health succeeded on nodes without Kubernetes:\n%s", out)
	}
	wantContains(t, "health", out,
		"OK    node 127.0.0.2 (node-a): Cairn API answers",
		"OK    node 127.0.0.3 (node-b): Cairn API answers",
		"FAIL  node 127.0.0.2 (node-a): service etcd runs: the node has no such service",
		"what to do: bootstrap the cluster once (cairnctl bootstrap -n 127.0.0.2)",
		"FAIL  Kubernetes API answers as an admin: list nodes:",
	)
	wantContains(t, "health stderr", errOut, "round 1: ", "checking again", "the cluster is not healthy")
	code, out, _ = ctl(t, shared.configs[role.Reader], "health")
	if code == 0 {
		t.Errorf("health as a reader succeeded:\n%s", out)
	}
	wantContains(t, "health as a reader", out, "FAIL  an admin kubeconfig from node node-a: fetch the admin kubeconfig: PermissionDenied", "needs the os:admin role")
}
