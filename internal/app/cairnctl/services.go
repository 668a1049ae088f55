package cairnctl

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
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
	if err := f.out.check(); err != nil {
		return err
	}
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	resp, err := s.c.Machine.ServiceList(s.ctx(cmd.Context()), &common.Empty{})
	if err != nil {
		return apiError(err)
	}
	if done, err := f.out.structured(cmd.OutOrStdout(), resp); done {
		return err
	}
	var errs nodeErrors
	t := newTextTable(cmd.OutOrStdout(), "NODE", "SERVICE", "STATE", "PID", "RESTARTS", "SINCE", "DEPENDS", "LAST ERROR")
	found := false
	for _, m := range checkAll(resp.GetMessages(), &errs) {
		for _, sv := range m.GetServices() {
			if only != "" && sv.GetId() != only {
				continue
			}
			found = true
			t.row(replyNode(m.GetMetadata()), sv.GetId(), sv.GetState(), pid(sv), fmt.Sprint(sv.GetRestarts()),
				sv.GetSince().AsTime().Local().Format(time.DateTime), strings.Join(sv.GetDependsOn(), ","), sv.GetLastError())
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	if only != "" && !found && len(errs.errs) == 0 {
		return fmt.Errorf("no service %q on the target nodes", only)
	}
	return errs.err()
}

func pid(sv *machine.ServiceInfo) string {
	if sv.GetPid() == 0 {
		return "-"
	}
	return fmt.Sprint(sv.GetPid())
}
