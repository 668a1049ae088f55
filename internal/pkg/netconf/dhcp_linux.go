package netconf

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
	"github.com/vishvananda/netlink"
)

// DHCP holds a DHCPv4 client on one link and its current lease.
type DHCP struct {
	link   string
	client *nclient4.Client
	lease  *nclient4.Lease
}

// RequestDHCP brings the link up and obtains a lease, retrying until ctx ends.
func RequestDHCP(ctx context.Context, log *slog.Logger, link string) (*DHCP, *Settings, error) {
	l, err := netlink.LinkByName(link)
	if err != nil {
		return nil, nil, fmt.Errorf("link %s: %w", link, err)
	}
	if err := netlink.LinkSetUp(l); err != nil {
		return nil, nil, fmt.Errorf("link %s up: %w", link, err)
	}
	c, err := nclient4.New(link, nclient4.WithTimeout(2*time.Second), nclient4.WithRetry(3))
	if err != nil {
		return nil, nil, fmt.Errorf("dhcp client on %s: %w", link, err)
	}
	d := &DHCP{link: link, client: c}
	for attempt := 1; ; attempt++ {
		d.lease, err = c.Request(ctx, dhcpv4.WithRequestedOptions(dhcpv4.OptionHostName, dhcpv4.OptionNTPServers))
		if err == nil {
			return d, d.settings(), nil
		}
		log.Warn("dhcp request failed; retrying", "link", link, "attempt", attempt, "error", err)
		select {
		case <-ctx.Done():
			_ = c.Close()
			return nil, nil, fmt.Errorf("dhcp on %s: %w", link, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

func (d *DHCP) settings() *Settings {
	ack := d.lease.ACK
	ip, _ := netip.AddrFromSlice(ack.YourIPAddr.To4())
	ones, _ := ack.SubnetMask().Size()
	if ack.SubnetMask() == nil {
		ones = 24
	}
	s := &Settings{Link: d.link, Address: netip.PrefixFrom(ip, ones), Hostname: ack.HostName(),
		LeaseTime: ack.IPAddressLeaseTime(time.Hour), DNS: addrs(ack.DNS()), NTP: addrs(ack.NTPServers())}
	if r := addrs(ack.Router()); len(r) > 0 {
		s.Gateway = r[0]
	}
	return s
}

func addrs(ips []net.IP) []netip.Addr {
	var out []netip.Addr
	for _, ip := range ips {
		if a, ok := netip.AddrFromSlice(ip.To4()); ok {
			out = append(out, a)
		}
	}
	return out
}

// Maintain renews the lease at half its lifetime and reapplies it, until ctx ends.
func (d *DHCP) Maintain(ctx context.Context, log *slog.Logger) {
	defer func() { _ = d.client.Close() }()
	for {
		wait := d.settings().LeaseTime / 2
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		lease, err := d.client.Renew(ctx, d.lease)
		if err != nil {
			log.Warn("dhcp renew failed; retrying", "link", d.link, "error", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Second):
			}
			continue
		}
		d.lease = lease
		if err := Apply(d.settings()); err != nil {
			log.Error("dhcp renewed lease not applied", "link", d.link, "error", err)
		}
	}
}
