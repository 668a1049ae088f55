// Package apilb is the node's local load balancer for the Kubernetes API: a TCP proxy on a
// loopback port that passes each connection to the first apiserver that accepts it, so the
// kubelet and kube-proxy keep reaching the cluster while any one control plane is down. It
// sees only TLS bytes (the clients verify the apiservers' certificates, which carry 127.0.0.1).
package apilb

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"
)

// Bounds of the balancer.
const (
	// DialTimeout bounds one attempt to reach an apiserver.
	DialTimeout = 3 * time.Second
	// DownFor is how long an apiserver that refused or did not answer is tried only after the
	// others.
	DownFor = 15 * time.Second
	// MaxConns bounds the connections proxied at once (each holds two descriptors).
	MaxConns = 512
)

// Balancer proxies connections to a list of apiservers.
type Balancer struct {
	log *slog.Logger

	mu       sync.Mutex
	backends []string             // host:port, in order of preference
	down     map[string]time.Time // when a backend last failed
	slots    chan struct{}
}

// New returns a balancer with the backends (host:port).
func New(log *slog.Logger, backends ...string) *Balancer {
	b := &Balancer{log: log, down: map[string]time.Time{}, slots: make(chan struct{}, MaxConns)}
	b.SetBackends(backends)
	return b
}

// SetBackends replaces the backends; connections already proxied stay.
func (b *Balancer) SetBackends(backends []string) {
	var clean []string
	for _, a := range backends {
		if _, _, err := net.SplitHostPort(a); err == nil && !slices.Contains(clean, a) {
			clean = append(clean, a)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !slices.Equal(clean, b.backends) {
		b.log.Info("Kubernetes API load balancer: apiservers", "backends", clean)
	}
	b.backends = clean
}

// Backends returns the current backends.
func (b *Balancer) Backends() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.backends)
}

// order returns the backends to try: those that did not fail lately first, in order.
func (b *Balancer) order() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var up, down []string
	for _, a := range b.backends {
		if t, ok := b.down[a]; ok && time.Since(t) < DownFor {
			down = append(down, a)
		} else {
			up = append(up, a)
		}
	}
	return append(up, down...)
}

func (b *Balancer) mark(addr string, failed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if failed {
		b.down[addr] = time.Now()
	} else {
		delete(b.down, addr)
	}
}

// Serve accepts connections on ln until ctx ends, then closes ln and every proxied connection.
func (b *Balancer) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { <-ctx.Done(); _ = ln.Close() }()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		select {
		case b.slots <- struct{}{}:
		default:
			_ = c.Close() // at the limit: the client retries
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-b.slots }()
			b.proxy(ctx, c)
		}()
	}
}

// proxy passes c to the first backend that accepts it, and bytes both ways until either
// side closes or ctx ends.
func (b *Balancer) proxy(ctx context.Context, c net.Conn) {
	defer func() { _ = c.Close() }()
	var up net.Conn
	for _, a := range b.order() {
		d := net.Dialer{Timeout: DialTimeout}
		conn, err := d.DialContext(ctx, "tcp", a)
		if err == nil {
			b.mark(a, false)
			up = conn
			break
		}
		if ctx.Err() != nil {
			return
		}
		b.mark(a, true)
		b.log.Debug("apiserver did not accept a connection", "backend", a, "error", err)
	}
	if up == nil {
		return
	}
	defer func() { _ = up.Close() }()
	stop := context.AfterFunc(ctx, func() { _ = c.Close(); _ = up.Close() })
	defer stop()
	// TLS has no use for a half-closed connection: when either side ends, both do (a backend
	// that vanished leaves its side open until the client gives up).
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	_ = c.Close()
	_ = up.Close()
	<-done
}
