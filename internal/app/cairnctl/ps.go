package cairnctl

import (
	"context"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newPsCmd(g *globals) *cobra.Command {
	return tableCall[*machine.ProcessesResponse, *machine.ProcessList]{
		headers: []string{"NODE", "PID", "PPID", "STATE", "THREADS", "CPU-TIME", "RES", "COMMAND"},
		call: func(ctx context.Context, c *client.Client) (*machine.ProcessesResponse, error) {
			return c.Machine.Processes(ctx, &common.Empty{})
		},
		rows: func(t *textTable, node string, m *machine.ProcessList) {
			procs := m.GetProcesses()
			sort.Slice(procs, func(i, j int) bool { return procs[i].GetPid() < procs[j].GetPid() })
			for _, p := range procs {
				cmdline := p.GetArgs()
				if cmdline == "" {
					cmdline = "[" + p.GetCommand() + "]"
				}
				t.row(node, fmt.Sprint(p.GetPid()), fmt.Sprint(p.GetPpid()), p.GetState(),
					fmt.Sprint(p.GetThreads()), fmt.Sprintf("%.2fs", p.GetCpuSeconds()), bytesHuman(p.GetResidentBytes()), cmdline)
			}
		},
	}.command(g, "ps", "List the processes of the nodes")
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
