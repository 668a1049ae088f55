package cairnctl

import (
	"bytes"
	"context"
	"testing"
)

// result is what one in-process cairnctl run produced.
type result struct {
	code           int
	stdout, stderr string
}

// run executes cairnctl in-process with args and an environment holding only env.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Context{
		Args: args, Stdout: &out, Stderr: &errOut,
		Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	}.Execute(context.Background())
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// mustRun is run that fails the test unless cairnctl exits 0.
func mustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	r := run(t, env, args...)
	if r.code != 0 {
		t.Fatalf("cairnctl %q exited %d:\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}
