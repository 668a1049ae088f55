package boot

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cairn-os/cairn/internal/pkg/netconf"
)

func loopback(_ context.Context, _ *state) error { return netconf.LoopbackUp() }

// configureLinks applies the kernel's ip= argument when it holds a static address, else
// runs DHCP on the first ethernet link and keeps renewing the lease after boot.
func configureLinks(ctx context.Context, s *state) error {
	ipArg, _ := s.res.Cmdline.Get("ip")
	static, err := netconf.ParseIP(ipArg)
	if err != nil {
		return err
	}
	links, err := netconf.WaitEthernet(ctx, 15*time.Second)
	if err != nil {
		return err
	}
	settings := static
	if static != nil {
		if static.Link == "" {
			static.Link = links[0]
		}
		s.log.Info("static network from ip=", "link", static.Link, "address", static.Address.String())
	} else {
		dctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		d, lease, err := netconf.RequestDHCP(dctx, s.log, links[0])
		if err != nil {
			return err
		}
		settings = lease
		s.dhcpFn = func(ctx context.Context) { d.Maintain(ctx, s.log) }
		s.log.Info("dhcp lease", "link", lease.Link, "address", lease.Address.String(), "gateway", lease.Gateway.String(), "lease", lease.LeaseTime)
	}
	if err := netconf.Apply(settings); err != nil {
		return err
	}
	s.res.Hostname, s.res.Resolvers, s.ntp = settings.Hostname, settings.DNS, settings.NTP
	s.res.Addresses, err = netconf.Addresses()
	return err
}

// setHostname uses, in order: cairn.hostname=, the DHCP/ip= host name, "cairn-" and the
// end of the first link's MAC address.
func setHostname(_ context.Context, s *state) error {
	name := s.res.Hostname
	if v, ok := s.res.Cmdline.Get("cairn.hostname"); ok && v != "" {
		name = v
	}
	if name == "" {
		name = "cairn"
		if links, err := netconf.WaitEthernet(context.Background(), time.Second); err == nil {
			if mac, err := netconf.HardwareAddr(links[0]); err == nil {
				name = fmt.Sprintf("cairn-%02x%02x%02x", mac[3], mac[4], mac[5])
			}
		}
	}
	s.res.Hostname = name
	return SetHostname(name)
}

// SetHostname gives the kernel its host name and writes /etc/hostname (in the /etc overlay).
func SetHostname(name string) error {
	if err := unix.Sethostname([]byte(name)); err != nil {
		return fmt.Errorf("sethostname %q: %w", name, err)
	}
	if err := os.WriteFile("/etc/hostname", []byte(name+"\n"), 0o644); err != nil { //nolint:gosec // the image, its root and /etc are world-readable by design.
		return fmt.Errorf("write /etc/hostname: %w", err)
	}
	return nil
}

// writeResolvers writes /etc/resolv.conf (in the /etc overlay) from DHCP or ip=.
func writeResolvers(_ context.Context, s *state) error {
	servers := s.res.Resolvers
	if v, ok := s.res.Cmdline.Get("cairn.dns"); ok {
		servers = nil
		for _, f := range strings.Split(v, ",") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return fmt.Errorf("cairn.dns=%q: %q is not an address", v, f)
			}
			servers = append(servers, a)
		}
	}
	s.res.Resolvers = servers
	return os.WriteFile("/etc/resolv.conf", netconf.ResolvConf(servers, nil), 0o644) //nolint:gosec // the image, its root and /etc are world-readable by design.
}
