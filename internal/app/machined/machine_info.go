package machined

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cosi-project/runtime/pkg/safe"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/resources"
	"github.com/cairn-os/cairn/pkg/machinery/version"
)

// machineAPI serves cairn.machine.MachineService on machined's socket.
type machineAPI struct {
	machine.UnimplementedMachineServiceServer
	n *daemon
}

func (a *machineAPI) Version(context.Context, *common.Empty) (*machine.VersionResponse, error) {
	v := version.Current()
	slots, slotsErr, noSlots := a.n.versionSlots()
	return &machine.VersionResponse{Messages: []*machine.Version{{
		Metadata: a.n.md(),
		Version: &machine.VersionInfo{
			Tag: v.Tag, Commit: v.Commit, GoVersion: v.GoVersion, Os: v.OS, Arch: v.Arch, Fips140: v.FIPS140,
		},
		Maintenance: a.n.config() == nil,
		Mode:        a.n.opts.Mode,
		Slots:       slots,
		SlotsError:  slotsErr,
		NoSlots:     noSlots,
	}}}, nil
}

// Hostname answers from the Hostname resource the controller derives from the configuration.
func (a *machineAPI) Hostname(ctx context.Context, _ *common.Empty) (*machine.HostnameResponse, error) {
	name := a.n.hostname()
	if h, err := safe.StateGetByID[*resources.Hostname](ctx, a.n.st, resources.HostnameID); err == nil {
		name = h.TypedSpec().Hostname
	}
	return &machine.HostnameResponse{Messages: []*machine.Hostname{{Metadata: a.n.md(), Hostname: name}}}, nil
}

// Disks lists the block devices the kernel shows in /sys/block (loop and ram devices aside).
func (a *machineAPI) Disks(context.Context, *common.Empty) (*machine.DisksResponse, error) {
	entries, err := os.ReadDir("/sys/block")
	if err != nil {
		return nil, err
	}
	var disks []*machine.Disk
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "loop") || strings.HasPrefix(name, "ram") {
			continue
		}
		disks = append(disks, readDisk(filepath.Join("/sys/block", name), name))
	}
	return &machine.DisksResponse{Messages: []*machine.DiskList{{Metadata: a.n.md(), Disks: disks}}}, nil
}

func readDisk(dir, name string) *machine.Disk {
	read := func(p string) string {
		b, _ := os.ReadFile(filepath.Join(dir, p))
		return strings.TrimSpace(string(b))
	}
	sectors, _ := strconv.ParseUint(read("size"), 10, 64)
	return &machine.Disk{
		Name: name, Size: sectors * 512, Model: read("device/model"), Serial: read("device/serial"),
		Rotational: read("queue/rotational") == "1", ReadOnly: read("ro") == "1",
	}
}
