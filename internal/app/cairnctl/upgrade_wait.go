package cairnctl

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

// How --wait polls: how often it asks a node for its version (upgradeFlags.poll), and how
// long one ask may take.
const (
	pollEvery      = 3 * time.Second
	versionAskTime = 10 * time.Second
)

// waitUpgraded asks node's Version until it runs from slot, marked good, or it came back on
// another slot, or --wait-timeout passes; it prints a progress line whenever the node's state
// changes and returns the node's last Version (nil if it never answered).
func (f *upgradeFlags) waitUpgraded(cmd *cobra.Command, s *session, node, slot string) (*machine.Version, error) {
	timeout := f.waitTimeout
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	w := &upgradeWait{slot: slot}
	start, said := time.Now(), ""
	var last *machine.Version
	timedOut := func() error {
		return fmt.Errorf("the node did not come back from slot %s marked good within %s (last: %s)", slot, timeout, said)
	}
	for {
		v, err := askVersion(ctx, s, node)
		if end, _ := ctx.Deadline(); ctx.Err() != nil || !time.Now().Before(end) {
			return last, timedOut() // the ask ran out of our time: its error is ours, not the node's
		}
		if v != nil {
			last = v
		}
		verdict, say := w.judge(v, err)
		switch verdict {
		case waitDone:
			return last, nil
		case waitFailed:
			return last, fmt.Errorf("the upgrade did not take: %s", say)
		}
		if say != said {
			said = say
			_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "%s: waiting (%s): %s\n", progressName("upgrade", node), time.Since(start).Round(time.Second), say)
		}
		select {
		case <-ctx.Done():
			return last, timedOut()
		case <-time.After(f.poll):
		}
	}
}

// askVersion asks one node ("" for the endpoint) for its version.
func askVersion(ctx context.Context, s *session, node string) (*machine.Version, error) {
	ctx, cancel := context.WithTimeout(ctx, versionAskTime)
	defer cancel()
	if node != "" {
		ctx = client.WithNodes(ctx, node)
	}
	resp, err := s.c.Machine.Version(ctx, &common.Empty{})
	if err != nil {
		return nil, apiError(err)
	}
	return oneReply(resp.GetMessages(), "Version")
}
