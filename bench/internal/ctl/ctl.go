// Package ctl runs cairnctl inside a benchmark harness's own process, the way the harnesses
// drive local clusters.
package ctl

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cairn-os/cairn/internal/app/cairnctl"
)

// Run runs cairnctl with args and an environment of its own (nothing from the process's) and
// returns its standard output; a non-zero exit is an error carrying both outputs.
func Run(env map[string]string, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	code := cairnctl.Context{Args: args, Stdout: &out, Stderr: &errOut, Env: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}}.Execute(context.Background())
	if code != 0 {
		return out.String(), fmt.Errorf("cairnctl %s: %s%s", strings.Join(args, " "), out.String(), errOut.String())
	}
	return out.String(), nil
}

// Seconds formats durations in seconds with one decimal, separated by spaces.
func Seconds(ts []float64) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = strconv.FormatFloat(t, 'f', 1, 64)
	}
	return strings.Join(s, " ")
}
