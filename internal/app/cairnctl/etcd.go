package cairnctl

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/etcd"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newEtcdCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "etcd",
		Short: "Operate the etcd of control-plane nodes: members, status, leave, remove-member, defrag, alarms, snapshot",
		Long: `Operate the etcd member of a control-plane node through the Cairn API (the node talks to
its own etcd; no etcd client or certificate is needed here). Target a control-plane node with
--nodes; a node that runs no etcd answers "this node runs no etcd". Member IDs are hex, as
"cairnctl etcd members" prints them. Every call is in the nodes' audit log under your name.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newEtcdMembersCmd(g), newEtcdStatusCmd(g), newEtcdLeaveCmd(g), newEtcdRemoveMemberCmd(g),
		newEtcdDefragCmd(g), newEtcdAlarmCmd(g), newEtcdSnapshotCmd(g))
	return cmd
}

func newEtcdMembersCmd(g *globals) *cobra.Command {
	cmd := tableCall[*etcd.MembersResponse, *etcd.Members]{
		headers: []string{"NODE", "ID", "NAME", "PEER URLS", "CLIENT URLS", "LEARNER", "SELF"},
		call: func(ctx context.Context, c *client.Client) (*etcd.MembersResponse, error) {
			return c.Etcd.Members(ctx, &common.Empty{})
		},
		rows: func(t *textTable, node string, m *etcd.Members) {
			for _, e := range m.GetMembers() {
				t.row(node, e.GetId(), e.GetName(), strings.Join(e.GetPeerUrls(), ","), strings.Join(e.GetClientUrls(), ","),
					strconv.FormatBool(e.GetLearner()), strconv.FormatBool(e.GetId() == m.GetSelf()))
			}
		},
	}.command(g, "members", "List the etcd members as the nodes' members know them (os:reader)")
	cmd.Long = `List the etcd cluster's members as each target node's member knows them: ID (hex), name,
peer and client URLs, whether it is a learner, and which one is the node's own (SELF). It
answers even when the cluster has lost quorum. It needs the os:reader role (or operator, admin).`
	return cmd
}

func newEtcdStatusCmd(g *globals) *cobra.Command {
	cmd := tableCall[*etcd.StatusResponse, *etcd.Status]{
		headers: []string{"NODE", "MEMBER", "NAME", "LEADER", "RAFT TERM", "RAFT INDEX", "APPLIED", "DB SIZE", "IN USE", "VERSION", "ERRORS"},
		call: func(ctx context.Context, c *client.Client) (*etcd.StatusResponse, error) {
			return c.Etcd.Status(ctx, &common.Empty{})
		},
		rows: func(t *textTable, node string, m *etcd.Status) {
			for _, s := range m.GetMembers() {
				mem := s.GetMember()
				if s.GetError() != "" {
					t.row(node, mem.GetId(), mem.GetName(), "-", "-", "-", "-", "-", "-", "-", s.GetError())
					continue
				}
				t.row(node, mem.GetId(), mem.GetName(), strconv.FormatBool(s.GetLeader()), u(s.GetRaftTerm()), u(s.GetRaftIndex()),
					u(s.GetRaftAppliedIndex()), u(s.GetDbSize()), u(s.GetDbSizeInUse()), s.GetVersion(), strings.Join(s.GetErrors(), "; "))
			}
		},
	}.command(g, "status", "Show every etcd member's status: leader, raft term and index, database size (os:reader)")
	cmd.Long = `Ask every etcd member, through the target node, for its status: whether it leads, its raft
term, index and applied index, its database size and the part in use (bytes; a defrag gives
the rest back), its etcd version, and its errors (active alarms among them). A member that
does not answer within a few seconds shows its error instead. It needs the os:reader role.`
	return cmd
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

func newEtcdLeaveCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "leave",
		Short: "Remove the target node's own member from etcd, keeping quorum (os:admin)",
		Long: `Remove the target node's etcd member from the cluster. The node then stops etcd and its
control-plane services (kube-apiserver, kube-controller-manager, kube-scheduler), removes the
member's data, which is of no further use, and refuses "cairnctl bootstrap" until it is reset
(cairnctl reset), so that it never starts a cluster of its own beside the one it left. The
node refuses (and nothing changes) when its member is the last voting member, when the healthy
voting members are no quorum now, or when the healthy voting members that remain would be no
quorum of the smaller cluster. Run it on one node at a time (--nodes). It needs the os:admin
role.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAction(cmd, g, nil, func(ctx context.Context, c *client.Client) (*machine.ActionResponse, error) {
				return c.Etcd.Leave(ctx, &common.Empty{})
			})
		},
	}
}

func newEtcdRemoveMemberCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "remove-member ID",
		Short: "Remove another (dead) node's etcd member by ID, keeping quorum (os:admin)",
		Long: `Remove the etcd member ID (hex, as "cairnctl etcd members" prints it), typically that of a
node that is gone for good, through the target node's member. Refused, and nothing changes,
when the ID is not a member, when it is the target node's own member (use "etcd leave"), or
when the healthy voting members left after the removal would be no quorum of the smaller
cluster. It needs the os:admin role.`,
		Example: "  cairnctl etcd remove-member 8e9e05c52164694d --nodes 10.5.0.2",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("remove-member takes one member ID, got %d argument(s): cairnctl etcd remove-member ID (cairnctl etcd members lists the IDs)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAction(cmd, g, nil, func(ctx context.Context, c *client.Client) (*machine.ActionResponse, error) {
				return c.Etcd.RemoveMember(ctx, &etcd.RemoveMemberRequest{Id: args[0]})
			})
		},
	}
}

func newEtcdDefragCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "defrag",
		Short: "Defragment the target nodes' etcd members, giving unused database space back (os:admin)",
		Long: `Defragment the etcd member of each target node: it rewrites the database without its free
pages (see IN USE in "etcd status"). A member serves nothing while it defragments, so name
one node at a time (--nodes) on a cluster that must keep serving. It needs the os:admin role.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAction(cmd, g, nil, func(ctx context.Context, c *client.Client) (*machine.ActionResponse, error) {
				return c.Etcd.Defrag(ctx, &common.Empty{})
			})
		},
	}
}

func newEtcdAlarmCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "alarm", Short: "List or disarm etcd's alarms (NOSPACE, CORRUPT)", Args: cobra.NoArgs}
	list := alarmCall(func(ctx context.Context, c *client.Client) (*etcd.AlarmResponse, error) {
		return c.Etcd.AlarmList(ctx, &common.Empty{})
	}).command(g, "list", "List the etcd cluster's active alarms (os:reader)")
	list.Long = `List the etcd cluster's active alarms: NOSPACE (a member's database reached its quota:
etcd then accepts only reads and deletes) or CORRUPT. It needs the os:reader role.`
	disarm := alarmCall(func(ctx context.Context, c *client.Client) (*etcd.AlarmResponse, error) {
		return c.Etcd.AlarmDisarm(ctx, &common.Empty{})
	}).command(g, "disarm", "Deactivate every active etcd alarm and list them (os:admin)")
	disarm.Long = `Deactivate every active etcd alarm and list those deactivated. Free space first (compact,
then "etcd defrag"): a NOSPACE alarm whose cause remains comes back. It needs the os:admin role.`
	cmd.AddCommand(list, disarm)
	return cmd
}

func alarmCall(call func(context.Context, *client.Client) (*etcd.AlarmResponse, error)) tableCall[*etcd.AlarmResponse, *etcd.Alarms] {
	return tableCall[*etcd.AlarmResponse, *etcd.Alarms]{
		headers: []string{"NODE", "MEMBER", "ALARM"},
		call:    call,
		rows: func(t *textTable, node string, m *etcd.Alarms) {
			for _, a := range m.GetAlarms() {
				t.row(node, a.GetMemberId(), a.GetAlarm())
			}
		},
	}
}
