// Command cairn is the multi-call binary of the Cairn image: it acts as init, machined, apid,
// trustd, poweroff or reboot depending on the name it was started under.
package main

import (
	"os"

	"github.com/cairn-os/cairn/internal/app/multicall"
)

func main() {
	os.Exit(multicall.Main(os.Args))
}
