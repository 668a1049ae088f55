package machined

import (
	"context"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/app/machined/procfs"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on every Linux Cairn runs on).
const clockTicks = 100

func (a *machineAPI) Processes(context.Context, *common.Empty) (*machine.ProcessesResponse, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	page := uint64(os.Getpagesize())
	var out []*machine.Process
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		dir := filepath.Join("/proc", e.Name())
		data, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue // the process exited meanwhile
		}
		st, err := procfs.ParseStat(string(data))
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
		out = append(out, &machine.Process{
			Pid: int32(st.PID), Ppid: int32(st.PPID), State: st.State, Threads: int32(st.Threads),
			CpuSeconds: float64(st.UTime+st.STime) / clockTicks, ResidentBytes: st.RSSPages * page,
			VirtualBytes: st.VSize, Command: st.Command, Args: procfs.Cmdline(cmdline),
		})
	}
	return &machine.ProcessesResponse{Messages: []*machine.ProcessList{{Metadata: a.n.md(), Processes: out}}}, nil
}

func (a *machineAPI) Memory(context.Context, *common.Empty) (*machine.MemoryResponse, error) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return nil, err
	}
	m, err := procfs.ParseMemInfo(string(data))
	if err != nil {
		return nil, err
	}
	return &machine.MemoryResponse{Messages: []*machine.Memory{{Metadata: a.n.md(), Meminfo: &machine.MemInfo{
		Total: m.Total, Free: m.Free, Available: m.Available, Buffers: m.Buffers, Cached: m.Cached,
		SwapTotal: m.SwapTotal, SwapFree: m.SwapFree,
	}}}}, nil
}

func (a *machineAPI) LoadAvg(context.Context, *common.Empty) (*machine.LoadAvgResponse, error) {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil, err
	}
	l1, l5, l15, err := procfs.LoadAvg(string(data))
	if err != nil {
		return nil, err
	}
	return &machine.LoadAvgResponse{Messages: []*machine.LoadAvg{{Metadata: a.n.md(), Load1: l1, Load5: l5, Load15: l15}}}, nil
}

// pseudoFS are file systems whose sizes mean nothing (and network ones a statfs could hang on).
var pseudoFS = map[string]bool{"proc": true, "sysfs": true, "cgroup": true, "cgroup2": true, "nfs": true, "nfs4": true, "cifs": true, "fuse": true, "fuse.sshfs": true}

func (a *machineAPI) Mounts(context.Context, *common.Empty) (*machine.MountsResponse, error) {
	data, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return nil, err
	}
	mounts, err := procfs.ParseMounts(string(data))
	if err != nil {
		return nil, err
	}
	var out []*machine.Mount
	for _, m := range mounts {
		pm := &machine.Mount{Device: m.Device, Mountpoint: m.Mountpoint, Fstype: m.FSType, Options: m.Options}
		var st unix.Statfs_t
		if !pseudoFS[m.FSType] && unix.Statfs(m.Mountpoint, &st) == nil {
			pm.Size, pm.Available = st.Blocks*uint64(st.Bsize), st.Bavail*uint64(st.Bsize)
		}
		out = append(out, pm)
	}
	return &machine.MountsResponse{Messages: []*machine.MountList{{Metadata: a.n.md(), Mounts: out}}}, nil
}

func (a *machineAPI) Netstat(context.Context, *common.Empty) (*machine.NetstatResponse, error) {
	var out []*machine.Connection
	for _, p := range []struct {
		name string
		udp  bool
	}{{"tcp", false}, {"tcp6", false}, {"udp", true}, {"udp6", true}} {
		data, err := os.ReadFile(filepath.Join("/proc/net", p.name))
		if err != nil {
			continue // e.g. no IPv6
		}
		conns, err := procfs.ParseNet(string(data), p.udp)
		if err != nil {
			return nil, err
		}
		for _, c := range conns {
			out = append(out, &machine.Connection{Protocol: p.name, Local: c.Local, Remote: c.Remote, State: c.State, Inode: c.Inode, Uid: c.UID})
		}
	}
	return &machine.NetstatResponse{Messages: []*machine.ConnectionList{{Metadata: a.n.md(), Connections: out}}}, nil
}
