package imager

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// forbidden names may never appear anywhere in the root: shells and remote-login daemons.
var forbidden = map[string]string{
	"sh": "shell", "bash": "shell", "dash": "shell", "ash": "shell", "busybox": "shell",
	"zsh": "shell", "ksh": "shell", "mksh": "shell", "csh": "shell", "tcsh": "shell",
	"fish": "shell", "rbash": "shell", "ssh": "SSH client", "sshd": "SSH daemon",
	"dropbear": "SSH daemon", "su": "privilege escalation", "sudo": "privilege escalation",
	"doas": "privilege escalation", "pkexec": "privilege escalation", "login": "login program",
}

// checkEntry applies the image policy to one file: its path, its mode and whether it is a
// symbolic link (links are always 0777 and exempt from the world-writable rule).
func checkEntry(p string, mode fs.FileMode) []string {
	var out []string
	if what, ok := forbidden[path.Base(p)]; ok {
		out = append(out, fmt.Sprintf("%s: forbidden %s", p, what))
	}
	if mode&fs.ModeSetuid != 0 {
		out = append(out, fmt.Sprintf("%s: setuid", p))
	}
	if mode&fs.ModeSetgid != 0 {
		out = append(out, fmt.Sprintf("%s: setgid", p))
	}
	if mode&fs.ModeSymlink == 0 && mode.Perm()&0o002 != 0 {
		out = append(out, fmt.Sprintf("%s: world-writable", p))
	}
	return out
}

func policyError(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("image policy violated (no shells, scripts, SSH, su/sudo, setuid/setgid or world-writable files):\n  %s",
		strings.Join(problems, "\n  "))
}

// CheckTree applies the image policy to a directory tree before it is packed.
func CheckTree(root string) error {
	var problems []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		problems = append(problems, checkEntry("/"+filepath.ToSlash(rel), info.Mode())...)
		if info.Mode().IsRegular() && isScript(p) {
			problems = append(problems, fmt.Sprintf("/%s: script (#!), and no interpreter may be in the image", filepath.ToSlash(rel)))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check root tree: %w", err)
	}
	return policyError(problems)
}

// isScript tells whether a file starts with "#!": a script needs an interpreter (a shell,
// most often), and the image carries none.
func isScript(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }()
	head := make([]byte, 2)
	n, _ := io.ReadFull(f, head)
	return n == 2 && string(head) == "#!"
}

// ListEntry is one line of `unsquashfs -lls`.
type ListEntry struct {
	Path string
	Mode fs.FileMode
}

// ParseListing parses the output of `unsquashfs -lls -d "" IMAGE`: a permission string, an
// owner, a size (or "major, minor"), a date, a time and the path (with " -> target" for links).
func ParseListing(r io.Reader) ([]ListEntry, error) {
	var out []ListEntry
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || !strings.ContainsAny(line[:1], "-dlcbps") {
			continue
		}
		e, err := parseListLine(line)
		if err != nil {
			return nil, fmt.Errorf("unsquashfs listing line %d: %w", n, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

func parseListLine(line string) (ListEntry, error) {
	f := strings.Fields(line)
	if len(f) < 5 || len(f[0]) != 10 {
		return ListEntry{}, fmt.Errorf("%q has no permission string and path", line)
	}
	mode, err := parsePerm(f[0])
	if err != nil {
		return ListEntry{}, err
	}
	// The path follows the time (hh:mm); the size may hold a comma for devices.
	i := 4
	for i < len(f) && !isClock(f[i]) {
		i++
	}
	if i >= len(f) {
		return ListEntry{}, fmt.Errorf("%q has no time and path", line)
	}
	p := strings.Join(f[i+1:], " ")
	if mode&fs.ModeSymlink != 0 {
		p, _, _ = strings.Cut(p, " -> ")
	}
	if p == "" {
		p = "/"
	}
	return ListEntry{Path: p, Mode: mode}, nil
}

func isClock(s string) bool {
	return len(s) == 5 && s[2] == ':' && strings.Trim(s[:2]+s[3:], "0123456789") == ""
}

func parsePerm(s string) (fs.FileMode, error) {
	var m fs.FileMode
	switch s[0] {
	case '-':
	case 'd':
		m |= fs.ModeDir
	case 'l':
		m |= fs.ModeSymlink
	case 'c':
		m |= fs.ModeDevice | fs.ModeCharDevice
	case 'b':
		m |= fs.ModeDevice
	case 'p':
		m |= fs.ModeNamedPipe
	case 's':
		m |= fs.ModeSocket
	default:
		return 0, fmt.Errorf("unknown file type %q", s[0])
	}
	bits := [9]fs.FileMode{0o400, 0o200, 0o100, 0o040, 0o020, 0o010, 0o004, 0o002, 0o001}
	for i, c := range s[1:10] {
		switch {
		case c == '-':
		case c == rune("rwxrwxrwx"[i]):
			m |= bits[i]
		case (i == 2 || i == 5) && (c == 's' || c == 'S'):
			if c == 's' {
				m |= bits[i] //nolint:gosec // i < 9: the range is over s[1:10] and bits has 9 entries.
			}
			m |= map[int]fs.FileMode{2: fs.ModeSetuid, 5: fs.ModeSetgid}[i]
		case i == 8 && (c == 't' || c == 'T'):
			if c == 't' {
				m |= bits[i] //nolint:gosec // i < 9: the range is over s[1:10] and bits has 9 entries.
			}
			m |= fs.ModeSticky
		default:
			return 0, fmt.Errorf("bad permission string %q", s)
		}
	}
	return m, nil
}

// CheckListing applies the image policy to a parsed squashfs listing.
func CheckListing(entries []ListEntry) error {
	var problems []string
	for _, e := range entries {
		problems = append(problems, checkEntry(e.Path, e.Mode)...)
	}
	return policyError(problems)
}
