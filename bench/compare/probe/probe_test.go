package probe

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	got, err := Parse(serialLog)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := &Block{
		BootDone: "PROBE-BOOT-DONE uptime=31.52 state=running", Uptime: 122.07,
		Sockets: []string{
			`udp   UNCONN 0      0      10.0.2.15%enp0s3:68        0.0.0.0:*    users:(("systemd-network",pid=210,fd=18))`,
			`tcp   LISTEN 0      4096        127.0.0.1:36335      0.0.0.0:*    users:(("containerd",pid=330,fd=10))`,
			`tcp   LISTEN 0      128           0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=331,fd=3))`,
			`tcp   LISTEN 0      128              [::]:22            [::]:*    users:(("sshd",pid=331,fd=4))`,
		},
		MemTotalKiB: 2014116, MemAvailableKiB: 1843300, Processes: 97,
		Services: []string{"containerd.service", "ssh.service"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
	if got, want := got.UsedBytes(), int64(2014116-1843300)*1024; got != want {
		t.Errorf("UsedBytes() = %d, want %d", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"no block", "login:\n", "===PROBE-BEGIN=== not found"},
		{"cut short", strings.Split(serialLog, "---procs")[0], "===PROBE-END=== not found"},
		{"no meminfo", strings.Replace(serialLog, "MemAvailable:    1843300 kB", "", 1), "MemAvailable (0 kB) missing"},
		{"bad number", strings.Replace(serialLog, "processes 97", "processes many", 1), `line "processes many"`},
		{"available above total", strings.Replace(serialLog, "1843300", "3843300", 1), "exceeds MemTotal"},
		{"negative", strings.Replace(serialLog, "MemTotal:        2014116", "MemTotal:        -2014116", 1), "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%s) error = %v, want one containing %q", tc.name, err, tc.want)
			}
		})
	}
}

func TestPS(t *testing.T) {
	procs, err := ParsePS(psOut)
	if err != nil {
		t.Fatalf("ParsePS: %v", err)
	}
	if len(procs) != 10 || procs[0] != (Proc{PID: 1, PPID: 0, RSSBytes: 11520 * 1024, Command: "systemd"}) {
		t.Fatalf("ParsePS = %+v", procs)
	}
	kept := WithoutSSHSessions(procs)
	var pids []int
	for _, p := range kept {
		pids = append(pids, p.PID)
	}
	if want := []int{1, 2, 3, 200, 331, 330}; !cmp.Equal(pids, want) {
		t.Errorf("WithoutSSHSessions kept %v, want %v", pids, want)
	}
	rss, n := UserSpace(kept)
	if want := int64(11520+9000+7680+40960) * 1024; rss != want || n != 4 {
		t.Errorf("UserSpace = %d, %d; want %d, 4", rss, n, want)
	}
}

func TestParsePSErrors(t *testing.T) {
	for _, in := range []string{"", "1 0 systemd", "1 0 -5 systemd", "x 0 5 systemd"} {
		if _, err := ParsePS(in); err == nil {
			t.Errorf("ParsePS(%q) = nil error, want one", in)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(serialLog)
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Parse(s)
		if err == nil && (b.UsedBytes() < 0 || b.MemTotalKiB <= 0) {
			t.Errorf("Parse accepted impossible memory figures: %+v", b)
		}
	})
}

func FuzzParsePS(f *testing.F) {
	f.Add(psOut)
	f.Fuzz(func(t *testing.T, s string) {
		procs, err := ParsePS(s)
		if err != nil {
			return
		}
		rss, n := UserSpace(WithoutSSHSessions(procs))
		if rss < 0 || n < 0 || n > len(procs) {
			t.Errorf("UserSpace = %d, %d for %d processes", rss, n, len(procs))
		}
	})
}
