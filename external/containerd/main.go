// Command containerd is containerd and its client ctr from the unmodified
// github.com/containerd/containerd/v2 module in one binary, chosen by the name it runs under
// (/usr/bin/ctr -> containerd) or by its first argument (containerd ctr images list).
//
// The runc shim stays a binary of its own: containerd starts it by name and it re-executes
// os.Executable() (the resolved file, so a link would come back as this binary), and its
// task, shutdown and event plugins register into the same global plugin registry the daemon
// loads every plugin from.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	containerd "github.com/containerd/containerd/v2/cmd/containerd/command"
	ctr "github.com/containerd/containerd/v2/cmd/ctr/app"
	"github.com/containerd/containerd/v2/version"
	"github.com/urfave/cli/v2"

	_ "github.com/containerd/containerd/v2/cmd/containerd/builtins" // the daemon's plugins
)

func main() {
	name, args := filepath.Base(os.Args[0]), os.Args
	if name != "containerd" && name != "ctr" && len(args) > 1 {
		name, args = args[1], args[1:]
	}
	var app *cli.App
	switch name {
	case "containerd":
		app = containerd.App()
		// Both packages' init set the version printer; keep each upstream's own.
		cli.VersionPrinter = func(c *cli.Context) {
			fmt.Println(c.App.Name, version.Package, c.App.Version, version.Revision)
		}
	case "ctr":
		app = ctr.New()
		cli.VersionPrinter = func(c *cli.Context) { fmt.Println(c.App.Name, version.Package, c.App.Version) }
	default:
		fmt.Fprintf(os.Stderr, "containerd: unknown program %q; run as (or pass first) containerd or ctr\n", name)
		os.Exit(2)
	}
	if err := app.Run(args); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s\n", name, err)
		os.Exit(1)
	}
}
