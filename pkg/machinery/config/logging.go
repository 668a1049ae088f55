package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// DefaultSyslogTLSPort is the port of a tls:// log endpoint that names none (RFC 5425).
const DefaultSyslogTLSPort = 6514

// Log endpoint schemes.
const (
	LogSchemeTLS = "tls"
	LogSchemeTCP = "tcp"
)

// LogEndpoint is a parsed machine.logging.destinations[].endpoint.
type LogEndpoint struct {
	// Scheme is LogSchemeTLS or LogSchemeTCP.
	Scheme string
	// Host is the DNS name or IP address (without brackets).
	Host string
	// Port is the TCP port.
	Port int
}

// Address is host:port, for net.Dial.
func (e LogEndpoint) Address() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// String is the endpoint with its port spelled out.
func (e LogEndpoint) String() string { return e.Scheme + "://" + e.Address() }

// maxEndpointLen bounds an endpoint: a 253-character host name, a port and a scheme fit.
const maxEndpointLen = 300

// ParseLogEndpoint parses tls://host[:port] (port 6514 unless given) or tcp://host:port.
// Nothing else is accepted: no user, path, query or fragment.
func ParseLogEndpoint(s string) (LogEndpoint, error) {
	if len(s) > maxEndpointLen {
		return LogEndpoint{}, fmt.Errorf("is longer than %d characters", maxEndpointLen)
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return LogEndpoint{}, errors.New("must be tls://host[:port] or tcp://host:port")
	}
	ep := LogEndpoint{Scheme: u.Scheme, Host: u.Hostname()}
	switch u.Scheme {
	case LogSchemeTLS, LogSchemeTCP:
	default:
		return LogEndpoint{}, errors.New("must be tls://host[:port] or tcp://host:port")
	}
	if !isHost(ep.Host) || strings.HasSuffix(u.Host, ":") {
		return LogEndpoint{}, errors.New("must name a host: a DNS name or an IP address (IPv6 in brackets)")
	}
	port := u.Port()
	switch {
	case port == "" && u.Scheme == LogSchemeTLS:
		ep.Port = DefaultSyslogTLSPort
		return ep, nil
	case port == "":
		return LogEndpoint{}, errors.New("must name a port: tcp://host:port")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port[0] == '0' {
		return LogEndpoint{}, errors.New("must have a port from 1 to 65535")
	}
	ep.Port = n
	return ep, nil
}
