package machined

import (
	"context"
	"fmt"
	"net"
)

// portAnswers is the ready check of a service serving on addr: a TCP connection to it is
// accepted. An unspecified host (0.0.0.0, ::) is checked on loopback.
func portAnswers(addr string) func(context.Context) error {
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			host = "127.0.0.1"
			if ip.To4() == nil {
				host = "::1"
			}
		}
		addr = net.JoinHostPort(host, port)
	}
	return func(ctx context.Context) error {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("ready check: %w", err)
		}
		return c.Close()
	}
}
