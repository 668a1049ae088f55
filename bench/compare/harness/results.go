package harness

import (
	"time"

	"github.com/cairn-os/cairn/bench/compare/surface"
)

// osResult is everything measured about one system.
type osResult struct {
	img        *image
	surface    *surface.Figures
	components int
	runtime    runtimeFigures
}

// results is everything one comparison measured.
type results struct {
	started  time.Time
	cairn    osResult
	debian   osResult
	runs     []bootRun
	qemu     map[string][]string // QEMU command line per system
	commands []string            // every host command run, in order
	apiBench string              // Markdown
	cairnctl string
}
