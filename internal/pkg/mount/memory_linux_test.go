package mount

import "testing"

func TestInMemory(t *testing.T) {
	for _, tt := range []struct {
		dir  string
		want bool
	}{{"/dev/shm", true}, {"/proc", false}, {"/sys", false}} {
		if got, err := InMemory(tt.dir); err != nil || got != tt.want {
			t.Errorf("InMemory(%s) = %v, %v; want %v", tt.dir, got, err, tt.want)
		}
	}
	if _, err := InMemory("/nonexistent/dir"); err == nil {
		t.Errorf("InMemory(/nonexistent/dir) = nil error, want one")
	}
}
