package cairnctl

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/pkg/machinery/client"
)

type healthFlags struct {
	wait        time.Duration
	k8sEndpoint string
	// kube is the Kubernetes API client, once a round has made it.
	kube *kubeapi.Client
}

func newHealthCmd(g *globals) *cobra.Command {
	f := &healthFlags{}
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check the cluster: node APIs, control-plane services, the Kubernetes API, Nodes and system pods",
		Long: `Check the nodes named by --nodes (default: the context's nodes, else the endpoint):
  - each node's Cairn API answers;
  - on control-plane nodes, etcd, kube-apiserver, kube-controller-manager and kube-scheduler run;
  - with an admin kubeconfig fetched from a control-plane node (os:admin), the apiserver's
    /readyz passes, a Node is registered for every checked node and every Node is Ready, and
    the kube-system pods (CoreDNS) are Running and Ready.
Each failing check says what is wrong and what to do. With --wait the checks run again until
all pass or the time is up (a line of progress per round). The exit status is non-zero unless
every check passes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	cmd.Flags().DurationVar(&f.wait, "wait", 0, "keep checking until healthy or this long has passed (e.g. 10m)")
	cmd.Flags().StringVar(&f.k8sEndpoint, "k8s-endpoint", "", "reach the Kubernetes API here (https://host:port) instead of the cluster's control-plane endpoint")
	return cmd
}

func (f *healthFlags) run(cmd *cobra.Command, g *globals) error {
	if f.wait < 0 {
		return fmt.Errorf("--wait %s: want a duration of 0 or more", f.wait)
	}
	s, err := g.connect(nil)
	if err != nil {
		return err
	}
	defer s.Close()
	defer f.closeKube()
	ctx := cmd.Context()
	deadline := time.Now().Add(f.wait)
	for round := 1; ; round++ {
		checks := f.round(ctx, s)
		bad := failing(checks)
		if bad == 0 || ctx.Err() != nil || !time.Now().Before(deadline) {
			return report(cmd.OutOrStdout(), checks, bad)
		}
		_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "round %d: %d of %d checks fail (first: %s); checking again\n", round, bad, len(checks), firstFailing(checks))
		select {
		case <-ctx.Done():
		case <-time.After(min(5*time.Second, time.Until(deadline))):
		}
	}
}

// round runs every check once.
func (f *healthFlags) round(ctx context.Context, s *session) []check {
	nodes := askNodes(ctx, s.c, s.nodes)
	checks := nodeChecks(nodes)
	var expected []string
	cp := -1
	for i, n := range nodes {
		if n.apiErr == nil {
			expected = append(expected, n.hostname)
		}
		if n.controlPlane && cp < 0 {
			cp = i
		}
	}
	if cp < 0 {
		return append(checks, check{what: "a control-plane node is among the checked nodes", problem: "none answered as a control plane",
			fix: "include a control-plane node in --nodes: the Kubernetes checks need its admin kubeconfig"})
	}
	k, err := f.kubeClient(ctx, s.c, nodes[cp].addr)
	if err != nil {
		return append(checks, check{what: "an admin kubeconfig from " + nodes[cp].nodeName(), problem: err.Error(),
			fix: "health fetches it with the Kubeconfig call, which needs the os:admin role: use an admin context (--context)"})
	}
	return append(checks, kubeChecks(askKube(ctx, k), expected)...)
}

// kubeClient returns the client of an earlier round, or fetches an admin kubeconfig from the
// control-plane node cp and opens one (one certificate per run, not per round).
func (f *healthFlags) kubeClient(ctx context.Context, c *client.Client, cp string) (*kubeapi.Client, error) {
	if f.kube != nil {
		return f.kube, nil
	}
	kc, err := requestKubeconfig(ctx, c, cp)
	if err != nil {
		return nil, fmt.Errorf("fetch the admin kubeconfig: %w", err)
	}
	cfg, err := kubeapi.ParseKubeconfig(kc.GetData(), "")
	if err != nil {
		return nil, fmt.Errorf("the node's kubeconfig: %w", err)
	}
	if f.k8sEndpoint != "" {
		cfg.Server = f.k8sEndpoint
	}
	if f.kube, err = kubeapi.New(cfg); err != nil {
		return nil, err
	}
	return f.kube, nil
}

func (f *healthFlags) closeKube() {
	if f.kube != nil {
		f.kube.CloseIdleConnections()
	}
}

// report prints every check and fails unless all passed.
func report(w io.Writer, checks []check, bad int) error {
	for _, c := range checks {
		_, _ = fmt.Fprintln(w, c)
	}
	if bad > 0 {
		return fmt.Errorf("the cluster is not healthy: %d of %d checks fail", bad, len(checks))
	}
	return nil
}

func firstFailing(checks []check) string {
	for _, c := range checks {
		if !c.ok() {
			return c.what + ": " + c.problem
		}
	}
	return ""
}
