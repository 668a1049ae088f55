package multicall

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		argv     []string
		wantName string
		wantArgs []string
	}{
		{[]string{"/sbin/init"}, "init", []string{}},
		{[]string{"/usr/bin/machined", "--mode", "container"}, "machined", []string{"--mode", "container"}},
		{[]string{"./cairn", "apid", "-x"}, "apid", []string{"-x"}},
		{[]string{"cairn"}, "", nil},
		{nil, "", nil},
	} {
		name, args := resolve(tc.argv)
		if name != tc.wantName || !cmp.Equal(args, tc.wantArgs) {
			t.Errorf("resolve(%q) = %q, %q; want %q, %q", tc.argv, name, args, tc.wantName, tc.wantArgs)
		}
	}
}
