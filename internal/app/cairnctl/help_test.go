package cairnctl

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryHelpRenders runs `--help` on every command in the tree and checks that it succeeds
// and explains the command.
func TestEveryHelpRenders(t *testing.T) {
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			walk(sub, append(append([]string(nil), path...), sub.Name()))
		}
	}
	root, _ := Context{}.root()
	walk(root, nil)
	if len(paths) < 2 {
		t.Fatalf("command tree has %d commands, want more than the root", len(paths))
	}
	for _, p := range paths {
		t.Run(strings.Join(append([]string{"cairnctl"}, p...), " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Context{Args: append(append([]string(nil), p...), "--help"), Stdout: &out, Stderr: &errOut}.Execute(context.Background())
			if code != 0 {
				t.Fatalf("exit code %d, stderr %q", code, errOut.String())
			}
			help := out.String()
			if !strings.Contains(help, "Usage:") {
				t.Errorf("help has no Usage section:\n%s", help)
			}
			if len(strings.TrimSpace(strings.SplitN(help, "\n", 2)[0])) == 0 {
				t.Errorf("help does not start with a description:\n%s", help)
			}
		})
	}
}
