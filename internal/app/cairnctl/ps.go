package cairnctl

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
)

func newPsCmd(g *globals) *cobra.Command {
	var out printFlags
	cmd := &cobra.Command{
		Use:   "ps",
		Short: "List the processes of the nodes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			s, err := g.connect(nil)
			if err != nil {
				return err
			}
			defer s.Close()
			resp, err := s.c.Machine.Processes(s.ctx(cmd.Context()), &common.Empty{})
			if err != nil {
				return apiError(err)
			}
			if done, err := out.structured(cmd.OutOrStdout(), resp); done {
				return err
			}
			var errs nodeErrors
			t := newTextTable(cmd.OutOrStdout(), "NODE", "PID", "PPID", "STATE", "THREADS", "CPU-TIME", "RES", "COMMAND")
			for _, m := range checkAll(resp.GetMessages(), &errs) {
				procs := m.GetProcesses()
				sort.Slice(procs, func(i, j int) bool { return procs[i].GetPid() < procs[j].GetPid() })
				for _, p := range procs {
					cmdline := p.GetArgs()
					if cmdline == "" {
						cmdline = "[" + p.GetCommand() + "]"
					}
					t.row(replyNode(m.GetMetadata()), fmt.Sprint(p.GetPid()), fmt.Sprint(p.GetPpid()), p.GetState(),
						fmt.Sprint(p.GetThreads()), fmt.Sprintf("%.2fs", p.GetCpuSeconds()), bytesHuman(p.GetResidentBytes()), cmdline)
				}
			}
			if err := t.flush(); err != nil {
				return err
			}
			return errs.err()
		},
	}
	out.register(cmd)
	return cmd
}

// bytesHuman renders a byte count with a binary unit.
func bytesHuman(b uint64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%dB", b)
	}
	div, exp := uint64(unit), 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%ciB", float64(b)/float64(div), "KMGTPE"[exp])
}
