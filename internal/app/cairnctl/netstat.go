package cairnctl

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
)

func newNetstatCmd(g *globals) *cobra.Command {
	var out printFlags
	var listening bool
	cmd := &cobra.Command{
		Use:   "netstat",
		Short: "List the TCP and UDP sockets of the nodes",
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
			resp, err := s.c.Machine.Netstat(s.ctx(cmd.Context()), &common.Empty{})
			if err != nil {
				return apiError(err)
			}
			if done, err := out.structured(cmd.OutOrStdout(), resp); done {
				return err
			}
			var errs nodeErrors
			t := newTextTable(cmd.OutOrStdout(), "NODE", "PROTO", "LOCAL", "REMOTE", "STATE", "UID", "INODE")
			for _, m := range checkAll(resp.GetMessages(), &errs) {
				for _, c := range m.GetConnections() {
					if listening && c.GetState() != "LISTEN" && c.GetState() != "UNCONN" {
						continue
					}
					t.row(replyNode(m.GetMetadata()), c.GetProtocol(), c.GetLocal(), c.GetRemote(), c.GetState(), fmt.Sprint(c.GetUid()), fmt.Sprint(c.GetInode()))
				}
			}
			if err := t.flush(); err != nil {
				return err
			}
			return errs.err()
		},
	}
	cmd.Flags().BoolVarP(&listening, "listening", "l", false, "show only listening sockets")
	out.register(cmd)
	return cmd
}
