// Command ldflags prints the -ldflags value the image build links an external component of
// the embedded image manifest with (`go run ./hack/ldflags kubernetes`), so that `make
// kubectl` stamps kubectl exactly as the image's Kubernetes is stamped.
package main

import (
	"fmt"
	"os"

	"github.com/cairn-os/cairn/internal/app/imager"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ldflags COMPONENT")
		os.Exit(2)
	}
	m, err := imager.DefaultManifest()
	if err == nil {
		var flags string
		if flags, err = m.LDFlags(os.Args[1]); err == nil {
			fmt.Println(flags)
			return
		}
	}
	fmt.Fprintln(os.Stderr, "ldflags:", err)
	os.Exit(1)
}
