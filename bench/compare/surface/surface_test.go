package surface

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		file string
		want Figures
	}{
		{"debian.txt", Figures{
			Rootfs: "/work/main/_cache/bench/debian/rootfs", RegularFiles: 21408, ELFExecutables: 612,
			ELFStatic: 3, ELFTotal: 4903, PathCommandNames: 781, PathInodes: 655, Setuid: 8, Setgid: 3,
			Shells: []string{"sh", "bash", "rbash", "dash"}, Interpreters: []string{"perl", "gawk", "mawk", "awk"},
			Packages: 231, PackageDB: "dpkg, state ii", SizeBytes: 632418304, KernelPartBytes: 140512256,
			SquashfsBytes: 187265024, SetuidFiles: []string{"/usr/bin/chfn", "/usr/bin/su"},
			SetgidFiles: []string{"/usr/bin/chage"},
		}},
		{"cairn.txt", Figures{
			Rootfs: "/tmp/bench-cairn-root/root", RegularFiles: 40, ELFExecutables: 1, ELFStatic: 1,
			ELFTotal: 39, PathInodes: 1, PackageDB: "no package database", SizeBytes: 21032960,
			KernelPartBytes: 6000000, SquashfsBytes: -1, SetuidFiles: []string{}, SetgidFiles: []string{},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Parse(f)
			if err != nil {
				t.Fatalf("Parse(%s): %v", tc.file, err)
			}
			if diff := cmp.Diff(&tc.want, got); diff != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s", tc.file, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	good, err := os.ReadFile("testdata/debian.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"missing key", strings.Replace(string(good), "setgid_files: 3\n", "", 1), `key "setgid_files" missing`},
		{"not a number", strings.Replace(string(good), "setuid_files: 8", "setuid_files: many", 1), `setuid_files: "many"`},
		{"negative", strings.Replace(string(good), "setuid_files: 8", "setuid_files: -8", 1), `setuid_files: "-8"`},
		{"garbage line", "hello world\n" + string(good), `line 1: "hello world"`},
		{"empty", "", `key "rootfs" missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%s) error = %v, want one containing %q", tc.name, err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"debian.txt", "cairn.txt"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(strings.NewReader(s))
		if err == nil && (got.ELFExecutables < 0 || got.Setuid < 0 || got.SizeBytes < 0) {
			t.Errorf("Parse accepted negative figures: %+v", got)
		}
	})
}
