package mount

import "testing"

func TestIsMountpoint(t *testing.T) {
	for _, tt := range []struct {
		path string
		want bool
	}{{"/proc", true}, {"/", true}, {t.TempDir(), false}} {
		if got, err := IsMountpoint(tt.path); err != nil || got != tt.want {
			t.Errorf("IsMountpoint(%q) = %v, %v, want %v", tt.path, got, err, tt.want)
		}
	}
	if _, err := IsMountpoint("/does/not/exist"); err == nil {
		t.Error("IsMountpoint(missing path) = nil error, want error")
	}
}

func TestPointString(t *testing.T) {
	p := Point{Source: "tmpfs", Target: "/run", FSType: "tmpfs", Data: "mode=0755"}
	if got, want := p.String(), "mount -t tmpfs tmpfs /run -o mode=0755"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
