package procfs

import (
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Conn is one socket from /proc/net/{tcp,tcp6,udp,udp6}.
type Conn struct {
	Local, Remote string
	State         string
	UID           uint32
	Inode         uint64
}

var tcpStates = map[string]string{
	"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
	"06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING",
}

// ParseNet parses a /proc/net/tcp-style table. udp reports the state as "" unless bound.
func ParseNet(data string, udp bool) ([]Conn, error) {
	lines := strings.Split(strings.TrimSpace(data), "\n")
	var out []Conn
	for i, line := range lines {
		if i == 0 || strings.TrimSpace(line) == "" {
			continue // header
		}
		f := strings.Fields(line)
		if len(f) < 10 {
			return nil, fmt.Errorf("net line %d: want at least 10 fields, got %d", i+1, len(f))
		}
		local, err := parseAddr(f[1])
		if err != nil {
			return nil, fmt.Errorf("net line %d: local: %w", i+1, err)
		}
		remote, err := parseAddr(f[2])
		if err != nil {
			return nil, fmt.Errorf("net line %d: remote: %w", i+1, err)
		}
		uid, _ := strconv.ParseUint(f[7], 10, 32)
		inode, _ := strconv.ParseUint(f[9], 10, 64)
		state := tcpStates[strings.ToUpper(f[3])]
		if udp {
			state = ""
			if f[3] == "07" {
				state = "UNCONN"
			}
		}
		out = append(out, Conn{Local: local, Remote: remote, State: state, UID: uint32(uid), Inode: inode})
	}
	return out, nil
}

// parseAddr decodes "0100007F:C350" (little-endian 32-bit words) into "127.0.0.1:50000".
func parseAddr(s string) (string, error) {
	h, p, ok := strings.Cut(s, ":")
	if !ok {
		return "", fmt.Errorf("%q has no port", s)
	}
	raw, err := hex.DecodeString(h)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return "", fmt.Errorf("%q is not a hex IPv4 or IPv6 address", h)
	}
	for i := 0; i+4 <= len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return "", fmt.Errorf("port %q: %w", p, err)
	}
	return net.JoinHostPort(net.IP(raw).String(), strconv.FormatUint(port, 10)), nil
}
