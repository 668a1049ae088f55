package ctrimage

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// lsOutput is `ctr images ls` of containerd v2.2.9 (cmd/ctr/commands/images/images.go).
const lsOutput = `REF                                  TYPE                                    DIGEST                                                                  SIZE      PLATFORMS   LABELS 
registry.k8s.io/pause:3.10.1         application/vnd.oci.image.index.v1+json sha256:1111111111111111111111111111111111111111111111111111111111111111 512.0 KiB linux/amd64 io.cri-containerd.image=managed 
localhost/hello:1                    application/vnd.oci.image.manifest.v1+json sha256:2222222222222222222222222222222222222222222222222222222222222222 3.5 MiB   -           - 
`

func TestParseList(t *testing.T) {
	got, err := ParseList([]byte(lsOutput))
	if err != nil {
		t.Fatalf("ParseList: %v", err)
	}
	want := []Image{
		{Name: "registry.k8s.io/pause:3.10.1", MediaType: "application/vnd.oci.image.index.v1+json", Digest: "sha256:" + strings.Repeat("1", 64), Size: 512 << 10, Platforms: []string{"linux/amd64"}},
		{Name: "localhost/hello:1", MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: "sha256:" + strings.Repeat("2", 64), Size: 3.5 * (1 << 20)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseList (-want +got):\n%s", diff)
	}
}

func TestParseListErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", `unexpected header ""`},
		{"no header", "x y z\n", `unexpected header "x y z"`},
		{"short line", "REF TYPE\nname type sha256:1 1.0\n", "line 2: \"name type sha256:1 1.0\": want 7 fields"},
		{"bad unit", "REF\na b c 1.0 XB - -\n", `line 2: "a b c 1.0 XB - -": size "1.0 XB"`},
		{"negative", "REF\na b c -1.0 B - -\n", `size "-1.0 B"`},
		{"NaN", "REF\na b c NaN B - -\n", `size "NaN B"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseList([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseList(%q) = %v, want an error containing %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestParseImported(t *testing.T) {
	d := "sha256:" + strings.Repeat("a", 64)
	out := "unpacking localhost/hello:1 (" + d + ")...done\nunpacking docker.io/library/x:latest (" + d + ")...done\n"
	want := []string{"localhost/hello:1@" + d, "docker.io/library/x:latest@" + d}
	if diff := cmp.Diff(want, ParseImported([]byte(out))); diff != "" {
		t.Errorf("ParseImported (-want +got):\n%s", diff)
	}
	if got := ParseImported([]byte("ctr: nothing\n")); got != nil {
		t.Errorf("ParseImported(no images) = %q, want none", got)
	}
}

func FuzzParseList(f *testing.F) {
	f.Add([]byte(lsOutput))
	f.Add([]byte("REF\na b c 1e400 GiB x -\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		imgs, err := ParseList(data)
		if err != nil {
			return
		}
		for _, img := range imgs {
			if img.Name == "" || strings.ContainsAny(img.Name, " \t\n") {
				t.Errorf("ParseList(%q) gave name %q", data, img.Name)
			}
		}
	})
}

func FuzzParseImported(f *testing.F) {
	f.Add([]byte("unpacking a (sha256:" + strings.Repeat("0", 64) + ")...done\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range ParseImported(data) {
			if !strings.Contains(s, "@sha256:") {
				t.Errorf("ParseImported(%q) gave %q", data, s)
			}
		}
	})
}
