package apid

import (
	"crypto/tls"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/credentials"
)

// Resource caps of the API listener.
const (
	// MaxConns bounds the connections apid holds open at once; MaxConnsPerSource bounds those of
	// one source address. Connections beyond either are closed as soon as they are accepted.
	MaxConns          = 1024
	MaxConnsPerSource = 64
	// HandshakeTimeout bounds the TLS and HTTP/2 handshake of a new connection.
	HandshakeTimeout = 5 * time.Second
	// UnverifiedLifetime bounds the life of a connection whose client presented no certificate
	// that this cluster's CA signed: long enough for its calls to get their precise refusal.
	UnverifiedLifetime = 30 * time.Second
	// IdleTimeout closes any connection that has carried no call for this long.
	IdleTimeout = 5 * time.Minute
)

// limitListener refuses connections beyond a total and a per-source cap: the excess is closed
// at once, before any TLS work.
type limitListener struct {
	net.Listener
	log              *slog.Logger
	total, perSource int
	refused          atomic.Uint64

	mu       sync.Mutex
	open     int
	bySource map[string]int
}

func newLimitListener(l net.Listener, log *slog.Logger, total, perSource int) *limitListener {
	return &limitListener{Listener: l, log: log, total: total, perSource: perSource, bySource: map[string]int{}}
}

// Accept returns the next connection within the caps.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		src := sourceOf(c.RemoteAddr())
		if l.admit(src) {
			return &limitedConn{Conn: c, release: func() { l.release(src) }}, nil
		}
		_ = c.Close()
		// One line per 1000 refusals: a flood must not flood the log too.
		if n := l.refused.Add(1); n%1000 == 1 {
			l.log.Warn("connection refused: too many connections", "source", src, "max_total", l.total, "max_per_source", l.perSource, "refused_so_far", n)
		}
	}
}

func (l *limitListener) admit(src string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.total || l.bySource[src] >= l.perSource {
		return false
	}
	l.open++
	l.bySource[src]++
	return true
}

func (l *limitListener) release(src string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.bySource[src]--; l.bySource[src] <= 0 {
		delete(l.bySource, src)
	}
}

// sourceOf is the IP address of a remote address, without its port.
func sourceOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	return hostOf(a.String())
}

// hostOf is the host of a host:port address, or the whole address when it has no port.
func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// limitedConn gives its slot back once, when it is closed.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// unverifiedDeadline wraps the server's TLS credentials: a connection whose client did not
// present a certificate that verified is closed after lifetime, whatever it does.
type unverifiedDeadline struct {
	credentials.TransportCredentials
	verified func(tls.ConnectionState) bool
	lifetime time.Duration
}

func (u unverifiedDeadline) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := u.TransportCredentials.ServerHandshake(raw)
	if err != nil {
		return conn, info, err
	}
	if ti, ok := info.(credentials.TLSInfo); ok && u.verified(ti.State) {
		return conn, info, nil
	}
	t := time.AfterFunc(u.lifetime, func() { _ = conn.Close() })
	return &timedConn{Conn: conn, timer: t}, info, nil
}

func (u unverifiedDeadline) Clone() credentials.TransportCredentials {
	return unverifiedDeadline{TransportCredentials: u.TransportCredentials.Clone(), verified: u.verified, lifetime: u.lifetime}
}

// timedConn stops its closing timer when it is closed first.
type timedConn struct {
	net.Conn
	timer *time.Timer
}

func (c *timedConn) Close() error {
	c.timer.Stop()
	return c.Conn.Close()
}
