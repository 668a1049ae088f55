// Package etcdops operates a node's etcd through etcd's JSON gateway (gRPC over HTTPS as JSON,
// served on etcd's client port): member list, status, leave, member removal with a quorum
// check, defragmentation, alarms and snapshots. It uses the same client certificate as the
// health check (kubepki's etcd/healthcheck-client), so it needs no etcd client library.
package etcdops

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Sentinels the caller maps to its own error codes.
var (
	// ErrInvalid: an argument is malformed (a member ID that is not hex).
	ErrInvalid = errors.New("invalid argument")
	// ErrNotFound: the member ID is not in the member list.
	ErrNotFound = errors.New("not found")
	// ErrRefused: the action would lose quorum, or etcd is in no state to do it.
	ErrRefused = errors.New("refused")
	// ErrUnavailable: etcd answered 503, e.g. "etcdserver: unhealthy cluster" when its members
	// have not been connected for 5 seconds yet: trying again later may work.
	ErrUnavailable = errors.New("unavailable")
)

// kindError is an error of one of the kinds above whose message does not repeat the kind: the
// API edge names the kind its own way.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// Bounds of one request to etcd.
const (
	// maxBody bounds what is read of one etcd answer (a member list of a large cluster fits).
	maxBody = 1 << 20
	// RequestTimeout bounds a read or a membership change.
	RequestTimeout = 10 * time.Second
	// DefragTimeout bounds a defragmentation, which rewrites the whole database.
	DefragTimeout = 5 * time.Minute
	// memberTimeout bounds the status call to one member, so a dead member costs little.
	memberTimeout = 3 * time.Second
)

// Client talks to one etcd member (the node's own) and, for status and health, to the other
// members' client URLs, all with the same client certificate.
type Client struct {
	// Endpoint is the local member's client URL, e.g. https://127.0.0.1:2379.
	Endpoint string
	http     *http.Client
}

// NewClient returns a client for endpoint with the CA and the health-check client certificate
// found in dir (ca.crt, healthcheck-client.crt and .key, kubepki's names).
func NewClient(dir, endpoint string) (*Client, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "healthcheck-client.crt"), filepath.Join(dir, "healthcheck-client.key"))
	if err != nil {
		return nil, fmt.Errorf("etcd client certificate: %w", err)
	}
	ca, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("etcd CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("etcd CA %s: no certificate in it", filepath.Join(dir, "ca.crt"))
	}
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12},
		Proxy:               nil,
		TLSHandshakeTimeout: memberTimeout,
	}
	// No overall Timeout: every request carries a context deadline, and a snapshot runs as long
	// as bytes keep coming.
	return &Client{Endpoint: strings.TrimRight(endpoint, "/"), http: &http.Client{Transport: tr}}, nil
}

// Close drops the client's idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// call posts body as JSON to path on base and decodes the answer into out, within timeout.
func (c *Client) call(ctx context.Context, base, path string, timeout time.Duration, body, out any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := c.post(ctx, base, path, body)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("etcd %s: %w", path, err)
	}
	if len(data) > maxBody {
		return fmt.Errorf("etcd %s: the answer is larger than %d bytes", path, maxBody)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("etcd %s: %w", path, gatewayError(resp.StatusCode, data))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("etcd %s: decode the answer: %w", path, err)
	}
	return nil
}

// post sends one request; the caller closes the response body.
func (c *Client) post(ctx context.Context, base, path string, body any) (*http.Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("etcd %s: %w", path, err)
	}
	return resp, nil
}

// gatewayError turns the gateway's error answer ({"error":..., "code":..., "message":...})
// into an error that carries etcd's own text.
func gatewayError(status int, body []byte) error {
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
		Code    int    `json:"code"`
	}
	_ = json.Unmarshal(body, &e)
	msg := e.Message
	if msg == "" {
		msg = e.Error
	}
	if msg == "" {
		msg = strings.TrimSpace(printable(body, 200))
	}
	if status == http.StatusServiceUnavailable {
		return errorf(ErrUnavailable, "HTTP %d: %s", status, msg)
	}
	return fmt.Errorf("HTTP %d: %s", status, msg)
}

// printable keeps at most n bytes of an answer for an error message, without control bytes.
func printable(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, string(b))
}
