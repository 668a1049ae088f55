package cairnctl

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cairn-os/cairn/pkg/machinery/client"
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
	// ca is the OS CA of the client configuration (nil with --insecure).
	ca []byte
}

// ctx targets a call at the session's nodes.
func (s *session) ctx(ctx context.Context) context.Context { return client.WithNodes(ctx, s.nodes...) }

func (s *session) Close() { _ = s.c.Close() }

// oneByOne are the targets of a command that calls one node at a time: the session's nodes,
// or "" for the endpoint itself.
func (s *session) oneByOne() []string {
	if len(s.nodes) == 0 {
		return []string{""}
	}
	return s.nodes
}

// connect opens a session from the flags and the client configuration.
func (g *globals) connect(ins *insecureFlags) (*session, error) { return g.connectVerified(ins, nil) }

// connectVerified is connect with an extra check of the endpoint's TLS connection (see
// tls.Config.VerifyConnection); it does not apply to --insecure, which pins a fingerprint.
func (g *globals) connectVerified(ins *insecureFlags, verify func(tls.ConnectionState) error) (*session, error) {
	if ins != nil && ins.insecure {
		return g.connectInsecure(ins)
	}
	cfg, err := g.loadClientConfig()
	if err != nil {
		return nil, err
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
	g.used = targets{endpoints: endpoints, nodes: nodes}
	return &session{c: c, nodes: nodes, ca: cc.CA}, nil
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
	g.used.endpoints = targets
	return &session{c: c}, nil
}

// statusError is an API error that keeps its gRPC status, printed as "Code: message" with the
// message (from a node) made printable. Execute rewrites an unreachable target's as "node X:
// unreachable (reason)".
type statusError struct{ st *status.Status }

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: %s", e.st.Code(), printable(e.st.Message()))
}

// apiError renders a gRPC error as "Code: message".
func apiError(err error) error {
	if st, ok := status.FromError(err); ok {
		return &statusError{st: st}
	}
	return err
}

// targets are the endpoints and nodes the last connection used, to name them in errors.
type targets struct {
	endpoints, nodes []string
}

var reDial = regexp.MustCompile(`(?:Error while dialing: )?dial tcp ([^ ]+): `)

// unreachableStatus reports whether a status says a target could not be reached: gRPC's
// transport failures and apid's "unreachable", not a node's own Unavailable (say, "kernel log:
// /dev/kmsg is not readable").
func unreachableStatus(code codes.Code, msg string) bool {
	return code == codes.Unavailable && (strings.HasPrefix(msg, "connection error: ") ||
		strings.Contains(msg, "Error while dialing") || strings.Contains(msg, "unreachable"))
}

// unreachable rewrites an API error that says a target could not be reached as "endpoint E:
// unreachable (reason)" or "node N: unreachable (reason)", naming the endpoint when the failed
// dial was to one, else the node when one was targeted.
func (t targets) unreachable(err error) error {
	var se *statusError
	if !errors.As(err, &se) || !unreachableStatus(se.st.Code(), se.st.Message()) {
		return err
	}
	reason := strings.TrimSuffix(strings.TrimPrefix(se.st.Message(), `connection error: desc = "`), `"`)
	reason = strings.TrimPrefix(reason, "transport: ")
	what := ""
	if m := reDial.FindStringSubmatch(reason); m != nil {
		reason, what = strings.Replace(reason, m[0], "", 1), m[1]
	}
	switch {
	case len(t.nodes) == 1 && !slices.ContainsFunc(t.endpoints, func(e string) bool { return client.EndpointAddress(e) == what }):
		what = "node " + t.nodes[0]
	case len(t.endpoints) == 1:
		what = "endpoint " + t.endpoints[0]
	case what == "":
		return err
	default:
		what = "endpoint " + what
	}
	if strings.Contains(reason, "unreachable") {
		return fmt.Errorf("%s: unreachable", printable(what)) // apid's plain reply says no more
	}
	return fmt.Errorf("%s: unreachable (%s)", printable(what), printable(reason))
}
