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
		RunE:  func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	f.out.register(cmd)
	return cmd
}

// run lists the services.
func (f *servicesFlags) run(cmd *cobra.Command, g *globals) error {
	return tableCall[*machine.ServiceListResponse, *machine.ServiceList]{
		headers: []string{"NODE", "SERVICE", "STATE", "PID", "RESTARTS", "SINCE", "DEPENDS", "LAST ERROR"},
		call: func(ctx context.Context, c *client.Client) (*machine.ServiceListResponse, error) {
			return c.Machine.ServiceList(ctx, &common.Empty{})
		},
		rows: func(t *textTable, node string, m *machine.ServiceList) {
			for _, sv := range m.GetServices() {
				t.row(node, sv.GetId(), sv.GetState(), pid(sv), fmt.Sprint(sv.GetRestarts()), since(sv),
					strings.Join(sv.GetDependsOn(), ","), sv.GetLastError())
			}
		},
	}.run(cmd, g, nil, &f.out)
}

func since(sv *machine.ServiceInfo) string {
	return sv.GetSince().AsTime().Local().Format(time.DateTime)
}

func pid(sv *machine.ServiceInfo) string {
	if sv.GetPid() == 0 {
		return "-"
	}
	return fmt.Sprint(sv.GetPid())
}
