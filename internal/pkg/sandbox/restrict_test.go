package sandbox

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-os/cairn/internal/pkg/seccomp"
)

func TestCheck(t *testing.T) {
	apid := Status{UID: [4]uint32{50, 50, 50, 50}, NoNewPrivs: true}
	with := func(f func(*Status)) Status { s := apid; f(&s); return s }
	tests := []struct {
		name         string
		threads      []Status
		wantWarnings []string
		wantErr      string
	}{
		{name: "apid", threads: []Status{apid, apid}},
		{name: "none", wantErr: "no thread status to check"},
		{name: "effective", threads: []Status{apid, with(func(s *Status) { s.CapEff = 1 << 21 })},
			wantErr: "thread 1 holds capabilities (CapEff=0000000000200000 CapPrm=0000000000000000 CapAmb=0000000000000000): this service runs without any; start it from machined, which drops them"},
		{name: "permitted", threads: []Status{with(func(s *Status) { s.CapPrm = 1 })}, wantErr: "thread 0 holds capabilities (CapEff=0000000000000000 CapPrm=0000000000000001 CapAmb=0000000000000000): this service runs without any; start it from machined, which drops them"},
		{name: "ambient", threads: []Status{with(func(s *Status) { s.CapAmb = 1 << 10 })}, wantErr: "thread 0 holds capabilities (CapEff=0000000000000000 CapPrm=0000000000000000 CapAmb=0000000000000400): this service runs without any; start it from machined, which drops them"},
		{name: "no_new_privs unset", threads: []Status{apid, with(func(s *Status) { s.NoNewPrivs = false })}, wantErr: "thread 1 has no_new_privs unset"},
		{name: "unprivileged machined", threads: []Status{with(func(s *Status) { s.CapBnd = 0x1ffffffffff })},
			wantWarnings: []string{"capability bounding set is not empty (CapBnd=000001ffffffffff): only a privileged machined can empty it"}},
		{name: "uid 0 without capabilities", threads: []Status{with(func(s *Status) { s.UID = [4]uint32{} })},
			wantWarnings: []string{"running as uid 0 without capabilities: only a privileged machined can switch to the service's own uid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Check(tt.threads)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Check() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check() error = %v", err)
			}
			if d := cmp.Diff(tt.wantWarnings, got); d != "" {
				t.Errorf("Check() warnings mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestDrop(t *testing.T) {
	if d := cmp.Diff([]uintptr{0, 2, 40}, Drop(1|1<<2|1<<10|1<<40, []uintptr{10, 12})); d != "" {
		t.Errorf("Drop() mismatch (-want +got):\n%s", d)
	}
	if got := Drop(0, nil); got != nil {
		t.Errorf("Drop(0) = %v, want none", got)
	}
}

// TestRestrictInChild runs Restrict in a fresh process (this test binary again), since it
// changes the process for good. As root the child holds capabilities and must refuse to run;
// otherwise it must succeed with no_new_privs set.
func TestRestrictInChild(t *testing.T) {
	if os.Getenv("SANDBOX_RESTRICT_CHILD") == "1" {
		r, err := Restrict(nil, seccomp.APID)
		if err != nil {
			os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(3)
		}
		os.Stdout.WriteString(strings.Join(r.Warnings, "\n") + "\n")
		if !r.NoNewPrivs {
			os.Exit(4)
		}
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRestrictInChild$")
	cmd.Env = append(os.Environ(), "SANDBOX_RESTRICT_CHILD=1")
	out, err := cmd.Output()
	if os.Geteuid() == 0 {
		if !strings.Contains(string(out), "error: thread 0 holds capabilities") {
			t.Fatalf("Restrict as root with capabilities: output %q, error %v; want a refusal", out, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Restrict without privileges: output %q, error %v", out, err)
	}
}
