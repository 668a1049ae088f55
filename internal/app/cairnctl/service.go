package cairnctl

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newServiceCmd(g *globals) *cobra.Command {
	f := &servicesFlags{}
	cmd := &cobra.Command{
		Use:   "service SERVICE [status|start|stop|restart]",
		Short: "Show, start, stop or restart one service on the nodes",
		Long: `Show the state of one service (the default), or start, stop or restart it. apid, the API
daemon itself, cannot be stopped (restart it instead).

The state shows the service's seccomp mode ("filter": a system-call allowlist is installed) and
its cgroup: memory, processes and CPU time used against the limits of its definition
(memory.max, pids.max, cpu.weight). A limit the node cannot enforce (a development host whose
cgroup v2 hierarchy lacks the controller) is marked "(not enforced)", with a note saying why.`,
		Example: "  cairnctl service trustd restart -n 127.0.0.2",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			action := "status"
			if len(args) == 2 {
				action = args[1]
			}
			if action == "status" {
				return f.status(cmd, g, args[0])
			}
			return serviceAction(cmd, g, args[0], action)
		},
	}
	f.out.register(cmd)
	return cmd
}

type serviceCall func(machine.MachineServiceClient, context.Context, *machine.ServiceRequest, ...grpc.CallOption) (*machine.ActionResponse, error)

var serviceActions = map[string]serviceCall{
	"start":   machine.MachineServiceClient.ServiceStart,
	"stop":    machine.MachineServiceClient.ServiceStop,
	"restart": machine.MachineServiceClient.ServiceRestart,
}

func serviceAction(cmd *cobra.Command, g *globals, id, action string) error {
	call, ok := serviceActions[action]
	if !ok {
		return fmt.Errorf("action %q: want status, start, stop or restart", action)
	}
	return runAction(cmd, g, nil, func(ctx context.Context, c *client.Client) (*machine.ActionResponse, error) {
		return call(c.Machine, ctx, &machine.ServiceRequest{Id: id})
	})
}

// status shows one service: its state, its seccomp mode and its cgroup's limits and use. The
// reply, -o json|yaml too, holds that service alone.
func (f *servicesFlags) status(cmd *cobra.Command, g *globals, id string) error {
	found := false
	err := tableCall[*machine.ServiceListResponse, *machine.ServiceList]{
		headers: []string{"NODE", "SERVICE", "STATE", "PID", "RESTARTS", "SINCE", "SECCOMP", "MEMORY", "PIDS", "CPU", "LAST ERROR"},
		call: func(ctx context.Context, c *client.Client) (*machine.ServiceListResponse, error) {
			resp, err := c.Machine.ServiceList(ctx, &common.Empty{})
			for _, m := range resp.GetMessages() {
				m.Services = slices.DeleteFunc(m.GetServices(), func(sv *machine.ServiceInfo) bool { return sv.GetId() != id })
			}
			return resp, err
		},
		rows: func(t *textTable, node string, m *machine.ServiceList) {
			for _, sv := range m.GetServices() {
				found = true
				cg := sv.GetCgroup()
				t.row(node, sv.GetId(), sv.GetState(), pid(sv), fmt.Sprint(sv.GetRestarts()), since(sv), dash(sv.GetSeccomp()),
					memoryUse(cg), pidsUse(cg), cpuUse(cg), sv.GetLastError())
				for _, u := range cg.GetUnenforced() {
					_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "note: %s %s: limit not enforced: %s\n", node, sv.GetId(), printable(u))
				}
			}
		},
	}.run(cmd, g, nil, &f.out)
	// A table printed without node errors, yet without the service: say so.
	if err == nil && !found && f.out.format == "table" {
		return fmt.Errorf("no service %q on the target nodes", id)
	}
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// enabled reports whether a cgroup's controller is enabled (its current use is then known).
func enabled(cg *machine.ServiceCgroup, controller string) bool {
	return slices.Contains(cg.GetControllers(), controller)
}

// limited renders "USE/LIMIT": "-" for an unknown use, "max" for no limit, and the limit
// marked when it is not enforced.
func limited(cg *machine.ServiceCgroup, use string, known bool, limit string, set bool, file string) string {
	if !known {
		use = "-"
	}
	if !set {
		limit = "max"
	}
	if unenforced(cg, file) {
		limit += " (not enforced)"
	}
	return use + "/" + limit
}

func memoryUse(cg *machine.ServiceCgroup) string {
	return limited(cg, bytesHuman(cg.GetMemoryCurrent()), enabled(cg, "memory"),
		bytesHuman(uint64(max(cg.GetMemoryMax(), 0))), cg.GetMemoryMax() > 0, "memory.max")
}

func pidsUse(cg *machine.ServiceCgroup) string {
	return limited(cg, fmt.Sprint(cg.GetPidsCurrent()), enabled(cg, "pids"),
		fmt.Sprint(cg.GetPidsMax()), cg.GetPidsMax() > 0, "pids.max")
}

// cpuUse renders the CPU time used and the cgroup's cpu.weight: "1.2s (weight 100)".
func cpuUse(cg *machine.ServiceCgroup) string {
	used := "-"
	if len(cg.GetControllers()) > 0 || cg.GetCpuUsageUsec() > 0 {
		used = (time.Duration(cg.GetCpuUsageUsec()) * time.Microsecond).Round(time.Millisecond).String()
	}
	if cg.GetCpuWeight() == 0 {
		return used
	}
	weight := fmt.Sprintf("weight %d", cg.GetCpuWeight())
	if unenforced(cg, "cpu.weight") {
		weight += ", not enforced"
	}
	return used + " (" + weight + ")"
}

// unenforced reports whether the limit in file is not enforced.
func unenforced(cg *machine.ServiceCgroup, file string) bool {
	return slices.ContainsFunc(cg.GetUnenforced(), func(u string) bool { return strings.HasPrefix(u, file+":") })
}
