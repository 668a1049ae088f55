package cairnctl

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

func newImageListCmd(g *globals) *cobra.Command {
	cmd := tableCall[*machine.ImageListResponse, *machine.ImageList]{
		headers: []string{"NODE", "IMAGE", "DIGEST", "SIZE", "PLATFORMS"},
		call: func(ctx context.Context, c *client.Client) (*machine.ImageListResponse, error) {
			return c.Machine.ImageList(ctx, &common.Empty{})
		},
		rows: func(t *textTable, node string, m *machine.ImageList) {
			for _, i := range m.GetImages() {
				t.row(node, i.GetName(), i.GetDigest(), strconv.FormatUint(i.GetSize(), 10), strings.Join(i.GetPlatforms(), ","))
			}
		},
	}.command(g, "list", "List the container images of the nodes' containerd (the Kubernetes namespace)")
	cmd.Aliases = []string{"ls"}
	cmd.Long = `List the images in containerd's k8s.io namespace, the images kubelet runs pods from, as
containerd's ctr reports them (SIZE in bytes, to ctr's precision of 0.1 KiB/MiB/GiB). A node
without Kubernetes (no containerd) answers FailedPrecondition.`
	return cmd
}
