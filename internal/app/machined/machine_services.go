package machined

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cairn-os/cairn/internal/app/machined/apierr"
	"github.com/cairn-os/cairn/internal/pkg/sandbox"
	"github.com/cairn-os/cairn/internal/pkg/supervisor"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
)

func (a *machineAPI) ServiceList(context.Context, *common.Empty) (*machine.ServiceListResponse, error) {
	var out []*machine.ServiceInfo
	for _, s := range a.n.sup.List() {
		out = append(out, &machine.ServiceInfo{
			Id: s.Name, State: string(s.State), Pid: int32(s.PID), Restarts: s.Restarts,
			LastError: s.LastError, Since: timestamppb.New(s.Since), DependsOn: s.DependsOn,
			Seccomp: seccompMode(s.PID), Cgroup: serviceCgroup(s),
		})
	}
	return &machine.ServiceListResponse{Messages: []*machine.ServiceList{{Metadata: a.n.md(), Services: out}}}, nil
}

// seccompMode is the seccomp mode of a running service's process ("" when none runs, or it
// has just exited).
func seccompMode(pid int) string {
	if pid == 0 {
		return ""
	}
	st, err := sandbox.ProcessStatus(pid)
	if err != nil {
		return ""
	}
	return st.SeccompMode()
}

// serviceCgroup describes a service's cgroup: its limits and, while a process runs, its use.
func serviceCgroup(s supervisor.Status) *machine.ServiceCgroup {
	l := s.Limits
	out := &machine.ServiceCgroup{
		Path: s.Cgroup.Group, MemoryMax: l.MemoryMax, PidsMax: l.PidsMax, CpuWeight: l.CPUWeight, Unenforced: s.Unenforced,
	}
	if s.PID == 0 || s.Cgroup.Group == "" {
		return out
	}
	if u, err := sandbox.ReadUsage(s.Cgroup); err == nil {
		out.MemoryCurrent, out.PidsCurrent, out.CpuUsageUsec, out.Controllers = u.MemoryCurrent, u.PidsCurrent, u.CPUUsageUsec, u.Controllers
	}
	return out
}

func (a *machineAPI) action(msg string) *machine.ActionResponse {
	return &machine.ActionResponse{Messages: []*machine.Action{{Metadata: a.n.md(), Message: msg}}}
}

func serviceID(r *machine.ServiceRequest) (string, error) {
	if r.GetId() == "" {
		return "", apierr.Invalid("id: a service name is required")
	}
	return r.GetId(), nil
}

func (a *machineAPI) ServiceStart(ctx context.Context, r *machine.ServiceRequest) (*machine.ActionResponse, error) {
	id, err := serviceID(r)
	if err != nil {
		return nil, err
	}
	started, err := a.n.sup.Start(ctx, id)
	if err != nil {
		return nil, err
	}
	if !started {
		return a.action(fmt.Sprintf("service %q is already running", id)), nil
	}
	return a.action(fmt.Sprintf("service %q started", id)), nil
}

func (a *machineAPI) ServiceStop(_ context.Context, r *machine.ServiceRequest) (*machine.ActionResponse, error) {
	id, err := serviceID(r)
	if err != nil {
		return nil, err
	}
	if err := a.n.sup.Stop(id); err != nil {
		return nil, err
	}
	return a.action(fmt.Sprintf("service %q stopped", id)), nil
}

// ServiceRestart restarts a service. Restarting apid answers first and restarts afterwards,
// since this very call travels through apid.
func (a *machineAPI) ServiceRestart(ctx context.Context, r *machine.ServiceRequest) (*machine.ActionResponse, error) {
	id, err := serviceID(r)
	if err != nil {
		return nil, err
	}
	if _, err := a.n.sup.Logs(id); err != nil {
		return nil, err
	}
	if id == "apid" {
		go func() {
			if err := a.n.sup.Restart(context.WithoutCancel(ctx), id); err != nil {
				a.n.log.Error("apid restart failed", "error", err)
			}
		}()
		return a.action(`service "apid" is restarting (after this reply)`), nil
	}
	if err := a.n.sup.Restart(ctx, id); err != nil {
		return nil, err
	}
	return a.action(fmt.Sprintf("service %q restarted", id)), nil
}
