package cmdline

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	c := Parse(`console=ttyS0 quiet cairn.config=http://10.5.0.1:8080/c?a=b ip=dhcp msg="a b c" ip=10.0.0.2::10.0.0.1:255.255.255.0` + "\n")
	for _, tc := range []struct {
		key, want string
		ok        bool
	}{
		{"console", "ttyS0", true},
		{"quiet", "", true},
		{"cairn.config", "http://10.5.0.1:8080/c?a=b", true},
		{"msg", "a b c", true},
		{"ip", "10.0.0.2::10.0.0.1:255.255.255.0", true},
		{"missing", "", false},
	} {
		if got, ok := c.Get(tc.key); got != tc.want || ok != tc.ok {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tc.key, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`a=b "c d"=e f`)
	f.Fuzz(func(t *testing.T, s string) {
		c := Parse(s)
		for _, p := range c.params {
			if strings.ContainsAny(p[0], " \t\n") && !strings.Contains(s, `"`) {
				t.Fatalf("unquoted key %q holds a space", p[0])
			}
		}
	})
}
