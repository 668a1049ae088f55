//go:build e2e

package e2e

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// hostSockets returns the local addresses of the TCP and UDP sockets that process pid holds
// in the host's network namespace (sockets it made inside a cluster namespace do not appear
// in the host's tables).
func hostSockets(pid int) ([]string, error) {
	inodes := map[string]bool{}
	fds, err := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	if err != nil {
		return nil, err
	}
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	var out []string
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6"} {
		// The test runs in the host namespace, so /proc/self/net holds its tables.
		f, err := os.Open("/proc/self/net/" + table)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fl := strings.Fields(sc.Text())
			if len(fl) > 9 && inodes[fl[9]] {
				out = append(out, table+" "+decodeAddr(fl[1]))
			}
		}
		_ = f.Close()
	}
	return out, nil
}

// decodeAddr turns /proc/net/tcp's "0100007F:1F90" into "127.0.0.1:8080".
func decodeAddr(s string) string {
	host, port, ok := strings.Cut(s, ":")
	b, err := hex.DecodeString(host)
	if !ok || err != nil {
		return s
	}
	// The kernel prints each 32-bit word in host (little-endian) order.
	for i := 0; i+4 <= len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	var p int
	_, _ = fmt.Sscanf(port, "%X", &p)
	return net.JoinHostPort(net.IP(b).String(), fmt.Sprint(p))
}

// onlyLoopback checks that every address is a loopback address.
func onlyLoopback(addrs []string) error {
	for _, a := range addrs {
		_, hp, _ := strings.Cut(a, " ")
		host, _, err := net.SplitHostPort(hp)
		if err != nil || !net.ParseIP(host).IsLoopback() {
			return fmt.Errorf("socket on a non-loopback host address: %s", a)
		}
	}
	return nil
}
