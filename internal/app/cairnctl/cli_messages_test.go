package cairnctl

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/provision/qemu"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
)

// TestMessagesForNewUsers checks, word for word, what a new user sees on the common first
// mistakes: no client configuration, logs without a service, a dead endpoint.
func TestMessagesForNewUsers(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none")
	secretsPath, _ := genSecrets(t, dir)
	cfg := filepath.Join(dir, "cairnconfig")
	mustRun(t, nil, "config", "new", cfg, "--secrets", secretsPath, "--name", "a")
	refused, silent := deadPort(t), silentPort(t)
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		stdout string
		stderr string
	}{
		{"no client configuration", map[string]string{"CAIRNCONFIG": missing}, []string{"services"}, "",
			"error: no client configuration at " + missing + ": cairnctl cluster create writes one for a local cluster; " +
				"for other nodes, cairnctl gen config (a new cluster) or config new --secrets (from its secrets.yaml) writes one, " +
				"config merge FILE takes the contexts of another; --cairnconfig or $CAIRNCONFIG names another file\n"},
		{"logs without a service", map[string]string{"CAIRNCONFIG": cfg}, []string{"logs"}, "",
			"error: logs takes one service name, got 0 argument(s): cairnctl logs SERVICE (cairnctl services lists them; cairnctl logs machined prints machined's own log)\n"},
		{"dead endpoint: no client version first", map[string]string{"CAIRNCONFIG": cfg}, []string{"version", "-e", refused}, "",
			fmt.Sprintf("error: endpoint %s: unreachable (connect: connection refused)\n", refused)},
		{"dead endpoint with a node named", map[string]string{"CAIRNCONFIG": cfg}, []string{"services", "-e", refused, "-n", "10.5.0.9"}, "",
			fmt.Sprintf("error: endpoint %s: unreachable (connect: connection refused)\n", refused)},
		{"endpoint that never handshakes", map[string]string{"CAIRNCONFIG": cfg}, []string{"version", "-e", silent}, "",
			fmt.Sprintf("error: endpoint %s: unreachable (authentication handshake failed: context deadline exceeded)\n", silent)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.env, tt.args...)
			if r.code != 1 {
				t.Errorf("cairnctl %q exited %d, want 1", tt.args, r.code)
			}
			if diff := cmp.Diff(tt.stdout, r.stdout); diff != "" {
				t.Errorf("cairnctl %q stdout (-want +got):\n%s", tt.args, diff)
			}
			if diff := cmp.Diff(tt.stderr, r.stderr); diff != "" {
				t.Errorf("cairnctl %q stderr (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

// silentPort returns a loopback address that accepts TCP connections and never answers (as a
// blackholed or hung endpoint does, from the client's side).
func silentPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				_ = c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	return l.Addr().String()
}

// deadPort returns a loopback address where nothing listens (a port just released).
func deadPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestUnreachable checks how an unreachable endpoint or node is named.
func TestUnreachable(t *testing.T) {
	ep, node := []string{"127.0.0.1:4000"}, []string{"10.5.0.9"}
	tests := []struct {
		name string
		t    targets
		err  error
		want string
	}{
		{"proxied dial to the node", targets{ep, node}, status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp 10.5.0.9:50000: i/o timeout"`),
			"node 10.5.0.9: unreachable (i/o timeout)"},
		{"apid's plain reply", targets{ep, node}, status.Error(codes.Unavailable, `node "10.5.0.9" is unreachable`), "node 10.5.0.9: unreachable"},
		{"endpoint dial with a node named", targets{ep, node}, status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:4000: connect: connection refused"`),
			"endpoint 127.0.0.1:4000: unreachable (connect: connection refused)"},
		{"handshake timeout", targets{endpoints: ep}, status.Error(codes.Unavailable, `connection error: desc = "transport: authentication handshake failed: context deadline exceeded"`),
			"endpoint 127.0.0.1:4000: unreachable (authentication handshake failed: context deadline exceeded)"},
		{"other codes unchanged", targets{ep, node}, status.Error(codes.PermissionDenied, "no"), "PermissionDenied: no"},
		{"a node's own Unavailable unchanged", targets{ep, node}, status.Error(codes.Unavailable, "unavailable: kernel log: /dev/kmsg is not readable"),
			"Unavailable: unavailable: kernel log: /dev/kmsg is not readable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.t.unreachable(apiError(tt.err)).Error(); got != tt.want {
				t.Errorf("unreachable(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
	for _, tt := range []struct{ msg, want string }{
		{`connection error: desc = "transport: Error while dialing: dial tcp 10.5.0.9:50000: i/o timeout"`,
			`node 10.5.0.9: unreachable (connection error: desc = "transport: Error while dialing: dial tcp 10.5.0.9:50000: i/o timeout")`},
		{"unavailable: kernel log: /dev/kmsg is not readable", "node 10.5.0.9: unavailable: kernel log: /dev/kmsg is not readable"},
		{`node "10.5.0.9" is unreachable`, "node 10.5.0.9: unreachable"},
	} {
		md := &common.Metadata{Node: "10.5.0.9", Error: tt.msg, Code: uint32(codes.Unavailable)}
		if got := nodeError(md); got != tt.want {
			t.Errorf("nodeError(%v) = %q, want %q", md, got, tt.want)
		}
	}
}

// TestPrintNext: cluster create's list of next steps is the only one (the quickstart prints
// none of its own); it starts with the PATH line when cairnctl is not on $PATH.
func TestPrintNext(t *testing.T) {
	plan := &qemu.Plan{Name: "demo", Nodes: []qemu.Node{{Name: "demo-cp1"}}}
	var out strings.Builder
	printNext(&out, plan, &qemu.State{Accel: "tcg"}, true, "/src/_out", "")
	want := `
cluster "demo" is up (1 node(s), tcg). Next:
  export PATH=/src/_out:$PATH   # cairnctl is not on your PATH yet
  cairnctl version                 # client and node versions over mTLS
  cairnctl services                # the node's services
  cairnctl logs machined           # machined's log
  cairnctl dmesg                   # the kernel log
  cairnctl cluster show --name demo
  cairnctl cluster stop --name demo
  cairnctl cluster destroy --name demo
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("printNext (-want +got):\n%s", diff)
	}
}

// TestQuickstartHasNoOwnNextSteps: the quickstart once printed its own list, different from
// cluster create's (without export PATH); now create's list is the only one.
func TestQuickstartHasNoOwnNextSteps(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "hack", "quickstart.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "cairnctl ") || strings.Contains(line, "<<") {
			t.Errorf("hack/quickstart.sh:%d prints its own next steps: %q", i+1, line)
		}
	}
}

// FuzzUnreachable: whatever message a server's Unavailable status carries, rewriting it never
// panics, names a target when it says one was unreachable and leaves it alone otherwise.
func FuzzUnreachable(f *testing.F) {
	f.Add(`connection error: desc = "transport: Error while dialing: dial tcp 10.5.0.9:50000: i/o timeout"`, "10.5.0.9")
	f.Add("node unreachable", "")
	f.Add(`dial tcp : `, "127.0.0.1:4000")
	f.Fuzz(func(t *testing.T, msg, node string) {
		tg := targets{endpoints: []string{"127.0.0.1:4000"}}
		if node != "" {
			tg.nodes = []string{node}
		}
		got := tg.unreachable(apiError(status.Error(codes.Unavailable, msg))).Error()
		if !utf8.ValidString(got) || strings.ContainsFunc(got, needsEscape) {
			t.Errorf("unreachable(%q) = %q, not printable", msg, got)
		}
		switch {
		case !unreachableStatus(codes.Unavailable, msg):
			if want := "Unavailable: " + printable(msg); got != want {
				t.Errorf("unreachable(%q) = %q, want it unchanged (but printable)", msg, got)
			}
		case !strings.HasPrefix(got, "endpoint ") && !strings.HasPrefix(got, "node "):
			t.Errorf("unreachable(%q) = %q, names no target", msg, got)
		}
	})
}
