package machined

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
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
// before it serves, and what depends on it would start and compete with it for the CPU.
func httpsReady(url, caFile string) func(context.Context) error {
	return func(ctx context.Context) error {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return fmt.Errorf("ready check: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("ready check: no CA certificate in %s", caFile)
		}
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
		defer tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(ctx, httpsReadyTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("ready check: %w", err)
		}
		resp, err := (&http.Client{Transport: tr}).Do(req)
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
}

// httpsReadyTimeout bounds one HTTPS ready check.
const httpsReadyTimeout = 10 * time.Second
