package machined

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/internal/pkg/sandbox"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/constants"
)

func TestWorldReachable(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bin") // t.TempDir's parent is private (0700)
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want bool
	}{
		{"/", true},
		{"/proc/self", true},
		{"/proc/self/environ", false}, // 0400
		{bin, false},
		{filepath.Join(filepath.Dir(bin), "missing"), false},
	}
	for _, tt := range tests {
		if got := worldReachable(tt.path); got != tt.want {
			t.Errorf("worldReachable(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestSandboxSpec(t *testing.T) {
	apid := serviceUser{uid: constants.ApidUID, gid: constants.ApidGID}
	tests := []struct {
		name string
		sb   sandboxing
		want *supervisor.Sandbox
	}{
		{name: "unprivileged", sb: sandboxing{}, want: &supervisor.Sandbox{NoNewPrivs: true}},
		{name: "privileged without cgroups", sb: sandboxing{privileged: true}, want: &supervisor.Sandbox{
			NoNewPrivs: true, Credential: &syscall.Credential{Uid: 50, Gid: 50, Groups: []uint32{49}},
		}},
		{name: "privileged", sb: sandboxing{privileged: true, cgroups: &sandbox.Cgroup{CgroupPath: sandbox.CgroupPath{Mount: "/sys/fs/cgroup", Group: "/cairn"}}}, want: &supervisor.Sandbox{
			NoNewPrivs: true, Credential: &syscall.Credential{Uid: 50, Gid: 50, Groups: []uint32{49}},
			Cgroup: sandbox.CgroupPath{Mount: "/sys/fs/cgroup", Group: "/cairn/apid"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, tt.sb.spec("apid", apid)); d != "" {
				t.Errorf("spec(apid) mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestCommand checks the arguments services get: the socket by path when machined cannot
// switch uids, else through inherited descriptors.
func TestCommand(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tests := []struct {
		name             string
		sb               sandboxing
		wantPath         string
		wantArgs         []string
		wantInheritedFDs int
	}{
		{name: "unprivileged", sb: sandboxing{}, wantPath: "/bin/cairn", wantArgs: []string{"cairn", "apid", "--socket", "/s/machined.sock", "--listen", ":1"}},
		{name: "privileged", sb: sandboxing{privileged: true}, wantPath: "/bin/cairn",
			wantArgs: []string{"cairn", "apid", "--socket", "/proc/self/fd/3", "--listen", ":1"}, wantInheritedFDs: 1},
		{name: "private binary", sb: sandboxing{privileged: true, exe: f}, wantPath: "/proc/self/fd/3",
			wantArgs: []string{"cairn", "apid", "--socket", "/proc/self/fd/4", "--listen", ":1"}, wantInheritedFDs: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &daemon{opts: Options{Executable: "/bin/cairn", Socket: "/s/machined.sock"}, sandbox: &tt.sb, socketFile: f}
			c := n.command("apid", "--listen", ":1")()
			got := struct {
				Path string
				Args []string
				FDs  int
			}{c.Path, c.Args, len(c.ExtraFiles)}
			want := struct {
				Path string
				Args []string
				FDs  int
			}{tt.wantPath, tt.wantArgs, tt.wantInheritedFDs}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("command() mismatch (-want +got):\n%s", d)
			}
			if c.SysProcAttr == nil || c.SysProcAttr.Pdeathsig != syscall.SIGKILL {
				t.Errorf("command() SysProcAttr = %+v, want Pdeathsig SIGKILL", c.SysProcAttr)
			}
		})
	}
}
