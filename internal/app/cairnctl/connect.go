package cairnctl

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/client"
	clientconfig "github.com/cairn-os/cairn/pkg/machinery/client/config"
)

// insecureFlags let a command reach a node in maintenance mode, which has no certificate from
// the cluster CA yet.
type insecureFlags struct {
	insecure    bool
	fingerprint string
}

func (f *insecureFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.insecure, "insecure", false, "connect to a node in maintenance mode (no client certificate; the server is checked by --cert-fingerprint)")
	cmd.Flags().StringVar(&f.fingerprint, "cert-fingerprint", "", "SHA-256 fingerprint of the maintenance-mode server certificate, as the node prints it")
}

// session is a connection and the nodes to target through it.
type session struct {
	c     *client.Client
	nodes []string
}

// ctx targets a call at the session's nodes.
func (s *session) ctx(ctx context.Context) context.Context { return client.WithNodes(ctx, s.nodes...) }

func (s *session) Close() { _ = s.c.Close() }

// connect opens a session from the flags and the client configuration.
func (g *globals) connect(ins *insecureFlags) (*session, error) { return g.connectVerified(ins, nil) }

// connectVerified is connect with an extra check of the endpoint's TLS connection (see
// tls.Config.VerifyConnection); it does not apply to --insecure, which pins a fingerprint.
func (g *globals) connectVerified(ins *insecureFlags, verify func(tls.ConnectionState) error) (*session, error) {
	if ins != nil && ins.insecure {
		return g.connectInsecure(ins)
	}
	path, err := g.clientConfigPath()
	if err != nil {
		return nil, err
	}
	cfg, err := clientconfig.Load(path)
	if err != nil {
		return nil, fmt.Errorf("client configuration: %w", err)
	}
	cc, name, err := cfg.Get(g.context)
	if err != nil {
		return nil, err
	}
	endpoints := g.endpoints
	if len(endpoints) == 0 {
		endpoints = cc.Endpoints
	}
	if len(endpoints) == 0 {
		return nil, fmt.Errorf("context %q has no endpoints: pass --endpoints or run cairnctl config endpoint", name)
	}
	tc, err := cc.TLSConfig()
	if err != nil {
		return nil, fmt.Errorf("context %q: %w", name, err)
	}
	tc.VerifyConnection = verify
	c, err := client.New(endpoints, tc)
	if err != nil {
		return nil, fmt.Errorf("context %q: %w", name, err)
	}
	nodes := g.nodes
	if len(nodes) == 0 {
		nodes = cc.Nodes
	}
	return &session{c: c, nodes: nodes}, nil
}

// connectInsecure talks straight to the node (no proxying: a node in maintenance mode does
// not proxy); --endpoints, else --nodes, name it.
func (g *globals) connectInsecure(ins *insecureFlags) (*session, error) {
	targets := g.endpoints
	if len(targets) == 0 {
		targets = g.nodes
	}
	if len(targets) != 1 {
		return nil, errors.New("--insecure talks to exactly one node: name it with --nodes (or --endpoints)")
	}
	if ins.fingerprint == "" {
		_, _ = fmt.Fprintln(g.ctx.Stderr, "warning: --insecure without --cert-fingerprint accepts any server certificate")
	}
	c, err := client.Insecure(targets, ins.fingerprint)
	if err != nil {
		return nil, err
	}
	return &session{c: c}, nil
}

// apiError renders a gRPC error as "Code: message", the message (from a node) made printable.
func apiError(err error) error {
	if st, ok := status.FromError(err); ok {
		return fmt.Errorf("%s: %s", st.Code(), printable(st.Message()))
	}
	return err
}
