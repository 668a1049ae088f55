package sandbox

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/containerd/cgroups/v3/cgroup2"
	"github.com/moby/sys/mountinfo"
)

// Cgroup2Mount returns where the cgroup v2 hierarchy is mounted (the first cgroup2 mount in
// /proc/self/mountinfo: /sys/fs/cgroup on a node, often /sys/fs/cgroup/unified on a hybrid
// development host).
func Cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("read mountinfo: %w", err)
	}
	defer func() { _ = f.Close() }()
	return FindCgroup2(f)
}

// FindCgroup2 returns the mount point of the first cgroup2 mount in a mountinfo table, read
// with moby/sys/mountinfo.
func FindCgroup2(r io.Reader) (string, error) {
	mounts, err := mountinfo.GetMountsFromReader(r, mountinfo.FSTypeFilter("cgroup2"))
	if err != nil {
		return "", fmt.Errorf("read mountinfo: %w", err)
	}
	if len(mounts) == 0 {
		return "", errors.New("no cgroup2 mount")
	}
	return mounts[0].Mountpoint, nil
}

// CgroupPath names a cgroup v2: Mount is where the hierarchy is mounted, Group the cgroup's
// path in it ("/cairn/apid"). The zero value names none.
type CgroupPath struct {
	Mount, Group string
}

// Dir is the cgroup's directory.
func (p CgroupPath) Dir() string { return filepath.Join(p.Mount, p.Group) }

// Cgroup is a cgroup v2 created through containerd/cgroups, with the limits it enforces.
type Cgroup struct {
	CgroupPath
	mgr *cgroup2.Manager
	// Unenforced names each limit the cgroup does not enforce and why (a development host
	// whose cgroup v2 hierarchy lacks the controller: it is bound to cgroup v1 there).
	Unenforced []string
}

// NewCgroup creates (or reuses) the cgroup p, enables in the cgroup.subtree_control of each
// of its parents the controllers its limits need, and writes the limits. A limit whose
// controller the hierarchy does not offer is left out and named in Unenforced; when the
// controllers cannot be enabled at all the cgroup is created without limits, and says so.
func NewCgroup(p CgroupPath, l Limits) (*Cgroup, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	root, err := cgroup2.Load("/", cgroup2.WithMountpoint(p.Mount))
	if err != nil {
		return nil, fmt.Errorf("cgroup %s: %w", p.Dir(), err)
	}
	offered, err := root.RootControllers()
	if err != nil {
		return nil, fmt.Errorf("cgroup %s: read the hierarchy's controllers: %w", p.Dir(), err)
	}
	res, unenforced := l.resources(offered)
	mgr, err := create(root, p, res)
	if err != nil && len(res.EnabledControllers()) > 0 {
		unenforced = append(unenforced, l.Unenforced(fmt.Sprintf("not set: %v", err), res.EnabledControllers()...)...)
		mgr, err = create(root, p, &cgroup2.Resources{})
	}
	if err != nil {
		return nil, fmt.Errorf("create cgroup %s: %w", p.Dir(), err)
	}
	return &Cgroup{CgroupPath: p, mgr: mgr, Unenforced: unenforced}, nil
}

// create creates the cgroup p with resources res; without any, it only makes its directory
// (no cgroup.subtree_control is written).
func create(root *cgroup2.Manager, p CgroupPath, res *cgroup2.Resources) (*cgroup2.Manager, error) {
	if len(res.EnabledControllers()) == 0 {
		return root.NewChild(strings.TrimPrefix(p.Group, "/"), nil)
	}
	return cgroup2.NewManager(p.Mount, p.Group, res)
}

// Open opens the cgroup's directory, to start a process in it (clone3's CLONE_INTO_CGROUP).
func (c *Cgroup) Open() (*os.File, error) {
	f, err := os.Open(c.Dir())
	if err != nil {
		return nil, fmt.Errorf("open cgroup %s: %w", c.Dir(), err)
	}
	return f, nil
}

// Delete removes the cgroup once no process is left in it.
func (c *Cgroup) Delete() error { return c.mgr.Delete() }

// Usage is what the processes of a cgroup use now (0 where the controller is not enabled).
type Usage struct {
	// MemoryCurrent is memory.current, in bytes.
	MemoryCurrent uint64
	// PidsCurrent is pids.current.
	PidsCurrent uint64
	// CPUUsageUsec is usage_usec in cpu.stat: the CPU time used, in microseconds.
	CPUUsageUsec uint64
	// Controllers are the controllers enabled in the cgroup.
	Controllers []string
}

// ReadUsage reads the current use of the cgroup p (containerd/cgroups' Stat). It fails when
// the cgroup does not exist.
func ReadUsage(p CgroupPath) (Usage, error) {
	m, err := cgroup2.Load(p.Group, cgroup2.WithMountpoint(p.Mount))
	if err != nil {
		return Usage{}, fmt.Errorf("cgroup %s: %w", p.Dir(), err)
	}
	ctrl, err := m.Controllers()
	if err != nil {
		return Usage{}, fmt.Errorf("cgroup %s: %w", p.Dir(), err)
	}
	st, err := m.Stat()
	if err != nil {
		return Usage{}, fmt.Errorf("cgroup %s: %w", p.Dir(), err)
	}
	u := Usage{CPUUsageUsec: st.GetCPU().GetUsageUsec(), Controllers: ctrl}
	if slices.Contains(ctrl, "memory") {
		u.MemoryCurrent = st.GetMemory().GetUsage()
	}
	if slices.Contains(ctrl, "pids") {
		u.PidsCurrent = st.GetPids().GetCurrent()
	}
	return u, nil
}
