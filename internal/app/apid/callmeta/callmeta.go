// Package callmeta encodes and decodes the gRPC metadata Cairn's API daemons exchange: the
// `nodes` a client targets, and the identity of the original caller that apid passes on to
// machined and, when proxying, to the apid of another node.
package callmeta

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"google.golang.org/grpc/metadata"

	"github.com/cairn-os/cairn/pkg/machinery/audit"
)

// Metadata keys.
const (
	// Nodes lists the target nodes of a call (set by clients).
	Nodes = "nodes"
	// Caller carries the original caller's identity (apid → machined, apid → apid).
	Caller = "x-cairn-caller"
	// Via carries the proxies a call came through (apid → machined).
	Via = "x-cairn-via"
	// RequestID carries the request id of the original call.
	RequestID = "x-cairn-request-id"
)

// Limits on the nodes metadata.
const (
	MaxNodes      = 64
	maxNodeLength = 261 // a 253-byte DNS name, ':' and a port
	maxIdentity   = 8 << 10
)

// ErrInvalid is wrapped by every decoding error.
var ErrInvalid = errors.New("invalid call metadata")

// ParseNodes returns the nodes named by the values of the `nodes` metadata; each value may
// itself be a comma-separated list. Empty entries, bad host names and duplicates are errors.
func ParseNodes(values []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, v := range values {
		for n := range strings.SplitSeq(v, ",") {
			n = strings.TrimSpace(n)
			if err := checkNode(n); err != nil {
				return nil, err
			}
			if seen[n] {
				return nil, fmt.Errorf("%w: nodes: %q is listed twice", ErrInvalid, n)
			}
			seen[n] = true
			out = append(out, n)
			if len(out) > MaxNodes {
				return nil, fmt.Errorf("%w: nodes: more than %d nodes in one call, the most the proxy accepts", ErrInvalid, MaxNodes)
			}
		}
	}
	return out, nil
}

func checkNode(n string) error {
	if n == "" {
		return fmt.Errorf("%w: nodes: empty node name", ErrInvalid)
	}
	if len(n) > maxNodeLength {
		return fmt.Errorf("%w: nodes: %.40q... is longer than %d bytes", ErrInvalid, n, maxNodeLength)
	}
	host := n
	if h, port, err := net.SplitHostPort(n); err == nil {
		p, perr := strconv.Atoi(port)
		if perr != nil || p < 1 || p > 65535 {
			return fmt.Errorf("%w: nodes: %q has an invalid port", ErrInvalid, n)
		}
		host = h
	}
	if net.ParseIP(host) != nil {
		return nil
	}
	if !validHostname(host) {
		return fmt.Errorf("%w: nodes: %q is not an IP address or host name", ErrInvalid, n)
	}
	return nil
}

func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' {
				return false
			}
		}
	}
	return true
}

// CheckPorts refuses a node named with a port other than the API's: every node serves its API
// on the same port, and the proxy dials nothing else.
func CheckPorts(nodes []string, apiPort int) error {
	for _, n := range nodes {
		if _, port, err := net.SplitHostPort(n); err == nil && port != strconv.Itoa(apiPort) {
			return fmt.Errorf("%w: nodes: %q: nodes serve the API on port %d, the proxy dials no other port", ErrInvalid, n, apiPort)
		}
	}
	return nil
}

// NodeAddress returns the dial address of a node: the default port is added when none is given.
func NodeAddress(node string, defaultPort int) string {
	if _, _, err := net.SplitHostPort(node); err == nil {
		return node
	}
	return net.JoinHostPort(node, strconv.Itoa(defaultPort))
}

// EncodeIdentity encodes an identity for the Caller metadata.
func EncodeIdentity(id audit.Identity) string {
	b, _ := json.Marshal(id) // an Identity holds only strings: Marshal cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeIdentity decodes the Caller metadata strictly.
func DecodeIdentity(s string) (audit.Identity, error) {
	var id audit.Identity
	if len(s) > maxIdentity {
		return id, fmt.Errorf("%w: caller: %d bytes, more than %d", ErrInvalid, len(s), maxIdentity)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return id, fmt.Errorf("%w: caller: %w", ErrInvalid, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&id); err != nil {
		return audit.Identity{}, fmt.Errorf("%w: caller: %w", ErrInvalid, err)
	}
	if dec.More() {
		return audit.Identity{}, fmt.Errorf("%w: caller: trailing data", ErrInvalid)
	}
	if id.Subject == "" {
		return audit.Identity{}, fmt.Errorf("%w: caller: subject is empty", ErrInvalid)
	}
	return id, nil
}

// EncodeVia encodes a proxy chain for the Via metadata.
func EncodeVia(via []audit.Identity) []string {
	out := make([]string, len(via))
	for i, v := range via {
		out[i] = EncodeIdentity(v)
	}
	return out
}

// DecodeVia decodes the Via metadata.
func DecodeVia(values []string) ([]audit.Identity, error) {
	if len(values) > 8 {
		return nil, fmt.Errorf("%w: via: %d hops, more than 8", ErrInvalid, len(values))
	}
	var out []audit.Identity
	for _, v := range values {
		id, err := DecodeIdentity(v)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// Local is what machined learns about a call from apid's metadata.
type Local struct {
	Caller    audit.Identity
	Via       []audit.Identity
	RequestID string
}

// FromIncoming reads the call metadata apid set. A call without it is an error: machined's
// socket is reached only through apid (or by a process as privileged as machined itself).
func FromIncoming(md metadata.MD) (Local, error) {
	var l Local
	c := md.Get(Caller)
	if len(c) != 1 {
		return l, fmt.Errorf("%w: want exactly one %s value, got %d", ErrInvalid, Caller, len(c))
	}
	var err error
	if l.Caller, err = DecodeIdentity(c[0]); err != nil {
		return l, err
	}
	if l.Via, err = DecodeVia(md.Get(Via)); err != nil {
		return l, err
	}
	if r := md.Get(RequestID); len(r) > 0 {
		l.RequestID = r[0]
	}
	return l, nil
}

// Outgoing returns the metadata apid attaches to a call it forwards.
func (l Local) Outgoing() metadata.MD {
	md := metadata.Pairs(Caller, EncodeIdentity(l.Caller), RequestID, l.RequestID)
	for _, v := range EncodeVia(l.Via) {
		md.Append(Via, v)
	}
	return md
}
