package cairnctl

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

type servicesFlags struct{ out printFlags }

func newServicesCmd(g *globals) *cobra.Command {
	f := &servicesFlags{}
	cmd := &cobra.Command{
		Use:   "services",
		Short: "List the services of the nodes and their state",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g, "") },
	}
	f.out.register(cmd)
	return cmd
}

// run lists services; only, when set, limits the table to one service.
func (f *servicesFlags) run(cmd *cobra.Command, g *globals, only string) error {
	found := false
	err := tableCall[*machine.ServiceListResponse, *machine.ServiceList]{
		headers: []string{"NODE", "SERVICE", "STATE", "PID", "RESTARTS", "SINCE", "DEPENDS", "LAST ERROR"},
		call: func(ctx context.Context, c *client.Client) (*machine.ServiceListResponse, error) {
			return c.Machine.ServiceList(ctx, &common.Empty{})
		},
		rows: func(t *textTable, node string, m *machine.ServiceList) {
			for _, sv := range m.GetServices() {
				if only != "" && sv.GetId() != only {
					continue
				}
				found = true
				t.row(node, sv.GetId(), sv.GetState(), pid(sv), fmt.Sprint(sv.GetRestarts()),
					sv.GetSince().AsTime().Local().Format(time.DateTime), strings.Join(sv.GetDependsOn(), ","), sv.GetLastError())
			}
		},
	}.run(cmd, g, nil, &f.out)
	// A table printed without node errors, yet without the service: say so. (-o json|yaml
	// print the whole reply and never look for it.)
	if err == nil && only != "" && !found && f.out.format == "table" {
		return fmt.Errorf("no service %q on the target nodes", only)
	}
	return err
}

func pid(sv *machine.ServiceInfo) string {
	if sv.GetPid() == 0 {
		return "-"
	}
	return fmt.Sprint(sv.GetPid())
}
