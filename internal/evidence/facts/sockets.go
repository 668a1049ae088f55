package facts

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// TCP and UDP states of /proc/net tables (include/net/tcp_states.h).
const (
	tcpListen = 0x0A
	udpClose  = 0x07 // a UDP socket that is bound but not connected
)

// ParseNetTable returns the listening sockets of a /proc/net/{tcp,tcp6,udp,udp6} table:
// TCP sockets in LISTEN, UDP sockets bound to a port and connected to no peer. At most
// maxSockets are returned; a malformed line is an error naming it.
func ParseNetTable(proto string, data []byte) ([]Socket, error) {
	out := []Socket{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 4096)
	for n := 0; sc.Scan(); n++ {
		if n == 0 || len(out) >= maxSockets {
			continue // the header, or past the cap
		}
		s, listening, err := parseNetLine(proto, sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", proto, n+1, err)
		}
		if listening {
			out = append(out, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", proto, err)
	}
	return out, nil
}

func parseNetLine(proto, line string) (Socket, bool, error) {
	f := strings.Fields(line)
	if len(f) < 10 {
		return Socket{}, false, fmt.Errorf("%d fields, want at least 10", len(f))
	}
	local, port, err := parseHostPort(f[1])
	if err != nil {
		return Socket{}, false, fmt.Errorf("local address %q: %w", f[1], err)
	}
	_, remPort, err := parseHostPort(f[2])
	if err != nil {
		return Socket{}, false, fmt.Errorf("remote address %q: %w", f[2], err)
	}
	st, err := strconv.ParseUint(f[3], 16, 8)
	if err != nil {
		return Socket{}, false, fmt.Errorf("state %q: %w", f[3], err)
	}
	uid, err := strconv.ParseUint(f[7], 10, 32)
	if err != nil {
		return Socket{}, false, fmt.Errorf("uid %q: %w", f[7], err)
	}
	inode, err := strconv.ParseUint(f[9], 10, 64)
	if err != nil {
		return Socket{}, false, fmt.Errorf("inode %q: %w", f[9], err)
	}
	listening := st == tcpListen
	if strings.HasPrefix(proto, "udp") {
		listening = st == udpClose && remPort == 0 && port != 0
	}
	return Socket{Proto: proto, Addr: local.String(), Port: port, Inode: inode, UID: uint32(uid)}, listening, nil
}

// parseHostPort decodes "0100007F:0CEA": the address as the kernel's 32-bit words in host
// (little-endian) order, the port in hex.
func parseHostPort(s string) (netip.Addr, uint16, error) {
	h, p, ok := strings.Cut(s, ":")
	if !ok {
		return netip.Addr{}, 0, fmt.Errorf("no port")
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("port: %w", err)
	}
	raw, err := hex.DecodeString(h)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.Addr{}, 0, fmt.Errorf("address is not 8 or 32 hex digits")
	}
	for i := 0; i < len(raw); i += 4 {
		binary.BigEndian.PutUint32(raw[i:], binary.LittleEndian.Uint32(raw[i:]))
	}
	a, _ := netip.AddrFromSlice(raw)
	return a.Unmap(), uint16(port), nil
}

// collectSockets reads the listening sockets of the node's network namespace and finds
// each one's process among procs by its socket inode.
func collectSockets(ctx context.Context, procDir string, procs []proc) Fact[[]Socket] {
	out := []Socket{}
	var unread []string
	for _, proto := range []string{"tcp", "tcp6", "udp", "udp6"} {
		b, _, err := readCapped(filepath.Join(procDir, "net", proto), maxTableBytes)
		if err != nil {
			unread = append(unread, proto+": "+why(err))
			continue
		}
		socks, err := ParseNetTable(proto, b)
		if err != nil {
			unread = append(unread, err.Error())
			continue
		}
		out = append(out, socks...)
	}
	owners := socketOwners(ctx, procs, out)
	for i := range out {
		if p, ok := owners[out[i].Inode]; ok {
			out[i].PID, out[i].Comm, out[i].Service, out[i].Cgroup = p.PID, p.Comm, p.Service, p.Cgroup
		} else {
			out[i].Owner = "unknown: no readable process holds socket inode " + strconv.FormatUint(out[i].Inode, 10)
		}
	}
	slices.SortFunc(out, func(a, b Socket) int {
		return cmp.Or(strings.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port), strings.Compare(a.Addr, b.Addr))
	})
	f := known(out)
	f.Truncated = len(out) >= maxSockets
	if len(unread) > 0 {
		f.Unknown = strings.Join(unread, "; ")
	}
	return f
}

// socketOwners maps the inodes of socks to the processes holding them (through the
// "socket:[INODE]" links of /proc/PID/fd), stopping once each is found.
func socketOwners(ctx context.Context, procs []proc, socks []Socket) map[uint64]proc {
	want := map[uint64]bool{}
	for _, s := range socks {
		want[s.Inode] = true
	}
	found := map[uint64]proc{}
	for _, p := range procs {
		if len(found) == len(want) || ctx.Err() != nil {
			break
		}
		for _, inode := range socketInodes(filepath.Join(p.dir, "fd")) {
			if want[inode] {
				if _, dup := found[inode]; !dup {
					found[inode] = p
				}
			}
		}
	}
	return found
}

// socketInodes returns the socket inodes among a process's open files (at most
// maxFDsPerProc are looked at).
func socketInodes(fdDir string) []uint64 {
	d, err := os.Open(fdDir)
	if err != nil {
		return nil
	}
	defer func() { _ = d.Close() }()
	names, _ := d.Readdirnames(maxFDsPerProc)
	var out []uint64
	for _, n := range names {
		target, err := os.Readlink(filepath.Join(fdDir, n))
		if err != nil {
			continue
		}
		if s, ok := strings.CutPrefix(target, "socket:["); ok {
			if v, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64); err == nil {
				out = append(out, v)
			}
		}
	}
	return out
}
