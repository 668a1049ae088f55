// Package probe parses what the Debian baseline reports about itself at run time: the
// runtime-probe block its image prints on the serial console (see the peer's build-rootfs.sh
// and measure-runtime.sh) and `ps` output read over SSH.
package probe

import (
	"bufio"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Markers of the probe block on the serial console.
const (
	Begin    = "===PROBE-BEGIN==="
	End      = "===PROBE-END==="
	bootDone = "PROBE-BOOT-DONE"
)

// Block is the parsed probe block.
type Block struct {
	BootDone        string   // the PROBE-BOOT-DONE line, "" if not seen
	Uptime          float64  // seconds since boot when the block was printed
	Sockets         []string // tcp and udp lines of `ss -tulpn`
	MemTotalKiB     int64
	MemAvailableKiB int64
	Processes       int // entries of /proc/[0-9]*, kernel threads included
	Services        []string
}

// UsedBytes is MemTotal - MemAvailable, the figure measure-runtime.sh prints.
func (b *Block) UsedBytes() int64 { return (b.MemTotalKiB - b.MemAvailableKiB) * 1024 }

var escape = regexp.MustCompile(`\x1b\[[0-9;?]*[a-zA-Z]`)

// Clean removes carriage returns and terminal escape sequences from a serial log.
func Clean(serial string) string {
	return escape.ReplaceAllString(strings.ReplaceAll(serial, "\r", ""), "")
}

// Parse finds the probe block in a serial console log and parses it.
func Parse(serial string) (*Block, error) {
	s := Clean(serial)
	b := &Block{}
	if i := strings.Index(s, bootDone); i >= 0 {
		line, _, _ := strings.Cut(s[i:], "\n")
		b.BootDone = strings.TrimSpace(line)
	}
	start := strings.Index(s, Begin)
	if start < 0 {
		return nil, fmt.Errorf("probe block: %s not found", Begin)
	}
	body, _, ok := strings.Cut(s[start+len(Begin):], End)
	if !ok {
		return nil, fmt.Errorf("probe block: %s not found after %s", End, Begin)
	}
	if err := b.parseBody(body); err != nil {
		return nil, err
	}
	if b.MemTotalKiB == 0 || b.MemAvailableKiB == 0 {
		return nil, fmt.Errorf("probe block: MemTotal (%d kB) or MemAvailable (%d kB) missing", b.MemTotalKiB, b.MemAvailableKiB)
	}
	if b.MemAvailableKiB > b.MemTotalKiB {
		return nil, fmt.Errorf("probe block: MemAvailable %d kB exceeds MemTotal %d kB", b.MemAvailableKiB, b.MemTotalKiB)
	}
	return b, nil
}

func (b *Block) parseBody(body string) error {
	section := ""
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "---") && strings.HasSuffix(line, "---") && len(line) > 6 {
			section = strings.Trim(line, "-")
			continue
		}
		if err := b.parseLine(section, line); err != nil {
			return err
		}
	}
	return sc.Err()
}

func (b *Block) parseLine(section, line string) error {
	f := strings.Fields(line)
	if len(f) == 0 {
		return nil
	}
	var err error
	switch {
	case section == "" && f[0] == "uptime" && len(f) > 1:
		b.Uptime, err = strconv.ParseFloat(f[1], 64)
	case section == "ss -tulpn" && (strings.HasPrefix(f[0], "tcp") || strings.HasPrefix(f[0], "udp")):
		b.Sockets = append(b.Sockets, line)
	case section == "meminfo" && len(f) >= 2 && (f[0] == "MemTotal:" || f[0] == "MemAvailable:"):
		var v int64
		if v, err = strconv.ParseInt(f[1], 10, 64); err == nil && v >= 0 && v < 1<<50 {
			if f[0] == "MemTotal:" {
				b.MemTotalKiB = v
			} else {
				b.MemAvailableKiB = v
			}
		} else if err == nil {
			err = fmt.Errorf("negative or too large")
		}
	case section == "procs" && f[0] == "processes" && len(f) > 1:
		b.Processes, err = strconv.Atoi(f[1])
	case section == "running services":
		b.Services = append(b.Services, f[0])
	}
	if err != nil {
		return fmt.Errorf("probe block: section %q: line %q: %w", section, line, err)
	}
	return nil
}
