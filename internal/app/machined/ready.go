package machined

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
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

// httpsReady is the ready check of a service whose readiness endpoint is url (the apiserver's
// /readyz, which it serves to anyone): a GET answered 200 by a server whose certificate
// chains to the CA in caFile. An open port is not enough there: the apiserver listens long
// before it serves, and what depends on it would start and compete with it for the CPU. The
// supervisor polls a check every 100 ms; this one asks at most every httpsReadyEvery, over one
// kept-alive connection, so that the check does not itself load the server it waits for.
func httpsReady(url, caFile string) func(context.Context) error {
	var (
		mu      sync.Mutex
		client  *http.Client
		last    time.Time
		lastErr = errors.New("ready check: not asked yet")
	)
	return func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < httpsReadyEvery {
			return lastErr
		}
		last = time.Now()
		if client == nil {
			pem, err := os.ReadFile(caFile)
			if err != nil {
				lastErr = fmt.Errorf("ready check: %w", err)
				return lastErr
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				lastErr = fmt.Errorf("ready check: no CA certificate in %s", caFile)
				return lastErr
			}
			client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, MaxIdleConns: 1}}
		}
		lastErr = get(ctx, client, url)
		if lastErr == nil {
			client.CloseIdleConnections() // ready: the connection is not needed any more
		}
		return lastErr
	}
}

// get asks url once, within httpsReadyTimeout, and wants a 200.
func get(ctx context.Context, client *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(ctx, httpsReadyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("ready check: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("ready check: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("ready check: GET %s: %s", url, resp.Status)
	}
	return nil
}

// httpsReadyTimeout bounds one HTTPS ready check; httpsReadyEvery is how often it asks.
const (
	httpsReadyTimeout = 10 * time.Second
	httpsReadyEvery   = 2 * time.Second
)
