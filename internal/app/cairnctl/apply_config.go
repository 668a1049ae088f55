package cairnctl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/cairn-os/cairn/pkg/machinery/api/common"
	"github.com/cairn-os/cairn/pkg/machinery/api/machine"
	"github.com/cairn-os/cairn/pkg/machinery/client"
	"github.com/cairn-os/cairn/pkg/machinery/config"
	"github.com/cairn-os/cairn/pkg/machinery/pki"
)

type applyConfigFlags struct {
	file    string
	mode    string
	dryRun  bool
	timeout time.Duration
	confirm bool
	ins     insecureFlags
}

var applyModes = map[string]machine.ApplyConfigurationRequest_Mode{
	"auto":   machine.ApplyConfigurationRequest_AUTO,
	"reboot": machine.ApplyConfigurationRequest_REBOOT,
	"staged": machine.ApplyConfigurationRequest_STAGED,
	"try":    machine.ApplyConfigurationRequest_TRY,
}

func newApplyConfigCmd(g *globals) *cobra.Command {
	f := &applyConfigFlags{}
	cmd := &cobra.Command{
		Use:   "apply-config",
		Short: "Apply a machine configuration to the nodes",
		Long: `Apply a machine configuration. Modes: auto applies live what can be and reboots only when
needed (and says so); reboot stores it and reboots; staged stores it for the next boot; try
applies it live and reverts it after --timeout unless confirmed with --confirm. --dry-run
shows the diff (secrets redacted) and changes nothing. A node in maintenance mode takes its
first configuration with --insecure --cert-fingerprint FP.

A node keeps a configuration across reboots only if its STATE is persistent (container mode
with --state on disk). Where STATE is held in memory, as on today's VMs, the node refuses
reboot, staged, and an auto apply that needs a reboot (FailedPrecondition, nothing changed),
and its replies say that what it applies is kept only until the next reboot.

A configuration holding control-plane keys (a controlplane.yaml) is sent only to an endpoint,
and forwarded only to nodes, whose certificate is a control-plane node's; a worker's
certificate, which the join token buys, never receives it.`,
		Example: "  cairnctl apply-config --insecure --cert-fingerprint FP -n 10.5.0.2 -f controlplane.yaml",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return f.run(cmd, g) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.file, "file", "f", "", "the machine configuration to apply")
	fl.StringVar(&f.mode, "mode", "auto", "auto, reboot, staged or try")
	fl.BoolVar(&f.dryRun, "dry-run", false, "show what would change and change nothing")
	fl.DurationVar(&f.timeout, "timeout", time.Minute, "with --mode try: revert after this long unless confirmed")
	fl.BoolVar(&f.confirm, "confirm", false, "confirm the configuration being tried (no -f)")
	f.ins.register(cmd)
	return cmd
}

func (f *applyConfigFlags) run(cmd *cobra.Command, g *globals) error {
	if f.confirm {
		return f.runConfirm(cmd, g)
	}
	mode, ok := applyModes[f.mode]
	if !ok {
		return fmt.Errorf("--mode %q: want auto, reboot, staged or try", f.mode)
	}
	if f.file == "" {
		return fmt.Errorf("--file is required")
	}
	data, err := config.ReadFile(f.file)
	if err != nil {
		return err
	}
	guard := &controlPlaneGuard{}
	guard.why, guard.needed = config.NeedsControlPlane(data)
	s, err := g.connectVerified(&f.ins, guard.verify)
	if err != nil {
		return err
	}
	defer s.Close()
	req := &machine.ApplyConfigurationRequest{Data: data, Mode: mode, DryRun: f.dryRun}
	if mode == machine.ApplyConfigurationRequest_TRY {
		req.TryTimeout = durationpb.New(f.timeout)
	}
	resp, err := s.c.Machine.ApplyConfiguration(s.ctx(cmd.Context()), req)
	if refused := guard.refused.Load(); refused != nil {
		return *refused
	}
	if err != nil {
		return apiError(err)
	}
	w := cmd.OutOrStdout()
	return eachNode(resp.GetMessages(), func(m *machine.ApplyConfiguration) error {
		_, _ = fmt.Fprintf(w, "%s: %s: %s\n", replyNode(m.GetMetadata()), printable(m.GetMode()), printable(m.GetMessage()))
		if m.GetDiff() != "" {
			_, _ = fmt.Fprint(w, m.GetDiff())
		} else if f.dryRun {
			_, _ = fmt.Fprintln(w, "(no changes)")
		}
		return nil
	})
}

// controlPlaneGuard checks, in the TLS handshake and so before any byte of the request is
// sent, that the endpoint is a control-plane node when the configuration needs one: a
// certificate bought with the join token must not receive the cluster's keys.
type controlPlaneGuard struct {
	why     string
	needed  bool
	refused atomic.Pointer[error]
}

func (g *controlPlaneGuard) verify(cs tls.ConnectionState) error {
	if !g.needed || len(cs.PeerCertificates) == 0 || pki.IsControlPlane(cs.PeerCertificates[0]) {
		return nil
	}
	leaf := cs.PeerCertificates[0]
	err := fmt.Errorf("the endpoint's certificate is not a control-plane node's (it names %q: %s): refusing to send it this configuration, since %s",
		leaf.Subject.CommonName, certifiedNames(leaf), g.why)
	g.refused.CompareAndSwap(nil, &err)
	return err
}

// certifiedNames lists the DNS names and IP addresses a certificate is valid for.
func certifiedNames(c *x509.Certificate) string {
	names := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	return strings.Join(names, ", ")
}

func (f *applyConfigFlags) runConfirm(cmd *cobra.Command, g *globals) error {
	return runAction(cmd, g, &f.ins, func(ctx context.Context, c *client.Client) (*machine.ActionResponse, error) {
		return c.Machine.ConfirmConfiguration(ctx, &common.Empty{})
	})
}
