package cairnctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

type upgradeFlags struct {
	image       string
	stage       bool
	force       bool
	wait        bool
	waitTimeout time.Duration
	poll        time.Duration // how often --wait asks
	out         printFlags
}

func newUpgradeCmd(g *globals) *cobra.Command {
	f := &upgradeFlags{poll: pollEvery}
	cmd := &cobra.Command{
		Use:   "upgrade --image FILE|URL",
		Short: "Write a signed Cairn OS image to the nodes' inactive disk slot and reboot into it on trial",
		Long: `Send a signed Cairn OS image to each node (--nodes; default the context's nodes, else the
endpoint), one node after the other. The node checks the image's signature against the keys
of its machine.upgrade.trustedKeys before it writes anything: an unsigned image, or one signed
by another key, is refused and nothing is written. It then writes the image to its inactive
disk slot, adds that slot's boot entry on trial and reboots into it. The new slot is marked
good once the node is healthy on it; if it is not, the next boot returns to the previous slot
by itself. cairnctl rollback goes back on purpose. The signing key comes from cairnctl gen
image-key; its public half goes in the nodes' machine.upgrade.trustedKeys.

--image is a local file, or an http:// or https:// URL that cairnctl downloads and streams to
the node as it reads it: the node itself never fetches an image from a URL. A node takes
images of at most 1 GiB, one upgrade or rollback at a time. A node without disk slots
(container mode, or a root in RAM: PXE, direct kernel boot, the ISO) refuses the upgrade.

--stage writes the image and its boot entry without rebooting: the next reboot boots it on
trial. --wait waits after each node's reply until the node answers again from its new slot
and that slot is marked good (at most --wait-timeout per node), and reports the version it
runs and its slots; with several nodes the next one is upgraded only once the previous one is
back. Several nodes need --wait or --stage: otherwise they would all reboot at once. The first
node that fails stops the command; the nodes after it are not upgraded.

On a control-plane node the node first asks etcd whether the other members alone keep its
quorum; if not (a one-node control plane, or members already down) it refuses and writes
nothing, unless --force.

Progress goes to standard error, each node's result to standard output; -o json or yaml
prints one document {upgrade: UpgradeResponse, version: VersionResponse (with --wait)}.
It needs the os:admin role.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	cmd.Flags().StringVar(&f.image, "image", "", "the signed Cairn OS image: a file, or an http:// or https:// URL cairnctl fetches (the node never does)")
	cmd.Flags().BoolVar(&f.stage, "stage", false, "write the image and its boot entry but do not reboot: the next reboot boots it on trial")
	cmd.Flags().BoolVar(&f.force, "force", false, "upgrade a control-plane node even when etcd would lose its quorum while it reboots (e.g. a one-node control plane)")
	cmd.Flags().BoolVar(&f.wait, "wait", false, "wait for each node to come back from its new slot, marked good, and report its version and slots")
	cmd.Flags().DurationVar(&f.waitTimeout, "wait-timeout", 30*time.Minute, "how long --wait waits for each node (a node gives up an unhealthy trial slot after 20 minutes)")
	f.out.register(cmd)
	return cmd
}

// check refuses bad flags before anything is opened or sent.
func (f *upgradeFlags) check() error {
	if err := f.out.check(); err != nil {
		return err
	}
	if err := checkImageRef(f.image); err != nil {
		return err
	}
	switch {
	case f.wait && f.stage:
		return errors.New("--wait with --stage: a staged upgrade does not reboot, so there is nothing to wait for (cairnctl version shows the staged slot)")
	case f.waitTimeout <= 0:
		return fmt.Errorf("--wait-timeout %s: want a duration above 0", f.waitTimeout)
	}
	return nil
}

// checkNodes refuses to reboot several nodes at once.
func (f *upgradeFlags) checkNodes(nodes []string) error {
	if len(nodes) > 1 && !f.wait && !f.stage {
		return fmt.Errorf("--nodes names %d nodes: upgrading several without --wait would reboot them all at once; add --wait (one after the other, each back before the next) or --stage", len(nodes))
	}
	return nil
}

func (f *upgradeFlags) run(cmd *cobra.Command, g *globals) error {
	if err := f.check(); err != nil {
		return err
	}
	if err := f.checkNodes(g.nodes); err != nil {
		return err // --nodes; the context's nodes are checked once connected
	}
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	nodes := s.oneByOne()
	if err := f.checkNodes(nodes); err != nil {
		return err
	}
	var res upgradeResults
	for i, n := range nodes {
		if err := f.upgradeNode(cmd, s, n, &res); err != nil {
			if rest := nodes[i+1:]; len(rest) > 0 {
				err = fmt.Errorf("%w\nnot upgraded: %s", err, strings.Join(rest, ", "))
			}
			return errors.Join(res.print(cmd.OutOrStdout(), f.out.format), err)
		}
	}
	return res.print(cmd.OutOrStdout(), f.out.format)
}

// upgradeNode upgrades one node ("" for the endpoint) and, with --wait, waits for it.
func (f *upgradeFlags) upgradeNode(cmd *cobra.Command, s *session, node string, res *upgradeResults) error {
	ctx := cmd.Context()
	if node != "" {
		ctx = client.WithNodes(ctx, node)
	}
	m, err := f.send(ctx, cmd, s, node)
	if err != nil {
		return nodeFailure(node, err)
	}
	res.add(cmd.OutOrStdout(), f.out.format, m)
	if !f.wait || !m.GetRebooting() {
		return nil
	}
	v, err := f.waitUpgraded(cmd, s, node, m.GetSlot())
	if v != nil {
		res.addVersion(cmd.OutOrStdout(), f.out.format, v)
	}
	return nodeFailure(node, err)
}

// send streams the image to one node and returns its reply.
func (f *upgradeFlags) send(ctx context.Context, cmd *cobra.Command, s *session, node string) (*machine.Upgrade, error) {
	img, size, err := openImage(ctx, f.image)
	if err != nil {
		return nil, err
	}
	defer func() { _ = img.Close() }()
	st, err := s.c.Machine.Upgrade(ctx)
	if err != nil {
		return nil, apiError(err)
	}
	// The first message carries stage and force alone, so that they are sent whatever the
	// image holds.
	if err := st.Send(&machine.UpgradeRequest{Stage: f.stage, Force: f.force}); err != nil && !errors.Is(err, io.EOF) {
		return nil, apiError(err)
	}
	p := &progress{w: cmd.ErrOrStderr(), what: progressName(f.image, node), every: time.Second, size: size}
	send := func(b []byte) error { return st.Send(&machine.UpgradeRequest{Chunk: b}) }
	if err := sendChunks(send, img, p); err != nil {
		return nil, err
	}
	resp, err := st.CloseAndRecv()
	if err != nil {
		return nil, apiError(err)
	}
	p.done("verified and written")
	return oneReply(resp.GetMessages(), "the upgrade")
}

// progressName names an upload in its progress lines.
func progressName(image, node string) string {
	if node == "" {
		return image
	}
	return image + " to " + node
}
