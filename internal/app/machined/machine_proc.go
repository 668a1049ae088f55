package machined

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"net"
	"strconv"
	"strings"

	"github.com/moby/sys/mountinfo"
	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// procRoot is where the API reads processes, memory, load and sockets from, through
// prometheus/procfs (mounts through moby/sys/mountinfo).
const procRoot = "/proc"

func (a *machineAPI) Processes(context.Context, *common.Empty) (*machine.ProcessesResponse, error) {
	fs, err := procfs.NewFS(procRoot)
	if err != nil {
		return nil, err
	}
	out, err := processes(fs)
	if err != nil {
		return nil, err
	}
	return &machine.ProcessesResponse{Messages: []*machine.ProcessList{{Metadata: a.n.md(), Processes: out}}}, nil
}

// processes lists every process of fs; one that exits while it is read is left out.
func processes(fs procfs.FS) ([]*machine.Process, error) {
	procs, err := fs.AllProcs()
	if err != nil {
		return nil, err
	}
	out := make([]*machine.Process, 0, len(procs))
	for _, p := range procs {
		st, err := p.Stat()
		if err != nil {
			continue
		}
		args, _ := p.CmdLine()
		out = append(out, &machine.Process{
			Pid: int32(st.PID), Ppid: int32(st.PPID), State: st.State, Threads: int32(st.NumThreads),
			CpuSeconds: st.CPUTime(), ResidentBytes: uint64(st.ResidentMemory()),
			VirtualBytes: uint64(st.VirtualMemory()), Command: st.Comm, Args: strings.Join(args, " "),
		})
	}
	return out, nil
}

func (a *machineAPI) Memory(context.Context, *common.Empty) (*machine.MemoryResponse, error) {
	fs, err := procfs.NewFS(procRoot)
	if err != nil {
		return nil, err
	}
	m, err := fs.Meminfo()
	if err != nil {
		return nil, err
	}
	return &machine.MemoryResponse{Messages: []*machine.Memory{{Metadata: a.n.md(), Meminfo: memInfo(m)}}}, nil
}

// memInfo is the API's view of /proc/meminfo, in bytes (0 for a field the kernel lacks).
func memInfo(m procfs.Meminfo) *machine.MemInfo {
	v := func(p *uint64) uint64 {
		if p == nil {
			return 0
		}
		return *p
	}
	return &machine.MemInfo{
		Total: v(m.MemTotalBytes), Free: v(m.MemFreeBytes), Available: v(m.MemAvailableBytes),
		Buffers: v(m.BuffersBytes), Cached: v(m.CachedBytes), SwapTotal: v(m.SwapTotalBytes), SwapFree: v(m.SwapFreeBytes),
	}
}

func (a *machineAPI) LoadAvg(context.Context, *common.Empty) (*machine.LoadAvgResponse, error) {
	fs, err := procfs.NewFS(procRoot)
	if err != nil {
		return nil, err
	}
	l, err := fs.LoadAvg()
	if err != nil {
		return nil, err
	}
	return &machine.LoadAvgResponse{Messages: []*machine.LoadAvg{{Metadata: a.n.md(), Load1: l.Load1, Load5: l.Load5, Load15: l.Load15}}}, nil
}

// pseudoFS are file systems whose sizes mean nothing (and network ones a statfs could hang on).
var pseudoFS = map[string]bool{"proc": true, "sysfs": true, "cgroup": true, "cgroup2": true, "nfs": true, "nfs4": true, "cifs": true, "fuse": true, "fuse.sshfs": true}

func (a *machineAPI) Mounts(context.Context, *common.Empty) (*machine.MountsResponse, error) {
	mounts, err := mountinfo.GetMounts(nil)
	if err != nil {
		return nil, err
	}
	var out []*machine.Mount
	for _, m := range mounts {
		pm := &machine.Mount{Device: m.Source, Mountpoint: m.Mountpoint, Fstype: m.FSType, Options: m.Options}
		var st unix.Statfs_t
		if !pseudoFS[m.FSType] && unix.Statfs(m.Mountpoint, &st) == nil {
			pm.Size, pm.Available = st.Blocks*uint64(st.Bsize), st.Bavail*uint64(st.Bsize)
		}
		out = append(out, pm)
	}
	return &machine.MountsResponse{Messages: []*machine.MountList{{Metadata: a.n.md(), Mounts: out}}}, nil
}

func (a *machineAPI) Netstat(context.Context, *common.Empty) (*machine.NetstatResponse, error) {
	fs, err := procfs.NewFS(procRoot)
	if err != nil {
		return nil, err
	}
	out, err := netstat(fs)
	if err != nil {
		return nil, err
	}
	return &machine.NetstatResponse{Messages: []*machine.ConnectionList{{Metadata: a.n.md(), Connections: out}}}, nil
}

// tcpStates names the kernel's TCP states (include/net/tcp_states.h).
var tcpStates = map[uint64]string{
	1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2", 6: "TIME_WAIT",
	7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING",
}

// netstat lists the sockets of /proc/net/{tcp,tcp6,udp,udp6}; a table the kernel lacks (no
// IPv6) is skipped. A UDP socket's state is "UNCONN" when bound and unconnected, else "".
func netstat(fs procfs.FS) ([]*machine.Connection, error) {
	var out []*machine.Connection
	for _, t := range []struct {
		proto string
		read  func() (procfs.NetTCP, error)
	}{
		{"tcp", fs.NetTCP}, {"tcp6", fs.NetTCP6},
		{"udp", func() (procfs.NetTCP, error) { u, err := fs.NetUDP(); return procfs.NetTCP(u), err }},
		{"udp6", func() (procfs.NetTCP, error) { u, err := fs.NetUDP6(); return procfs.NetTCP(u), err }},
	} {
		lines, err := t.read()
		if errors.Is(err, iofs.ErrNotExist) {
			continue // e.g. no IPv6
		}
		if err != nil {
			return nil, fmt.Errorf("%s sockets: %w", t.proto, err)
		}
		for _, l := range lines {
			state := tcpStates[l.St]
			if strings.HasPrefix(t.proto, "udp") {
				state = map[bool]string{true: "UNCONN"}[l.St == 7]
			}
			out = append(out, &machine.Connection{
				Protocol: t.proto, State: state, Inode: l.Inode, Uid: uint32(l.UID),
				Local:  net.JoinHostPort(l.LocalAddr.String(), strconv.FormatUint(l.LocalPort, 10)),
				Remote: net.JoinHostPort(l.RemAddr.String(), strconv.FormatUint(l.RemPort, 10)),
			})
		}
	}
	return out, nil
}
