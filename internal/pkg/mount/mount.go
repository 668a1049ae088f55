// Package mount describes mounts as values that know how to create and print themselves
// (like u-root's libinit table), and attaches files to loop devices.
package mount

import "fmt"

// Point is one mount: what, where, which filesystem, flags and options.
type Point struct {
	Source string
	Target string
	FSType string
	Flags  uintptr
	Data   string
	// Optional mounts log their failure and boot goes on (e.g. a filesystem the kernel may
	// lack).
	Optional bool
}

func (p Point) String() string {
	s := fmt.Sprintf("mount -t %s %s %s", p.FSType, p.Source, p.Target)
	if p.Data != "" {
		s += " -o " + p.Data
	}
	return s
}
