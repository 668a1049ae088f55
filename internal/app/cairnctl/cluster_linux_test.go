//go:build linux

package cairnctl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/internal/app/imager"
	"github.com/cairn-os/cairn/internal/provision/qemu"
	"github.com/cairn-os/cairn/internal/provision/qemu/netnstest"
)

// TestMain lets this test binary stand in for cairnctl when cluster create or start runs the
// cluster daemon (`cairnctl cluster serve`) from os.Executable().
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "cluster" && os.Args[2] == "serve" {
		os.Exit(Context{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}.Execute(context.Background()))
	}
	os.Exit(m.Run())
}

// uniqueName is a cluster name no other test run uses (the tests make real namespaces).
func uniqueName(t *testing.T, suffix string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("these tests create network namespaces: run them as root")
	}
	name := fmt.Sprintf("ct%d-%s", os.Getpid()%1000000, suffix)
	t.Cleanup(func() { _ = os.Remove("/run/cairn/clusters/" + name + ".lock") })
	return name
}

// TestClusterNameValidated: every cluster command refuses a name that is not a short DNS
// label before it touches anything, with the same message.
func TestClusterNameValidated(t *testing.T) {
	state := t.TempDir()
	env := map[string]string{"XDG_STATE_HOME": state, "CAIRNCONFIG": filepath.Join(state, "cairnconfig")}
	for _, cmd := range []string{"create", "destroy", "show", "stop", "start"} {
		for _, name := range []string{"..", "../..", "a/b", "", "Demo", "abcdefghijklmnopqrstu"} {
			r := run(t, env, "cluster", cmd, "--name", name)
			want := fmt.Sprintf("error: --name %q: want 1-20 lowercase letters, digits and inner dashes\n", name)
			if r.code != 1 || r.stderr != want {
				t.Errorf("cluster %s --name %q: exit %d, stderr %q; want exit 1, %q", cmd, name, r.code, r.stderr, want)
			}
		}
	}
}

// TestClusterDestroyDotDot: destroy --name .. once resolved to the parent of the state
// directory and removed it, every cluster's state with it, and the namespace its base name
// implied. Now it is refused and nothing changes.
func TestClusterDestroyDotDot(t *testing.T) {
	name := uniqueName(t, "dd")
	base := filepath.Join(t.TempDir(), name)
	other := filepath.Join(base, "clusters", "other", "plan.json")
	if err := os.MkdirAll(filepath.Dir(other), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	ino := netnstest.Make(t, "cairn-"+name)
	r := run(t, nil, "cluster", "destroy", "--state-dir", filepath.Join(base, "clusters"), "--name", "..")
	if r.code == 0 {
		t.Errorf("cluster destroy --name .. exited 0:\n%s", r.stdout)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another cluster's state is gone: %v", err)
	}
	if got := netnstest.Inode(t, "cairn-"+name); got != ino {
		t.Errorf("namespace cairn-%s replaced or removed", name)
	}
}

// TestClusterUnknown: a cluster that does not exist is named, with the ones that do.
func TestClusterUnknown(t *testing.T) {
	base := t.TempDir()
	for _, cmd := range []string{"show", "destroy", "stop", "start"} {
		r := run(t, nil, "cluster", cmd, "--state-dir", base, "--name", "nope")
		want := fmt.Sprintf("error: no cluster named \"nope\" in %s (clusters there: none; cairnctl cluster create makes one)\n", base)
		if r.code != 1 || r.stderr != want {
			t.Errorf("cluster %s: exit %d, stderr %q; want %q", cmd, r.code, r.stderr, want)
		}
	}
	for _, c := range []string{"demo", "dev"} {
		if err := os.MkdirAll(filepath.Join(base, c), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(base, c, "plan.json"), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := run(t, nil, "cluster", "show", "--state-dir", base, "--name", "nope")
	if want := fmt.Sprintf("error: no cluster named \"nope\" in %s (clusters there: demo, dev)\n", base); r.stderr != want {
		t.Errorf("cluster show: stderr %q, want %q", r.stderr, want)
	}
}

// fakeImage writes an image directory whose files match its manifest.json.
func fakeImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	res := imager.Result{Artifacts: map[string]imager.Artifact{}}
	for _, a := range []string{"vmlinuz", "initramfs"} {
		data := []byte("not a real " + a)
		if err := os.WriteFile(filepath.Join(dir, a), data, 0o600); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		res.Artifacts[a] = imager.Artifact{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	}
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestClusterCreateExclusive: with a namespace of the name already there (a cluster of the
// same name from another state directory), create stops before starting anything, says why,
// and the namespace is untouched. Once, the failed create deleted it.
func TestClusterCreateExclusive(t *testing.T) {
	t.Setenv("CAIRN_QEMU_ACCEL", "tcg")
	name := uniqueName(t, "cx")
	ino := netnstest.Make(t, "cairn-"+name)
	state := t.TempDir()
	env := map[string]string{"CAIRNCONFIG": filepath.Join(state, "cairnconfig")}
	r := run(t, env, "cluster", "create", "--state-dir", state, "--name", name, "--image", fakeImage(t), "--wait", "1s")
	want := fmt.Sprintf("error: cluster already exists: network namespace cairn-%s exists (a cluster named %q from another state directory?)\n", name, name)
	if r.code != 1 || r.stderr != want {
		t.Errorf("cluster create: exit %d, stderr %q; want %q", r.code, r.stderr, want)
	}
	if got := netnstest.Inode(t, "cairn-"+name); got != ino {
		t.Errorf("namespace cairn-%s replaced or removed by the refused create", name)
	}
	if _, err := os.Stat(filepath.Join(state, name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused create left %s (%v)", filepath.Join(state, name), err)
	}
}

// TestClusterCreateDamagedImage: a truncated initramfs is caught by its manifest's sha256
// before any VM starts.
func TestClusterCreateDamagedImage(t *testing.T) {
	img := fakeImage(t)
	if err := os.Truncate(filepath.Join(img, "initramfs"), 4); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	r := run(t, nil, "cluster", "create", "--state-dir", state, "--name", "dmg", "--image", img)
	sum := sha256.Sum256([]byte("not "))
	want := fmt.Sprintf("error: --image %s: the image is damaged or incomplete (rebuild it with cairnctl image build):\n"+
		"initramfs: 4 bytes with sha256 %s, manifest.json says 20 bytes with sha256 %s\n",
		img, hex.EncodeToString(sum[:]), sha256Hex("not a real initramfs"))
	if diff := cmp.Diff(want, r.stderr); r.code != 1 || diff != "" {
		t.Errorf("cluster create with a truncated initramfs: exit %d (-want +got):\n%s", r.code, diff)
	}
	if entries, _ := os.ReadDir(state); len(entries) != 0 {
		t.Errorf("the refused create left state behind: %v", entries)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestClusterStopStartRefusals: stop and start name the node they do not know and say how to
// start a cluster whose daemon is not running, without touching anything.
func TestClusterStopStartRefusals(t *testing.T) {
	base := t.TempDir()
	writePlan(t, base, "ss")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"stop", "--node", "bogus"}, `error: --node "bogus": cluster "ss" has no such node (its nodes: ss-cp1)` + "\n"},
		{[]string{"start", "--node", "bogus"}, `error: --node "bogus": cluster "ss" has no such node (its nodes: ss-cp1)` + "\n"},
		{[]string{"stop", "--node", "ss-cp1"}, `error: cluster "ss" is stopped: start all of it with cairnctl cluster start --name ss` + "\n"},
		{[]string{"start", "--node", "ss-cp1"}, `error: cluster "ss" is stopped: start all of it with cairnctl cluster start --name ss` + "\n"},
	}
	for _, tt := range tests {
		r := run(t, nil, append([]string{"cluster", "--state-dir", base, "--name", "ss"}, tt.args...)...)
		if r.code != 1 || r.stderr != tt.want {
			t.Errorf("cluster %q: exit %d, stderr %q; want %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	r := run(t, nil, "cluster", "show", "--state-dir", base, "--name", "ss")
	for _, want := range []string{"daemon stopped (cairnctl cluster start --name ss)", "ss-cp1  controlplane  10.5.0.2  -             52:54:00:ca:00:00  stopped"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("cluster show lacks %q:\n%s", want, r.stdout)
		}
	}
}

// writePlan writes the plan of a stopped one-node cluster in base, as cluster create does.
func writePlan(t *testing.T, base, name string) *qemu.Plan {
	t.Helper()
	plan, err := qemu.NewPlan(qemu.Request{Name: name, Dir: filepath.Join(base, name), Image: "/img", Controlplanes: 1, Memory: 512, CPUs: 1, DiskGiB: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(plan.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(plan.Dir, "plan.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestClusterDestroyKeepsOthersContext: destroy removes the context cluster create added (the
// cluster's CA), not a context of the same name for other nodes.
func TestClusterDestroyKeepsOthersContext(t *testing.T) {
	base, other := t.TempDir(), t.TempDir()
	cfg := filepath.Join(other, "cairnconfig")
	env := map[string]string{"CAIRNCONFIG": cfg}
	otherSecrets, _ := genSecrets(t, other)
	mustRun(t, env, "config", "new", cfg, "--secrets", otherSecrets, "--name", "prod")
	for _, name := range []string{"prod", "mine"} {
		plan := writePlan(t, base, name)
		mustRun(t, nil, "gen", "secrets", "-o", filepath.Join(plan.Dir, "secrets.yaml"))
	}
	mustRun(t, env, "config", "new", filepath.Join(other, "mine.yaml"), "--secrets", filepath.Join(base, "mine", "secrets.yaml"), "--name", "mine")
	mustRun(t, env, "config", "merge", filepath.Join(other, "mine.yaml"))

	out := mustRun(t, env, "cluster", "destroy", "--state-dir", base, "--name", "prod")
	want := fmt.Sprintf("namespace cairn-prod already gone\ncontext \"prod\" in %s kept: it is not this cluster's (another CA)\ncluster \"prod\" destroyed\n", cfg)
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("cluster destroy --name prod (-want +got):\n%s", diff)
	}
	out = mustRun(t, env, "cluster", "destroy", "--state-dir", base, "--name", "mine")
	if !strings.Contains(out, fmt.Sprintf("context \"mine\" removed from %s\n", cfg)) {
		t.Errorf("cluster destroy --name mine kept its context:\n%s", out)
	}
	contexts := mustRun(t, env, "config", "contexts")
	if !strings.Contains(contexts, "prod") || strings.Contains(contexts, "mine") {
		t.Errorf("contexts after both destroys:\n%s", contexts)
	}
}
