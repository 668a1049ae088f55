// Package cmdline parses the kernel command line (/proc/cmdline).
package cmdline

import (
	"os"
	"strings"
)

// Cmdline holds the parameters of a kernel command line in order; a flag without "=" has an
// empty value.
type Cmdline struct {
	params [][2]string
}

// Parse splits a command line into parameters. Double quotes group spaces into one value,
// as the kernel does ("key=\"a b\"").
func Parse(s string) *Cmdline {
	c := &Cmdline{}
	var cur strings.Builder
	quoted, have := false, false
	flush := func() {
		if have {
			k, v, _ := strings.Cut(cur.String(), "=")
			c.params = append(c.params, [2]string{k, v})
		}
		cur.Reset()
		have = false
	}
	for _, r := range s {
		switch {
		case r == '"':
			quoted, have = !quoted, true
		case !quoted && (r == ' ' || r == '\t' || r == '\n'):
			flush()
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	flush()
	return c
}

// Read parses /proc/cmdline.
func Read() (*Cmdline, error) {
	data, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return nil, err
	}
	return Parse(string(data)), nil
}

// Get returns the value of the last parameter called key (the kernel's rule: last wins).
func (c *Cmdline) Get(key string) (string, bool) {
	for i := len(c.params) - 1; i >= 0; i-- {
		if c.params[i][0] == key {
			return c.params[i][1], true
		}
	}
	return "", false
}
