package cairnctl

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/internal/pkg/kubeapi"
	"github.com/cairn-os/cairn/internal/provision/qemu"
	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

// kubeUp bootstraps Kubernetes on the first control plane, writes an admin kubeconfig that
// reaches its API through the loopback forward, and waits until every node is Ready and
// CoreDNS serves. It returns the kubeconfig's path.
func (f *clusterCreateFlags) kubeUp(ctx context.Context, out io.Writer, plan *qemu.Plan, st *qemu.State, cctx *clientconfig.Context) (string, error) {
	tc, err := cctx.TLSConfig()
	if err != nil {
		return "", err
	}
	cp := plan.Nodes[0]
	c, err := client.New([]string{net.JoinHostPort("127.0.0.1", strconv.Itoa(st.Forwards[cp.Name]))}, tc)
	if err != nil {
		return "", err
	}
	defer func() { _ = c.Close() }()
	if _, err := c.Machine.Bootstrap(ctx, &machine.BootstrapRequest{}); err != nil && status.Code(err) != codes.FailedPrecondition {
		return "", fmt.Errorf("bootstrap node %s: %w", cp.Name, err)
	}
	_, _ = fmt.Fprintf(out, "node %s: bootstrap accepted: etcd and the control plane are starting (under TCG the first start takes a few minutes)\n", cp.Name)
	resp, err := c.Machine.Kubeconfig(ctx, &common.Empty{})
	if err != nil || len(resp.GetMessages()) == 0 {
		return "", fmt.Errorf("admin kubeconfig from node %s: %w", cp.Name, err)
	}
	data, err := withServer(resp.GetMessages()[0].GetData(), "https://"+net.JoinHostPort("127.0.0.1", strconv.Itoa(st.KubeForward)))
	if err != nil {
		return "", err
	}
	path := filepath.Join(plan.Dir, qemu.KubeconfigFile)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", err
	}
	kc, err := kubeapi.ParseKubeconfig(data, plan.Dir)
	if err != nil {
		return "", err
	}
	k, err := kubeapi.New(kc)
	if err != nil {
		return "", err
	}
	alive := func() error {
		for _, n := range plan.Nodes {
			if err := (apiWatch{node: n, state: st}).vmFailed(); err != nil {
				return err
			}
		}
		return nil
	}
	if err := waitKube(ctx, out, k, len(plan.Nodes), f.wait, alive); err != nil {
		return path, fmt.Errorf("%w\n%s", err, nodeServices(c, cp.Name))
	}
	return path, nil
}

// nodeServices says how the control plane node's services are, to explain a cluster
// that did not come up: each one's state, restarts and last error. It asks for at most 10 s.
func nodeServices(c *client.Client, node string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.Machine.ServiceList(ctx, &common.Empty{})
	if err != nil || len(resp.GetMessages()) == 0 {
		return fmt.Sprintf("node %s: its services could not be listed: %v", node, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "node %s's services:", node)
	for _, s := range resp.GetMessages()[0].GetServices() {
		fmt.Fprintf(&b, "\n  %-24s %-10s restarts %d", s.GetId(), s.GetState(), s.GetRestarts())
		if e := s.GetLastError(); e != "" {
			fmt.Fprintf(&b, "  last error: %s", e)
		}
	}
	fmt.Fprintf(&b, "\n(cairnctl logs SERVICE -n %s shows a service's log)", node)
	return b.String()
}

// withServer returns the kubeconfig with every cluster's server set to server.
func withServer(data []byte, server string) ([]byte, error) {
	var kc map[string]any
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return nil, fmt.Errorf("admin kubeconfig: %w", err)
	}
	clusters, _ := kc["clusters"].([]any)
	for _, c := range clusters {
		if m, ok := c.(map[string]any); ok {
			if cl, ok := m["cluster"].(map[string]any); ok {
				cl["server"] = server
			}
		}
	}
	return yaml.Marshal(kc)
}

// waitKube waits until the apiserver answers, nodes nodes are Ready and a CoreDNS pod is
// Ready (its readiness probe asks CoreDNS), printing each change of what it waits for and,
// every kubeProgress, that it still waits. alive reports a VM that died, which ends the wait.
func waitKube(ctx context.Context, out io.Writer, k *kubeapi.Client, nodes int, timeout time.Duration, alive func() error) error {
	start, last, shown := time.Now(), "", time.Now()
	for {
		state, err := clusterKubeReady(ctx, k, nodes)
		if err == nil {
			_, _ = fmt.Fprintf(out, "Kubernetes: %s (%.0fs)\n", state, time.Since(start).Seconds())
			return nil
		}
		if msg := err.Error(); sameWait(msg) != sameWait(last) || time.Since(shown) >= kubeProgress {
			_, _ = fmt.Fprintf(out, "Kubernetes: %s (%.0fs)\n", msg, time.Since(start).Seconds())
			last, shown = msg, time.Now()
		}
		if time.Since(start) > timeout {
			return fmt.Errorf("the cluster was not ready within %s: %w", timeout, err)
		}
		if verr := alive(); verr != nil {
			return verr
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped waiting after %s (%w): %w", time.Since(start).Round(time.Second), context.Cause(ctx), err)
		case <-time.After(3 * time.Second):
		}
	}
}

// connDetail is the part of a connection error that changes with every attempt (its local
// port), which must not make waitKube print the same wait again.
var connDetail = regexp.MustCompile(`(read|write|dial) tcp \S+->\S+: `)

func sameWait(msg string) string { return connDetail.ReplaceAllString(msg, "") }

// kubeProgress is how often waitKube says that it still waits for the same thing.
const kubeProgress = 30 * time.Second

type kubeList struct {
	Items []struct {
		Metadata struct{ Name string } `json:"metadata"`
		Status   struct {
			Conditions []struct{ Type, Status string } `json:"conditions"`
		} `json:"status"`
	} `json:"items"`
}

// ready counts the items whose Ready condition is True.
func (l kubeList) ready() int {
	n := 0
	for _, it := range l.Items {
		for _, c := range it.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				n++
			}
		}
	}
	return n
}

// clusterKubeReady returns nil error once all is ready, else an error saying what is missing.
func clusterKubeReady(ctx context.Context, k *kubeapi.Client, want int) (string, error) {
	var nodes, dns kubeList
	if err := k.List(ctx, "/api/v1/nodes", nil, &nodes); err != nil {
		return "", fmt.Errorf("waiting for the apiserver to answer: %w", err)
	}
	if r := nodes.ready(); r < want {
		return "", fmt.Errorf("%d of %d nodes Ready (%d registered)", r, want, len(nodes.Items))
	}
	if err := k.List(ctx, "/api/v1/namespaces/kube-system/pods", map[string][]string{"labelSelector": {"k8s-app=kube-dns"}}, &dns); err != nil || dns.ready() == 0 {
		return "", fmt.Errorf("all %d nodes Ready; waiting for CoreDNS", want)
	}
	return fmt.Sprintf("all %d nodes Ready, CoreDNS ready", want), nil
}
