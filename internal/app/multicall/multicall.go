// Package multicall dispatches the image's single binary to the role named by its file name
// (or, when started as "cairn", by its first argument).
package multicall

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/cairn-os/cairn/internal/app/apid"
	initapp "github.com/cairn-os/cairn/internal/app/init"
	"github.com/cairn-os/cairn/internal/app/machined"
	"github.com/cairn-os/cairn/internal/app/mountcmd"
	"github.com/cairn-os/cairn/internal/app/trustd"
)

// mainFunc is the entry point of one role. args excludes the role name.
type mainFunc func(ctx context.Context, args []string) error

// roles maps a role name to its entry point. Add one line per role.
var roles = map[string]mainFunc{
	"init":     initapp.Main,
	"machined": machined.Main,
	"apid":     apid.Main,
	"trustd":   trustd.Main,
	// kubelet's k8s.io/mount-utils runs these; the node has no util-linux.
	"mount":  mountcmd.Mount,
	"umount": mountcmd.Umount,
}

// Main runs the role that argv names and returns the exit code.
func Main(argv []string) int {
	name, args := resolve(argv)
	run, ok := roles[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "cairn: unknown role %q; known roles: %s\n", name, strings.Join(known(), ", "))
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, args); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// resolve picks the role from the program name, or from the first argument when the program
// is called by its own name.
func resolve(argv []string) (string, []string) {
	if len(argv) == 0 {
		return "", nil
	}
	name := filepath.Base(argv[0])
	if name == "cairn" || strings.HasPrefix(name, "cairn.") {
		if len(argv) < 2 {
			return "", nil
		}
		return argv[1], argv[2:]
	}
	return name, argv[1:]
}

func known() []string {
	names := make([]string, 0, len(roles))
	for n := range roles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
