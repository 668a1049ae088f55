// Package procfs parses the /proc files behind the node API's Processes, Memory, Mounts,
// LoadAvg and Netstat calls. Every parser takes the file's content, so tests feed it text.
package procfs

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// MemInfo holds the /proc/meminfo values the API reports, in bytes.
type MemInfo struct {
	Total, Free, Available, Buffers, Cached, SwapTotal, SwapFree uint64
}

// ParseMemInfo parses /proc/meminfo.
func ParseMemInfo(data string) (MemInfo, error) {
	var m MemInfo
	fields := map[string]*uint64{
		"MemTotal": &m.Total, "MemFree": &m.Free, "MemAvailable": &m.Available, "Buffers": &m.Buffers,
		"Cached": &m.Cached, "SwapTotal": &m.SwapTotal, "SwapFree": &m.SwapFree,
	}
	sc := bufio.NewScanner(strings.NewReader(data))
	for sc.Scan() {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		dst, known := fields[key]
		if !ok || !known {
			continue
		}
		parts := strings.Fields(rest)
		if len(parts) == 0 {
			return m, fmt.Errorf("meminfo: %s: no value", key)
		}
		v, err := strconv.ParseUint(parts[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("meminfo: %s: %w", key, err)
		}
		if len(parts) > 1 && parts[1] == "kB" {
			v *= 1024
		}
		*dst = v
	}
	if m.Total == 0 {
		return m, fmt.Errorf("meminfo: no MemTotal")
	}
	return m, nil
}

// LoadAvg parses /proc/loadavg.
func LoadAvg(data string) (l1, l5, l15 float64, err error) {
	f := strings.Fields(data)
	if len(f) < 3 {
		return 0, 0, 0, fmt.Errorf("loadavg: want 3 values, got %q", data)
	}
	v := make([]float64, 0, 3)
	for _, s := range f[:3] {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("loadavg: %w", err)
		}
		v = append(v, x)
	}
	return v[0], v[1], v[2], nil
}

// Mount is one line of /proc/self/mounts.
type Mount struct {
	Device, Mountpoint, FSType, Options string
}

// ParseMounts parses /proc/self/mounts (octal escapes decoded).
func ParseMounts(data string) ([]Mount, error) {
	var out []Mount
	for i, line := range strings.Split(strings.TrimSpace(data), "\n") {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			return nil, fmt.Errorf("mounts line %d: want at least 4 fields, got %d", i+1, len(f))
		}
		out = append(out, Mount{Device: unescape(f[0]), Mountpoint: unescape(f[1]), FSType: f[2], Options: f[3]})
	}
	return out, nil
}

// unescape decodes the \NNN octal escapes of mount fields.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
