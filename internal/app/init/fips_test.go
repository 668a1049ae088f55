package init

import (
	"slices"
	"strings"
	"testing"

	"github.com/cairn-os/cairn/internal/pkg/cmdline"
)

func TestFIPSEnv(t *testing.T) {
	base := []string{"PATH=/sbin", "GODEBUG=x509sha1=0"}
	tests := []struct {
		line, want string
		strict     bool
		err        string
	}{
		{line: "console=ttyS0", want: "GODEBUG=x509sha1=0"},
		{line: "cairn.fips=on", want: "GODEBUG=x509sha1=0"},
		{line: "cairn.fips=strict", want: "GODEBUG=x509sha1=0,fips140=only", strict: true},
		{line: "cairn.fips=only", want: "GODEBUG=x509sha1=0", err: `cairn.fips="only": want strict or on`},
	}
	for _, tt := range tests {
		env, strict, err := fipsEnv(cmdline.Parse(tt.line), slices.Clone(base))
		if strict != tt.strict || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: strict %v, error %v; want %v, %q", tt.line, strict, err, tt.strict, tt.err)
		}
		if !slices.Contains(env, tt.want) || !slices.Contains(env, "PATH=/sbin") || len(env) != 2 {
			t.Errorf("%s: env %q, want %s and PATH", tt.line, env, tt.want)
		}
	}
	env, _, _ := fipsEnv(cmdline.Parse("cairn.fips=strict"), []string{"PATH=/sbin"})
	if !slices.Equal(env, []string{"PATH=/sbin", "GODEBUG=fips140=only"}) {
		t.Errorf("no GODEBUG before: env %q", env)
	}
}
