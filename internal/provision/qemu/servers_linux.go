package qemu

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/server4"
)

// dhcpHandler answers DISCOVER and REQUEST with the fixed address of the node whose MAC
// asks; other clients get nothing.
func dhcpHandler(log *slog.Logger, nodes []Node) server4.Handler {
	byMAC := map[string]Node{}
	for _, n := range nodes {
		byMAC[strings.ToLower(n.MAC)] = n
	}
	return func(conn net.PacketConn, peer net.Addr, m *dhcpv4.DHCPv4) {
		n, ok := byMAC[m.ClientHWAddr.String()]
		if !ok || m.OpCode != dhcpv4.OpcodeBootRequest {
			return
		}
		reply, err := dhcpReply(m, n)
		if err != nil || reply == nil {
			return
		}
		if up, ok := peer.(*net.UDPAddr); ok && up.IP.IsUnspecified() {
			peer = &net.UDPAddr{IP: net.IPv4bcast, Port: dhcpv4.ClientPort}
		}
		if _, err := conn.WriteTo(reply.ToBytes(), peer); err != nil {
			log.Warn("dhcp reply not sent", "node", n.Name, "error", err)
			return
		}
		log.Info("dhcp", "node", n.Name, "type", reply.MessageType().String(), "ip", n.IP.String())
	}
}

func dhcpReply(m *dhcpv4.DHCPv4, n Node) (*dhcpv4.DHCPv4, error) {
	var typ dhcpv4.MessageType
	switch m.MessageType() {
	case dhcpv4.MessageTypeDiscover:
		typ = dhcpv4.MessageTypeOffer
	case dhcpv4.MessageTypeRequest:
		typ = dhcpv4.MessageTypeAck
	default:
		return nil, nil
	}
	gw := net.IP(Gateway.AsSlice())
	return dhcpv4.NewReplyFromRequest(m,
		dhcpv4.WithMessageType(typ),
		dhcpv4.WithYourIP(net.IP(n.IP.AsSlice())),
		dhcpv4.WithServerIP(gw),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(gw)),
		dhcpv4.WithOption(dhcpv4.OptSubnetMask(net.CIDRMask(subnetBits, 32))),
		dhcpv4.WithOption(dhcpv4.OptRouter(gw)),
		dhcpv4.WithOption(dhcpv4.OptIPAddressLeaseTime(24*time.Hour)),
		dhcpv4.WithOption(dhcpv4.OptHostName(n.Name)),
	)
}

// configHandler serves each node's machine configuration at /config/NAME.
func configHandler(log *slog.Logger, nodes []Node) http.Handler {
	mux := http.NewServeMux()
	for _, n := range nodes {
		if n.Config == "" {
			continue
		}
		mux.HandleFunc("GET /config/"+n.Name, func(w http.ResponseWriter, r *http.Request) {
			data, err := os.ReadFile(n.Config)
			if err != nil {
				http.Error(w, "config not available", http.StatusInternalServerError)
				return
			}
			log.Info("config served", "node", n.Name, "from", r.RemoteAddr)
			w.Header().Set("Content-Type", "application/yaml")
			_, _ = w.Write(data)
		})
	}
	return mux
}

// forward accepts on l (host loopback) and splices each connection to target inside the
// namespace.
func forward(ctx context.Context, log *slog.Logger, l net.Listener, t *nsThread, targets ...string) {
	go func() { <-ctx.Done(); _ = l.Close() }()
	var mu sync.Mutex
	last := 0 // the target that answered last is tried first
	for {
		c, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				log.Warn("forward accept", "targets", targets, "error", err)
			}
			return
		}
		go func() {
			defer func() { _ = c.Close() }()
			mu.Lock()
			first := last
			mu.Unlock()
			for i := range targets {
				k := (first + i) % len(targets)
				up, err := t.dial(targets[k])
				if err != nil {
					continue
				}
				mu.Lock()
				last = k
				mu.Unlock()
				defer func() { _ = up.Close() }()
				splice(c, up)
				return
			}
		}()
	}
}

func splice(a, b net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	cp := func(dst, src net.Conn) {
		defer wg.Done()
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}
	go cp(a, b)
	go cp(b, a)
	wg.Wait()
}
