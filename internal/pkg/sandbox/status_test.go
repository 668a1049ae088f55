package sandbox

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const apidStatus = `Name:	cairn
Umask:	0022
State:	S (sleeping)
Uid:	50	50	50	50
Gid:	50	50	50	50
FDSize:	64
Groups:	49 
NoNewPrivs:	1
CapInh:	0000000000000000
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapBnd:	0000000000000000
CapAmb:	0000000000000000
Seccomp:	0
`

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name, in string
		want     Status
		wantErr  string
	}{
		{name: "apid", in: apidStatus, want: Status{UID: [4]uint32{50, 50, 50, 50}, GID: [4]uint32{50, 50, 50, 50}, Groups: []uint32{49}, NoNewPrivs: true}},
		{name: "root", in: strings.NewReplacer("Uid:\t50\t50\t50\t50", "Uid:\t0\t0\t0\t0", "Groups:\t49 ", "Groups:\t", "NoNewPrivs:\t1", "NoNewPrivs:\t0", "CapEff:\t0000000000000000", "CapEff:\t000001ffffffffff").Replace(apidStatus),
			want: Status{GID: [4]uint32{50, 50, 50, 50}, CapEff: 0x1ffffffffff}},
		{name: "missing NoNewPrivs", in: strings.Replace(apidStatus, "NoNewPrivs:\t1\n", "", 1), wantErr: "status: field NoNewPrivs missing"},
		{name: "bad cap", in: strings.Replace(apidStatus, "CapBnd:\t0000000000000000", "CapBnd:\tzz", 1), wantErr: `status field CapBnd: "zz": strconv.ParseUint: parsing "zz": invalid syntax`},
		{name: "three uids", in: strings.Replace(apidStatus, "Uid:\t50\t50\t50\t50", "Uid:\t50\t50\t50", 1), wantErr: `status field Uid: "50\t50\t50": 3 ids, want 4`},
		{name: "bad flag", in: strings.Replace(apidStatus, "NoNewPrivs:\t1", "NoNewPrivs:\t2", 1), wantErr: `status field NoNewPrivs: "2": want 0 or 1`},
		{name: "seccomp filter", in: strings.Replace(apidStatus, "Seccomp:\t0", "Seccomp:\t2", 1), want: Status{UID: [4]uint32{50, 50, 50, 50}, GID: [4]uint32{50, 50, 50, 50}, Groups: []uint32{49}, NoNewPrivs: true, Seccomp: 2}},
		{name: "bad seccomp", in: strings.Replace(apidStatus, "Seccomp:\t0", "Seccomp:\t3", 1), wantErr: `status field Seccomp: "3": want 0, 1 or 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatus(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseStatus() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseStatus() error = %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("ParseStatus() mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestParseOwnStatus parses the kernel's real output for this process.
func TestParseOwnStatus(t *testing.T) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseStatus(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("ParseStatus(/proc/self/status) error = %v", err)
	}
	if want := uint32(os.Geteuid()); st.UID[1] != want {
		t.Errorf("effective uid = %d, want %d", st.UID[1], want)
	}
}

func FuzzParseStatus(f *testing.F) {
	f.Add(apidStatus)
	f.Add("Uid:\t1 2 3 4\nGroups:\nNoNewPrivs:\t0\n")
	f.Fuzz(func(t *testing.T, in string) {
		st, err := ParseStatus(strings.NewReader(in))
		if err != nil && !cmp.Equal(st, Status{}) {
			t.Errorf("ParseStatus(%q) returned %+v with error %v", in, st, err)
		}
	})
}
