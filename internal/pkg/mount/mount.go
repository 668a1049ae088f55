// Package mount describes mounts as values that know how to create and print themselves
// (like u-root's libinit table), and attaches files to loop devices.
package mount

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

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

// Info is one line of /proc/self/mountinfo.
type Info struct {
	ID, Parent int
	Root       string
	Target     string
	FSType     string
	Source     string
}

// ParseMountInfo parses the mountinfo(5) format.
func ParseMountInfo(r io.Reader) ([]Info, error) {
	var out []Info
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if len(f) < 7 || sep < 0 || sep+2 >= len(f) {
			return nil, fmt.Errorf("mountinfo line %d: %q has too few fields", n, sc.Text())
		}
		var i Info
		if _, err := fmt.Sscanf(f[0]+" "+f[1], "%d %d", &i.ID, &i.Parent); err != nil {
			return nil, fmt.Errorf("mountinfo line %d: ids: %w", n, err)
		}
		i.Root, i.Target = unescape(f[3]), unescape(f[4])
		i.FSType, i.Source = f[sep+1], unescape(f[sep+2])
		out = append(out, i)
	}
	return out, sc.Err()
}

// unescape decodes the octal escapes (\040 for space) of mountinfo paths.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return s[0] <= '3'
}
