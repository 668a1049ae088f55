// Package cairnctl implements the cairnctl command line: one file per command, each a
// constructor with its own flags struct and a run method.
package cairnctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Context is one invocation of cairnctl: its arguments and standard streams. Tests build one
// and call Execute, so the whole CLI runs in-process.
type Context struct {
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Env looks up environment variables; nil means os.LookupEnv.
	Env func(string) (string, bool)
}

// globals are the flags every command shares.
type globals struct {
	ctx         Context
	cairnconfig string
	context     string
	nodes       []string
	endpoints   []string
	// used are the targets of the last connection, to name them in errors.
	used targets
}

// lookupEnv returns the value of an environment variable through the Context.
func (g *globals) lookupEnv(name string) (string, bool) {
	if g.ctx.Env != nil {
		return g.ctx.Env(name)
	}
	return os.LookupEnv(name)
}

// exitError carries a specific exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// Execute runs the command line and returns the process exit code.
func (c Context) Execute(ctx context.Context) int {
	root, g := c.root()
	root.SetArgs(c.Args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	err = g.used.unreachable(err)
	_, _ = fmt.Fprintf(c.Stderr, "error: %v\n", err) // nothing better to do if stderr fails
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func (c Context) root() (*cobra.Command, *globals) {
	g := &globals{ctx: c}
	root := &cobra.Command{
		Use:   "cairnctl",
		Short: "Manage Cairn nodes and clusters through the Cairn API",
		Long: `cairnctl is the only way in to a Cairn node: it generates cluster secrets and machine
configurations, and talks to nodes over mutually authenticated TLS.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(c.Stdin)
	root.SetOut(c.Stdout)
	root.SetErr(c.Stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&g.cairnconfig, "cairnconfig", "", "path to the client configuration (default $CAIRNCONFIG, then the user config directory)")
	pf.StringVar(&g.context, "context", "", "context of the client configuration to use (default: its current context)")
	pf.StringSliceVarP(&g.nodes, "nodes", "n", nil, "target nodes, comma separated (default: the context's nodes)")
	pf.StringSliceVarP(&g.endpoints, "endpoints", "e", nil, "API endpoints to connect to, comma separated (default: the context's endpoints)")
	root.AddCommand(commands(g)...)
	return root, g
}
