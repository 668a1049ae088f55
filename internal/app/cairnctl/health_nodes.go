package cairnctl

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	"github.com/cairn-os/cairn/pkg/machinery/config"
)

// nodeCallTimeout bounds each call health makes to a node.
const nodeCallTimeout = 10 * time.Second

// askNodes asks every target (or the endpoint itself, "") for its host name, machine type
// and services.
func askNodes(ctx context.Context, c *client.Client, targets []string) []healthNode {
	if len(targets) == 0 {
		targets = []string{""}
	}
	out := make([]healthNode, len(targets))
	for i, t := range targets {
		out[i] = askNode(ctx, c, t)
	}
	return out
}

func askNode(ctx context.Context, c *client.Client, addr string) healthNode {
	n := healthNode{addr: addr}
	ctx, cancel := context.WithTimeout(ctx, nodeCallTimeout)
	defer cancel()
	if addr != "" {
		ctx = client.WithNodes(ctx, addr)
	}
	h, err := c.Machine.Hostname(ctx, &common.Empty{})
	if err == nil {
		m, oerr := oneReply(h.GetMessages(), "Hostname")
		n.hostname, err = m.GetHostname(), oerr
	}
	if err != nil {
		n.apiErr = apiError(err)
		return n
	}
	if n.controlPlane, err = isControlPlane(ctx, c); err != nil {
		n.apiErr = err
		return n
	}
	n.apiErr = n.readServices(ctx, c)
	return n
}

// isControlPlane reads machine.type from the node's (redacted) configuration.
func isControlPlane(ctx context.Context, c *client.Client) (bool, error) {
	resp, err := c.Machine.GetConfiguration(ctx, &common.Empty{})
	if err != nil {
		return false, apiError(err)
	}
	m, err := oneReply(resp.GetMessages(), "GetConfiguration")
	if err != nil {
		return false, err
	}
	var doc struct {
		Machine struct {
			Type string `yaml:"type"`
		} `yaml:"machine"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(m.GetData())).Decode(&doc); err != nil {
		return false, fmt.Errorf("the node's configuration: %w", err)
	}
	return doc.Machine.Type == config.TypeControlPlane, nil
}

func (n *healthNode) readServices(ctx context.Context, c *client.Client) error {
	resp, err := c.Machine.ServiceList(ctx, &common.Empty{})
	if err != nil {
		return apiError(err)
	}
	m, err := oneReply(resp.GetMessages(), "ServiceList")
	if err != nil {
		return err
	}
	n.services, n.lastError = map[string]string{}, map[string]string{}
	for _, s := range m.GetServices() {
		n.services[s.GetId()], n.lastError[s.GetId()] = s.GetState(), s.GetLastError()
	}
	return nil
}
