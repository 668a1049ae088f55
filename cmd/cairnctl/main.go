// Command cairnctl is the only client of a Cairn node.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/cairn-os/cairn/internal/app/cairnctl"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cairnctl.Context{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}.Execute(ctx)
	stop()
	os.Exit(code)
}
